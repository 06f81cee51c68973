#include "transaction/messages.h"

#include <initializer_list>

#include "sip/header_id.h"

namespace tandem::transaction {
namespace {

void appendLines(std::string& out, const sip::Message& message, sip::HeaderId id) {
  for (const sip::HeaderField& field : message.headers()) {
    if (field.id == id) {
      out += field.line;
    }
  }
}

void appendHeader(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

void endHeaders(std::string& out) { out += "Content-Length: 0\r\n\r\n"; }

}  // namespace

std::string buildAck(const sip::Message& invite, const sip::Message& response, uint32_t cseq_number) {
  std::string out;
  out.reserve(invite.headerEnd());
  out += "ACK ";
  out += invite.requestUri();
  out += " SIP/2.0\r\n";
  const sip::ValueRange vias = invite.values(sip::HeaderId::Via);
  if (!vias.empty()) {
    appendHeader(out, "Via", *vias.begin());
  }
  appendLines(out, invite, sip::HeaderId::Route);
  appendHeader(out, "Max-Forwards", "70");
  appendLines(out, invite, sip::HeaderId::From);
  appendLines(out, response, sip::HeaderId::To);
  appendLines(out, invite, sip::HeaderId::CallId);
  appendHeader(out, "CSeq", std::to_string(cseq_number) + " ACK");
  endHeaders(out);
  return out;
}

std::string buildTrying(const sip::Message& request) {
  std::string out;
  out.reserve(request.headerEnd());
  out += "SIP/2.0 100 Trying\r\n";
  for (const sip::HeaderId id : {sip::HeaderId::Via, sip::HeaderId::From, sip::HeaderId::To, sip::HeaderId::CallId,
                                 sip::HeaderId::CSeq, sip::HeaderId::Timestamp}) {
    appendLines(out, request, id);
  }
  endHeaders(out);
  return out;
}

int statusOf(std::string_view response) {
  constexpr std::string_view kVersion = "SIP/2.0 ";
  if (response.size() < kVersion.size() + 4 || response.substr(0, kVersion.size()) != kVersion) {
    return 0;
  }
  int status = 0;
  for (size_t i = kVersion.size(); i < kVersion.size() + 3; ++i) {
    const char c = response[i];
    if (c < '0' || c > '9') {
      return 0;
    }
    status = status * 10 + (c - '0');
  }
  return response[kVersion.size() + 3] == ' ' && status >= 100 && status <= 699 ? status : 0;
}

}  // namespace tandem::transaction
