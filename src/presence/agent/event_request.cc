#include "presence/agent/event_request.h"

#include "common/text.h"
#include "sip/headers.h"

namespace tandem::presence {
namespace {

proxy::LocalResponse badRequest(std::string warning) {
  proxy::LocalResponse response;
  response.status = 400;
  response.warning = std::move(warning);
  return response;
}

// "Presence;id=1" → "presence"; "application/PIDF+xml; q=0.5" → "application/pidf+xml".
std::string token(std::string_view value) {
  const size_t semicolon = value.find(';');
  std::string_view text = value.substr(0, semicolon);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return asciiLower(text);
}

}  // namespace

Result<EventRequest, proxy::LocalResponse> parseEventRequest(const proxy::RequestContext& context,
                                                             std::string presentity) {
  const sip::Message& request = context.request;
  EventRequest out;
  out.method = request.method();
  out.presentity = std::move(presentity);
  out.source = context.source;
  out.trusted_host = context.trusted;

  const sip::HeaderField* from = request.find(sip::HeaderId::From);
  const sip::HeaderField* to = request.find(sip::HeaderId::To);
  auto from_value = from ? sip::parseNameAddr(from->value, sip::HeaderId::From) : sip::parseNameAddr("");
  auto to_value = to ? sip::parseNameAddr(to->value, sip::HeaderId::To) : sip::parseNameAddr("");
  if (!from_value.ok() || !to_value.ok()) {
    return fail(badRequest("Malformed From or To"));
  }
  if (!from_value->tag() || from_value->tag()->empty()) {
    return fail(badRequest("The From has no tag"));
  }
  out.from_uri = std::string(from_value->uri_text);
  out.from_tag = std::string(*from_value->tag());
  out.to_uri = std::string(to_value->uri_text);
  out.to_tag = std::string(to_value->tag().value_or(""));

  const sip::HeaderField* call_id = request.find(sip::HeaderId::CallId);
  const sip::HeaderField* cseq_field = request.find(sip::HeaderId::CSeq);
  auto cseq = cseq_field ? sip::parseCSeq(cseq_field->value) : sip::parseCSeq("");
  if (call_id == nullptr || !cseq.ok()) {
    return fail(badRequest("Malformed Call-ID or CSeq"));
  }
  out.call_id = std::string(call_id->value);
  out.cseq = cseq->number;

  if (const sip::HeaderField* expires = request.find(sip::HeaderId::Expires)) {
    auto value = sip::parseExpires(expires->value);
    if (!value.ok()) {
      return fail(badRequest("Malformed Expires"));
    }
    out.expires = *value;
  }
  if (const sip::HeaderField* event = request.find(sip::HeaderId::Event)) {
    out.event = token(event->value);
  }
  for (std::string_view value : request.values(sip::HeaderId::Accept)) {
    if (std::string type = token(value); !type.empty()) {
      out.accept.push_back(std::move(type));
    }
  }
  if (const sip::HeaderField* match = request.find(sip::HeaderId::SipIfMatch)) {
    out.if_match = std::string(match->value);
  }
  if (const sip::HeaderField* type = request.find(sip::HeaderId::ContentType)) {
    out.content_type = token(type->value);
  }
  out.body = std::string(request.body());

  if (out.method == sip::Method::Subscribe) {
    const sip::HeaderField* contact = request.find(sip::HeaderId::Contact);
    auto contact_value = contact ? sip::parseContact(contact->value) : sip::parseContact("");
    if (!contact_value.ok() || contact_value->wildcard) {
      return fail(badRequest("A SUBSCRIBE needs one Contact (RFC 6665 §4.1.2)"));
    }
    out.contact = std::string(contact_value->address.uri_text);
    for (std::string_view value : request.values(sip::HeaderId::RecordRoute)) {
      out.record_route.emplace_back(value);
    }
  }
  return out;
}

}  // namespace tandem::presence
