#pragma once

// Responses built by this element (RFC 3261 §8.2.6) and where a response goes
// (RFC 3261 §18.2.2, RFC 3581). Pure functions: no I/O.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "sip/headers.h"
#include "sip/message.h"

namespace tandem::sip {

// A header line to add: {name, value}.
using HeaderPair = std::pair<std::string_view, std::string_view>;

// The reason phrase of RFC 3261 §21 and its extensions; for a code without
// one, the name of its class ("Client Error").
std::string_view defaultReason(int status);

// A response to `request` (§8.2.6.2): every Via in order, From, To (with
// ";tag=<to_tag>" added when the To has none, the status is above 100 and
// `to_tag` is not empty), Call-ID, CSeq, then `extra_headers`, then
// "Server: Tandem/<version>", Content-Length and `body` (its Content-Type
// among `extra_headers`).
std::string buildResponse(const Message& request, int status, std::string_view reason, std::string_view to_tag,
                          std::span<const HeaderPair> extra_headers = {}, std::string_view body = {});

// The same from bytes that did not parse (a malformed request, or the header
// section of a stream message whose framing was lost): the Via, From, To,
// Call-ID and CSeq lines found are copied as above. Empty when the bytes do
// not look like a request other than ACK (responses and ACK are never
// answered) or carry no Via, so nothing can be answered.
std::string buildResponseFromRaw(std::string_view bytes, int status, std::string_view reason, std::string_view to_tag,
                                 std::span<const HeaderPair> extra_headers = {});

// A Warning value (§20.43): 399 example.com "text", with '"' and '\' escaped.
std::string warningValue(int code, std::string_view agent, std::string_view text);

// Where a response to a request received with top Via `via` goes.
struct ResponseTarget {
  // Stream transports: on the connection the request came on; `host`/`port`
  // are where to open a new one if it has closed (§18.2.2).
  bool same_connection = false;
  // An IP literal (the request's source, which §18.2.1 records as
  // "received"), or the maddr value, which may be a host name.
  std::string_view host;
  uint16_t port = 0;
};

// §18.2.2 with RFC 3581:
//   stream                  -> same connection (else source, sent-by port)
//   maddr                   -> maddr, sent-by port (default port if none)
//   rport                   -> source address, source port
//   otherwise               -> source address, sent-by port (default port if none)
// The default port is 5061 for a TLS Via, 5060 otherwise. A "received"
// parameter already on the wire is not trusted: the source is.
ResponseTarget responseTarget(const Via& via, bool stream, std::string_view source_host, uint16_t source_port);

}  // namespace tandem::sip
