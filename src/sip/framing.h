#pragma once

// Stream framing for TCP and TLS (RFC 3261 §18.3): cuts a byte stream into
// whole messages using Content-Length, answers CRLF keep-alives (RFC 5626
// §3.5.1), and bounds the memory a peer can make us hold.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sip/error.h"

namespace tandem::sip {

struct FramerLimits {
  size_t max_message_size = 64 * 1024;  // whole message; larger -> 413, close
  size_t max_header_size = 16 * 1024;   // start line + headers; larger -> 413, close
};

class StreamFramer {
 public:
  enum class Kind : uint8_t {
    NeedMore,   // no complete message buffered yet
    Message,    // `message` holds one whole message (valid until the next call)
    KeepAlive,  // a "\r\n\r\n" ping was consumed: answer with "\r\n" (RFC 5626 §3.5.1)
    Error,      // framing is lost: answer `error` if possible, then close
  };
  struct Frame {
    Kind kind = Kind::NeedMore;
    std::string_view message;
    Error error;
  };

  explicit StreamFramer(FramerLimits limits = {}) : limits_(limits) {}

  // Appends received bytes. Returns false (and the framer is in error) when
  // more than the limit is buffered without a complete message.
  bool append(std::string_view bytes);
  // Takes the next frame out of the buffer. Call until it returns NeedMore.
  Frame next();

  size_t buffered() const { return buffer_.size() - start_; }
  // Bytes of a partially received message (0 when idle between messages).
  bool midMessage() const { return buffered() > 0; }

 private:
  void compact();

  FramerLimits limits_;
  std::string buffer_;
  size_t start_ = 0;    // first unconsumed byte
  size_t scanned_ = 0;  // header-end search resumes here (relative to start_)
  size_t pending_total_ = 0;  // size of the message being received, once its headers are in
  bool failed_ = false;
  Error failure_;
};

}  // namespace tandem::sip
