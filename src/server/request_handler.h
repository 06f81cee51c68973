#pragma once

// What the server does with each received message until the proxy core
// (transactions, routing, registrar, presence, IM) arrives. Stateless:
//
//   response                    dropped (no transactions yet: every response is stray)
//   ACK                         never answered
//   request failing validation  answered with the error's status and
//                               Warning: 399 <fqdn> "<reason>"
//   OPTIONS                     200 with Allow, Accept, Supported (§11.2)
//   CANCEL                      481 (there is no transaction it could cancel)
//   a method Tandem does not know       501 Not Implemented, with Allow
//   a known method not served yet       480 Temporarily Unavailable with
//                                       Warning: 399 <fqdn> "<METHOD> is served from a later release"
//
// 480 rather than 501 or 405: the method is part of what Tandem serves, the
// refusal is temporary, and 480 makes a client try again later instead of
// concluding the server cannot do it. Bytes that do not parse are answered
// (400/413/505 + Warning) when a Via can be found in them, at the source
// address, since their Via is not trusted.

#include <string>
#include <string_view>

#include "sip/response.h"
#include "transport/inbound.h"

namespace tandem::server {

class RequestHandler final : public transport::MessageHandler {
 public:
  explicit RequestHandler(std::string fqdn) : fqdn_(std::move(fqdn)) {}

  void onMessage(transport::InboundMessage&& in) override;
  void onMalformed(const transport::MalformedInput& in) override;

 // Answers `in` with `status` and Warning: 399 <fqdn> "<text>" (e.g. 503
  // while the server stops).
  void answerWithWarning(const transport::InboundMessage& in, int status, std::string_view text);

 private:
  void answer(const transport::InboundMessage& in, int status, std::span<const sip::HeaderPair> extra = {});
  void answerOptions(const transport::InboundMessage& in);

  std::string fqdn_;
};

// Where a response to `in` goes (RFC 3261 §18.2.2, RFC 3581): the source for
// a stream or when the top Via does not parse, else sip::responseTarget.
// A maddr that is a host name cannot be used before DNS arrives: the source is.
transport::Endpoint replyEndpoint(const transport::InboundMessage& in);

// A To tag for a response built here: the same for every retransmission of
// a request (a hash of its header section), so answers stay consistent.
std::string responseTag(std::string_view header_section);

}  // namespace tandem::server
