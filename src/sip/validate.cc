#include "sip/validate.h"

#include <array>
#include <cstdint>

#include "sip/headers.h"
#include "sip/uri.h"

namespace tandem::sip {
namespace {

struct CountRule {
  HeaderId id;
  bool required;              // must be present
  std::string_view missing;   // reason when absent and required
  std::string_view multiple;  // reason when present more than once
};

// Single-valued headers (§20; RFC 4475 §3.3.8).
constexpr std::array<CountRule, 8> kCountRules{{
    {HeaderId::To, true, "Missing To header", "Multiple To headers"},
    {HeaderId::From, true, "Missing From header", "Multiple From headers"},
    {HeaderId::CallId, true, "Missing Call-ID header", "Multiple Call-ID headers"},
    {HeaderId::CSeq, true, "Missing CSeq header", "Multiple CSeq headers"},
    {HeaderId::MaxForwards, false, "", "Multiple Max-Forwards headers"},
    {HeaderId::ContentLength, false, "", "Multiple Content-Length headers"},
    {HeaderId::ContentType, false, "", "Multiple Content-Type headers"},
    {HeaderId::Expires, false, "", "Multiple Expires headers"},
}};

Status checkVersion(const Message& message) {
  if (!equalsIgnoreCase(message.version(), "SIP/2.0")) {
    return error(505, "SIP version not supported");
  }
  return {};
}

Status checkCounts(const Message& message) {
  // One pass over the header lines for every count; only 0, 1 and "more"
  // matter, so the counts saturate at 2.
  std::array<uint8_t, static_cast<size_t>(HeaderId::Count_)> counts{};
  for (const HeaderField& field : message.headers()) {
    const auto index = static_cast<size_t>(field.id);
    if (index < counts.size() && counts[index] < 2) {
      ++counts[index];
    }
  }
  const auto count_of = [&counts](HeaderId id) { return counts[static_cast<size_t>(id)]; };
  for (const CountRule& rule : kCountRules) {
    const size_t count = count_of(rule.id);
    if (count == 0 && rule.required) {
      return badRequest(rule.missing);
    }
    if (count > 1) {
      return badRequest(rule.multiple);
    }
  }
  if (count_of(HeaderId::Via) == 0) {
    return badRequest("Missing Via header");
  }
  return {};
}

// Runs `parse` on every value of header `id`; the first failure is returned.
template <class Parse>
Status checkEach(const Message& message, HeaderId id, Parse parse) {
  for (std::string_view value : message.values(id)) {
    auto parsed = parse(value);
    if (!parsed) {
      return fail(parsed.error());
    }
  }
  return {};
}

Status checkAddresses(const Message& message, HeaderId id) {
  return checkEach(message, id, [id](std::string_view value) { return parseNameAddr(value, id); });
}

// The checks shared by requests and responses: version, header presence,
// then the transaction keys (CSeq, Call-ID, Via) and From / To. Yields the
// parsed CSeq.
Result<CSeq> checkCommon(const Message& message) {
  if (auto status = checkVersion(message); !status) {
    return fail(status.error());
  }
  if (auto status = checkCounts(message); !status) {
    return fail(status.error());
  }
  auto cseq = parseCSeq(message.find(HeaderId::CSeq)->value);
  if (!cseq) {
    return cseq;
  }
  if (!isValidCallId(message.find(HeaderId::CallId)->value)) {
    return badRequest(malformedReason(HeaderId::CallId));
  }
  if (auto status = checkEach(message, HeaderId::Via, parseVia); !status) {
    return fail(status.error());
  }
  for (HeaderId id : {HeaderId::From, HeaderId::To}) {
    if (auto status = checkAddresses(message, id); !status) {
      return fail(status.error());
    }
  }
  return cseq;
}

// The routing set and targets: Contact, Record-Route, and (requests) Route.
Status checkRouting(const Message& message) {
  if (auto status = checkEach(message, HeaderId::Contact, parseContact); !status) {
    return status;
  }
  if (auto status = checkAddresses(message, HeaderId::RecordRoute); !status) {
    return status;
  }
  return message.isRequest() ? checkAddresses(message, HeaderId::Route) : Status();
}

// Request-URI syntax (§19.1.1 table 1: no headers part). The scheme is
// judged later, once all the syntax is known to be good.
Result<Uri> parseRequestUri(std::string_view text) {
  auto uri = parseUri(text);
  if (!uri) {
    return badRequest("Malformed Request-URI");
  }
  if (!uri->headers.empty()) {
    return badRequest("Headers not allowed in the Request-URI");
  }
  return uri;
}

Status checkMaxForwards(const Message& message) {
  const HeaderField* hops = message.find(HeaderId::MaxForwards);
  if (hops == nullptr) {
    return {};  // RFC 2543 peers (RFC 4475 §3.4.1)
  }
  auto parsed = parseMaxForwards(hops->value);
  return parsed ? Status() : Status(fail(parsed.error()));
}

}  // namespace

// §16.3: step 1 (reasonable syntax) for everything the core reads, then
// step 2 (URI scheme).
Status validateRequest(const Message& message) {
  auto cseq = checkCommon(message);
  if (!cseq) {
    return fail(cseq.error());
  }
  if (cseq->method_name != message.methodName()) {
    return badRequest("CSeq method does not match the request method");
  }
  auto uri = parseRequestUri(message.requestUri());
  if (!uri) {
    return fail(uri.error());
  }
  if (auto status = checkMaxForwards(message); !status) {
    return status;
  }
  if (auto status = checkRouting(message); !status) {
    return status;
  }
  if (uri->scheme == UriScheme::Other) {
    return error(416, "Unsupported URI scheme");  // §8.2.2.1, §21.4.17
  }
  return {};
}

Status validateResponse(const Message& message) {
  if (message.statusCode() < 100 || message.statusCode() > 699) {
    return badRequest("Invalid status code");
  }
  if (auto cseq = checkCommon(message); !cseq) {
    return fail(cseq.error());
  }
  return checkRouting(message);
}

}  // namespace tandem::sip
