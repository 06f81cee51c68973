#include "server/request_handler.h"

#include <spdlog/spdlog.h>
#include <array>
#include <cstdio>

#include "sip/headers.h"
#include "sip/validate.h"

namespace tandem::server {
namespace {

using sip::HeaderPair;

// What this release serves (§11.2). They grow with the features: Allow with
// each method served, Accept with each body type understood (none yet: an
// empty Accept means no body format, §20.1), Supported with each option tag.
constexpr std::string_view kAllow = "OPTIONS, ACK, CANCEL";
constexpr std::string_view kAccept = "";
constexpr std::string_view kSupported = "";

std::string_view headerSection(const sip::Message& message) { return message.raw().substr(0, message.headerEnd()); }

void send(const transport::ReplyHandle& reply, std::string_view bytes, const transport::Endpoint& to) {
  if (!reply.send(bytes, to)) {
    spdlog::debug("response to {} not sent (connection gone or send failed)", transport::toString(to));
  }
}

}  // namespace

std::string responseTag(std::string_view header_section) {
  uint64_t hash = 14695981039346656037ULL;  // FNV-1a 64
  for (unsigned char c : header_section) {
    hash = (hash ^ c) * 1099511628211ULL;
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

transport::Endpoint replyEndpoint(const transport::InboundMessage& in) {
  if (transport::isStream(in.transport)) {
    return in.source;
  }
  const auto vias = in.message.values(sip::HeaderId::Via);
  if (vias.empty()) {
    return in.source;
  }
  const sip::Result<sip::Via> via = sip::parseVia(*vias.begin());
  if (!via) {
    return in.source;
  }
  const std::string source_host = in.source.address.to_string();
  const sip::ResponseTarget target = sip::responseTarget(*via, false, source_host, in.source.port);
  asio::error_code ec;
  const asio::ip::address address = asio::ip::make_address(std::string(target.host), ec);
  if (ec) {
    spdlog::debug("Via maddr {} is a host name; answering the source instead", target.host);
    return in.source;
  }
  return transport::Endpoint{address, target.port};
}

void RequestHandler::onMessage(transport::InboundMessage&& in) {
  const sip::Message& message = in.message;
  if (message.isResponse()) {
    spdlog::debug("{} {}: stray response {} dropped", transport::transportName(in.transport),
                  transport::toString(in.source), message.statusCode());
    return;
  }
  spdlog::debug("{} {}: {} {}", transport::transportName(in.transport), transport::toString(in.source),
                message.methodName(), message.requestUri());
  if (message.method() == sip::Method::Ack) {
    return;  // never answered; with no transactions there is nothing to match it to
  }
  if (const sip::Status valid = sip::validateRequest(message); !valid) {
    answerWithWarning(in, valid.error().status, valid.error().reason);
    return;
  }
  switch (message.method()) {
    case sip::Method::Options:
      answerOptions(in);
      return;
    case sip::Method::Cancel:
      answer(in, 481);
      return;
    case sip::Method::Unknown: {
      const std::array<HeaderPair, 1> allow = {{{"Allow", kAllow}}};
      answer(in, 501, allow);
      return;
    }
    default:
      answerWithWarning(in, 480, std::string(message.methodName()) + " is served from a later release");
      return;
  }
}

void RequestHandler::onMalformed(const transport::MalformedInput& in) {
  spdlog::debug("{} {}: malformed input ({} {}){}", transport::transportName(in.transport),
                transport::toString(in.source), in.error.status, in.error.reason,
                in.closing ? ", closing the connection" : "");
  const std::string warning = sip::warningValue(399, fqdn_, in.error.reason);
  const std::array<HeaderPair, 1> extra = {{{"Warning", warning}}};
  const std::string response = sip::buildResponseFromRaw(in.bytes, in.error.status, sip::defaultReason(in.error.status),
                                                         responseTag(in.bytes), extra);
  if (!response.empty()) {
    send(in.reply, response, in.source);
  }
}

void RequestHandler::answer(const transport::InboundMessage& in, int status, std::span<const HeaderPair> extra) {
  if (in.message.count(sip::HeaderId::Via) == 0) {
    return;  // nothing to route a response with
  }
  const std::string response =
      sip::buildResponse(in.message, status, sip::defaultReason(status), responseTag(headerSection(in.message)), extra);
  const transport::Endpoint to = replyEndpoint(in);
  spdlog::debug("{} {}: answered {} {}", transport::transportName(in.transport), transport::toString(to), status,
                in.message.methodName());
  send(in.reply, response, to);
}

void RequestHandler::answerWithWarning(const transport::InboundMessage& in, int status, std::string_view text) {
  const std::string warning = sip::warningValue(399, fqdn_, text);
  const std::array<HeaderPair, 1> extra = {{{"Warning", warning}}};
  answer(in, status, extra);
}

void RequestHandler::answerOptions(const transport::InboundMessage& in) {
  const std::array<HeaderPair, 3> extra = {{{"Allow", kAllow}, {"Accept", kAccept}, {"Supported", kSupported}}};
  answer(in, 200, extra);
}

}  // namespace tandem::server
