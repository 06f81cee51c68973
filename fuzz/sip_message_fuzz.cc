// The SIP parser under arbitrary bytes, as a datagram. Invariants: never a
// crash or a sanitizer report; a message that parses serializes back byte
// for byte; the edits a proxy makes produce a message that parses again with
// the same headers; every typed parser accepts or refuses without harm.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sip/editor.h"
#include "sip/message.h"
#include "fuzz/typed_parsers.h"

using tandem::sip::Editor;
using tandem::sip::Framing;
using tandem::sip::HeaderId;
using tandem::sip::Message;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = Message::parse(input, Framing::Datagram);
  if (!parsed.ok()) {
    if (parsed.error().status < 400 || parsed.error().status > 599 || parsed.error().reason.empty()) {
      std::abort();
    }
    return 0;
  }
  const Message& message = *parsed;
  tandem::fuzz::exerciseTypedParsers(message);

  if (Editor(message).serialize() != message.raw()) {
    std::abort();
  }
  Editor editor(message);
  editor.pushVia("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKfuzz");
  if (message.isRequest()) {
    editor.setRequestUri("sip:fuzz@192.0.2.2");
  }
  if (const auto* max_forwards = message.find(HeaderId::MaxForwards); max_forwards != nullptr) {
    editor.replace(*max_forwards, "69");
  }
  editor.append("Record-Route", "<sip:192.0.2.1;lr>");
  const std::string edited = editor.serialize();
  auto again = Message::parse(edited, Framing::Datagram);
  if (!again.ok() || again->count(HeaderId::Via) != message.count(HeaderId::Via) + 1 ||
      again->headers().size() != message.headers().size() + 2) {
    std::abort();
  }
  return 0;
}
