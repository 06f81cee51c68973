#include "sip/headers.h"

#include <array>
#include <cstddef>
#include <limits>

#include "sip/message.h"

namespace tandem::sip {
namespace {

constexpr uint32_t kMaxUint32 = std::numeric_limits<uint32_t>::max();

// Indexed by HeaderId; kept in the order of the enum (checked below).
constexpr std::array<std::string_view, static_cast<size_t>(HeaderId::Count_)> kMalformed{{
    "Malformed header",
    "Malformed Via header",
    "Malformed From header",
    "Malformed To header",
    "Malformed Call-ID header",
    "Malformed CSeq header",
    "Malformed Max-Forwards header",
    "Malformed Contact header",
    "Malformed Content-Length header",
    "Malformed Content-Type header",
    "Malformed Content-Encoding header",
    "Malformed Route header",
    "Malformed Record-Route header",
    "Malformed Path header",
    "Malformed Service-Route header",
    "Malformed Expires header",
    "Malformed Min-Expires header",
    "Malformed Event header",
    "Malformed Allow-Events header",
    "Malformed Subscription-State header",
    "Malformed Authorization header",
    "Malformed Proxy-Authorization header",
    "Malformed WWW-Authenticate header",
    "Malformed Proxy-Authenticate header",
    "Malformed Authentication-Info header",
    "Malformed Require header",
    "Malformed Proxy-Require header",
    "Malformed Supported header",
    "Malformed Unsupported header",
    "Malformed Allow header",
    "Malformed Accept header",
    "Malformed Accept-Encoding header",
    "Malformed Accept-Language header",
    "Malformed User-Agent header",
    "Malformed Server header",
    "Malformed Warning header",
    "Malformed Retry-After header",
    "Malformed Date header",
    "Malformed Subject header",
    "Malformed Refer-To header",
    "Malformed Referred-By header",
    "Malformed SIP-ETag header",
    "Malformed SIP-If-Match header",
    "Malformed Timestamp header",
}};
static_assert(kMalformed[static_cast<size_t>(HeaderId::Timestamp)] == "Malformed Timestamp header");
static_assert(kMalformed[static_cast<size_t>(HeaderId::Via)] == "Malformed Via header");

Failure<Error> malformed(HeaderId id) { return badRequest(malformedReason(id)); }

// trimLws (message.h), inline: the values handed in are nearly always
// trimmed already.
inline std::string_view trimOuter(std::string_view text) {
  const auto is_lws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  if (!text.empty() && !is_lws(text.front()) && !is_lws(text.back())) {
    return text;
  }
  size_t begin = 0;
  while (begin < text.size() && is_lws(text[begin])) {
    ++begin;
  }
  size_t end = text.size();
  while (end > begin && is_lws(text[end - 1])) {
    --end;
  }
  return text.substr(begin, end - begin);
}

// SWS [ ";" params ] up to the end of the value; the params must be well
// formed, and `visit` (called once per parameter, in order) must accept each.
// Anything else after the parsed part is an error.
template <class Visit>
bool readTrailingParams(Scanner& scanner, std::string_view& params, Visit&& visit) {
  scanner.skipLws();
  if (scanner.atEnd()) {
    return true;
  }
  if (!scanner.consume(';')) {
    return false;
  }
  scanner.skipLws();
  params = scanner.rest();
  return visitParams<ParamSyntax::Header>(params, visit);
}

bool readTrailingParams(Scanner& scanner, std::string_view& params) {
  return readTrailingParams(scanner, params, [](const Param&) { return true; });
}

// 1*DIGIT; larger than 2^32-1 clamps to it. nullopt for non-digits.
std::optional<uint32_t> clampedDelta(std::string_view digits) {
  if (digits.empty()) {
    return std::nullopt;
  }
  for (char c : digits) {
    if (!isDigitChar(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
  }
  return static_cast<uint32_t>(parseDecimal(digits, kMaxUint32).value_or(kMaxUint32));
}

std::optional<uint32_t> strictUint32(std::string_view digits) {
  if (auto value = parseDecimal(digits, kMaxUint32)) {
    return static_cast<uint32_t>(*value);
  }
  return std::nullopt;
}

// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths.
std::optional<uint16_t> parseQValue(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) {
    return std::nullopt;
  }
  uint16_t value = text[0] == '1' ? 1000 : 0;
  if (text.size() == 1) {
    return value;
  }
  const std::string_view fraction = text.substr(2);
  if (text[1] != '.' || fraction.size() > 3) {
    return std::nullopt;
  }
  uint16_t scale = 100;
  for (char c : fraction) {
    if (!isDigitChar(static_cast<unsigned char>(c)) || (value == 1000 && c != '0')) {
      return std::nullopt;
    }
    value = static_cast<uint16_t>(value + (c - '0') * scale);
    scale /= 10;
  }
  return value;
}

// display-name = *(token LWS) before '<'. On success the scanner stands on
// '<' and `display` is the tokens with their inner LWS; otherwise the scanner
// is back where it started.
bool readTokenDisplayName(Scanner& scanner, std::string_view& display) {
  const size_t start = scanner.pos();
  const std::string_view text = scanner.rest();
  size_t end = start;
  while (!scanner.token().empty()) {
    end = scanner.pos();
    scanner.skipLws();
  }
  if (!scanner.at('<')) {
    scanner.reset(start);
    return false;
  }
  display = text.substr(0, end - start);
  return true;
}

// "<" URI ">" with nothing (no LWS either) between the brackets and the URI,
// which ends at the first '>'; parses the URI into `uri` too.
bool readBracketedUri(Scanner& scanner, std::string_view& uri_text, Uri& uri) {
  if (!scanner.consume('<')) {
    return false;
  }
  const std::string_view rest = scanner.rest();
  size_t close = detail::parseSipUriFast(rest, '>', uri);
  if (close == std::string_view::npos) {
    close = rest.find('>');
    if (close == std::string_view::npos || !parseUri(rest.substr(0, close), uri)) {
      return false;
    }
  }
  uri_text = rest.substr(0, close);
  scanner.reset(scanner.pos() + close + 1);
  return true;
}

// addr-spec without <>: the URI ends at ';' (header params) or LWS. Such a
// URI must not hold '?' or ',' (§20: those need the <> form).
bool readBareUri(Scanner& scanner, std::string_view& uri_text) {
  const size_t start = scanner.pos();
  while (!scanner.atEnd()) {
    const unsigned char c = scanner.current();
    if (c == ';' || isWsp(c) || c == '\r' || c == '\n') {
      break;
    }
    scanner.reset(scanner.pos() + 1);
  }
  uri_text = scanner.since(start);
  for (char c : uri_text) {
    if (c == '?' || c == ',') {
      return false;
    }
  }
  return true;
}

// name-addr / addr-spec and the header params; `visit` sees each param.
template <class Visit>
bool readNameAddr(std::string_view value, NameAddr& out, Visit&& visit) {
  Scanner scanner(value);
  if (scanner.at('"')) {
    if (!scanner.quotedString(out.display_name)) {
      return false;  // unterminated quote (RFC 4475 §3.1.2.6)
    }
    out.quoted_display_name = true;
    scanner.skipLws();
    if (!scanner.at('<')) {
      return false;
    }
  } else if (scanner.at('<')) {
    out.display_name = value.substr(0, 0);  // what readTokenDisplayName() gives
  } else if (const size_t end = spanOf(value, 0, kToken);
             end > 0 && end + 1 < value.size() && value[end] == ' ' && value[end + 1] == '<') {
    out.display_name = value.substr(0, end);  // one token and one SP: the usual shape
    scanner.reset(end + 1);
  } else {
    readTokenDisplayName(scanner, out.display_name);
  }
  out.bracketed = scanner.at('<');
  if (out.bracketed) {
    if (!readBracketedUri(scanner, out.uri_text, out.uri)) {
      return false;
    }
  } else if (!readBareUri(scanner, out.uri_text) || !parseUri(out.uri_text, out.uri)) {
    return false;
  }
  return readTrailingParams(scanner, out.params, visit);
}

// sent-by = host [ COLON port ] (§25.1).
bool readSentBy(Scanner& scanner, Via& via) {
  std::optional<HostKind> kind;
  if (scanner.at('[')) {
    const size_t close = scanner.rest().find(']');
    if (close == std::string_view::npos) {
      return false;
    }
    via.host = scanner.rest().substr(0, close + 1);
    scanner.reset(scanner.pos() + close + 1);
    kind = classifyHost(via.host);
  } else {
    via.host = scanner.take(kHostChar);
    kind = detail::classifyHostName(via.host);  // classifyHost() for a non-bracketed host
  }
  if (!kind) {
    return false;
  }
  via.host_kind = *kind;
  if (scanner.consumeSeparator(':')) {
    const auto port = parseDecimal(scanner.take(kDigit), 65535);
    if (!port) {
      return false;
    }
    via.port = static_cast<uint16_t>(*port);
    via.has_port = true;
  }
  return true;
}

// received = IPv4address / IPv6address (§20.42), bracketed or not (RFC 5118 §4.5).
bool isReceivedAddress(std::string_view text) {
  const auto kind = classifyHost(text);
  return (kind && *kind != HostKind::Name) || isIpv6Address(text);
}

bool applyViaParam(const Param& param, Via& via) {
  enum class Known : uint8_t { None, Rport, Alias, Branch, Received, Maddr, Ttl };
  Known known = Known::None;
  const std::string_view name = param.name;
  switch (name.size()) {
    case 3:
      known = equalsNoCase(name, "ttl") ? Known::Ttl : Known::None;
      break;
    case 5:
      known = equalsNoCase(name, "rport")   ? Known::Rport
              : equalsNoCase(name, "alias") ? Known::Alias
              : equalsNoCase(name, "maddr") ? Known::Maddr
                                            : Known::None;
      break;
    case 6:
      known = equalsNoCase(name, "branch") ? Known::Branch : Known::None;
      break;
    case 8:
      known = equalsNoCase(name, "received") ? Known::Received : Known::None;
      break;
    default:
      break;
  }
  switch (known) {
    case Known::None:
      return true;
    case Known::Rport:
      via.has_rport = true;
      if (param.has_value) {
        const auto port = parseDecimal(param.value, 65535);
        via.rport = port ? std::optional<uint16_t>(static_cast<uint16_t>(*port)) : std::nullopt;
        return port.has_value() && !param.quoted;
      }
      return true;
    case Known::Alias:
      via.alias = true;
      return true;
    default:
      break;
  }
  if (!param.has_value || param.quoted) {
    return false;
  }
  switch (known) {
    case Known::Branch:
      via.branch = param.value;
      return true;
    case Known::Received:
      via.received = param.value;
      return isReceivedAddress(param.value);
    case Known::Maddr:
      via.maddr = param.value;
      return classifyHost(param.value).has_value();
    default:
      break;
  }
  const auto ttl = parseDecimal(param.value, 255);
  via.ttl = ttl ? std::optional<uint8_t>(static_cast<uint8_t>(*ttl)) : std::nullopt;
  return ttl.has_value();
}

// The Via of nearly every request, without LWS but the one SP:
//   "SIP/2.0/" transport SP host [ ":" port ] *( ";" token [ "=" gen-value ] )
// with host a hostname or an IPv4 address and unquoted parameter values.
// True only when `value` is exactly such a Via whose parameters all apply,
// and `via` then holds what readVia() gives for it (the same views). False
// for anything else, which readVia() then decides.
bool readViaFast(std::string_view value, Via& via) {
  constexpr std::string_view kPrefix = "SIP/2.0/";
  if (value.substr(0, kPrefix.size()) != kPrefix) {
    return false;
  }
  via.protocol_name = value.substr(0, 3);
  via.protocol_version = value.substr(4, 3);
  size_t i = spanOf(value, kPrefix.size(), kToken);
  via.transport = value.substr(kPrefix.size(), i - kPrefix.size());
  if (via.transport.empty() || i >= value.size() || value[i] != ' ') {
    return false;
  }
  const size_t host = ++i;
  i = detail::scanHostName(value, host, via.host_kind);
  if (i == std::string_view::npos) {
    return false;
  }
  via.host = value.substr(host, i - host);
  if (i < value.size() && value[i] == ':') {
    const size_t digits = ++i;
    uint32_t port = 0;
    while (i < value.size() && isDigitChar(static_cast<unsigned char>(value[i]))) {
      port = port * 10 + static_cast<uint32_t>(value[i] - '0');
      if (port > 65535) {
        return false;
      }
      ++i;
    }
    if (i == digits) {
      return false;
    }
    via.port = static_cast<uint16_t>(port);
    via.has_port = true;
  }
  if (i == value.size()) {
    return true;
  }
  if (value[i] != ';') {
    return false;
  }
  via.params = value.substr(++i);
  for (;;) {
    Param param;
    const size_t name = i;
    i = spanOf(value, name, kToken);
    param.name = value.substr(name, i - name);
    if (param.name.empty()) {
      return false;
    }
    if (i < value.size() && value[i] == '=') {
      const size_t start = ++i;
      i = spanOf(value, start, kParamValue);
      param.value = value.substr(start, i - start);
      param.has_value = true;
      if (param.value.empty()) {
        return false;
      }
    }
    if (!applyViaParam(param, via)) {
      return false;
    }
    if (i == value.size()) {
      return true;
    }
    if (value[i] != ';') {
      return false;
    }
    ++i;
  }
}

// The parameters are checked and applied in one pass: a Via with a malformed
// list is refused whatever its known parameters hold, as before.
bool readVia(std::string_view value, Via& via) {
  Scanner scanner(value);
  via.protocol_name = scanner.token();
  if (via.protocol_name.empty() || !scanner.consumeSeparator('/')) {
    return false;
  }
  via.protocol_version = scanner.token();
  if (via.protocol_version.empty() || !scanner.consumeSeparator('/')) {
    return false;
  }
  via.transport = scanner.token();
  return !via.transport.empty() && scanner.skipLws() && readSentBy(scanner, via) &&
         readTrailingParams(scanner, via.params, [&via](const Param& param) { return applyViaParam(param, via); });
}

// A token followed by optional header params: the shape of Content-Type's
// subtype, Event and Subscription-State.
bool readTokenWithParams(Scanner& scanner, std::string_view& token, std::string_view& params) {
  token = scanner.token();
  return !token.empty() && readTrailingParams(scanner, params);
}

bool readSubscriptionState(std::string_view value, SubscriptionState& out) {
  Scanner scanner(value);
  if (!readTokenWithParams(scanner, out.state, out.params)) {
    return false;
  }
  ParamReader reader(out.params);
  Param param;
  while (reader.next(param)) {
    if (equalsNoCase(param.name, "reason")) {
      out.reason = param.value;
    } else if (equalsNoCase(param.name, "expires")) {
      out.expires = strictUint32(param.value);
      if (!out.expires) {
        return false;
      }
    } else if (equalsNoCase(param.name, "retry-after")) {
      out.retry_after = strictUint32(param.value);
      if (!out.retry_after) {
        return false;
      }
    }
  }
  return true;
}

// token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" (RFC 7235 §2.1).
bool isToken68(std::string_view text) {
  const size_t end = text.find_last_not_of('=');
  if (end == std::string_view::npos) {
    return false;
  }
  for (char c : text.substr(0, end + 1)) {
    const auto u = static_cast<unsigned char>(c);
    if (!hasClass(u, kAlpha | kDigit) && c != '-' && c != '.' && c != '_' && c != '~' && c != '+' && c != '/') {
      return false;
    }
  }
  return true;
}

// auth-scheme [ 1*SP ( #auth-param / token68 ) ].
bool readAuth(std::string_view value, AuthValue& out) {
  Scanner scanner(value);
  out.scheme = scanner.token();
  if (out.scheme.empty()) {
    return false;
  }
  if (scanner.atEnd()) {
    return true;
  }
  if (!scanner.skipLws()) {
    return false;
  }
  const std::string_view rest = scanner.rest();
  if (paramsWellFormed(rest, ParamSyntax::Auth)) {
    out.params = rest;
    return true;
  }
  out.token68 = rest;
  return isToken68(rest);
}

}  // namespace

std::string_view malformedReason(HeaderId id) {
  const auto index = static_cast<size_t>(id);
  return index < kMalformed.size() ? kMalformed[index] : kMalformed[0];
}

// The Result-returning parsers below build their value in place in the
// Result (see detail::blank) and return that one object.

Result<NameAddr> parseNameAddr(std::string_view value, HeaderId header) {
  Result<NameAddr> result(detail::blank<NameAddr>());
  if (!readNameAddr(trimOuter(value), *result, [](const Param&) { return true; })) {
    result = malformed(header);
  }
  return result;
}

Result<ContactValue> parseContact(std::string_view value) {
  Result<ContactValue> result(detail::blank<ContactValue>());
  ContactValue& out = *result;
  value = trimOuter(value);
  if (value == "*") {
    out.wildcard = true;
    return result;
  }
  // The q and expires parameters are decoded while the list is checked.
  const auto decode = [&out](const Param& param) {
    if (equalsNoCase(param.name, "q")) {
      out.q = parseQValue(param.value);
      return out.q.has_value();
    }
    if (equalsNoCase(param.name, "expires")) {
      out.expires = clampedDelta(param.value);
      return out.expires.has_value();
    }
    return true;
  };
  if (!readNameAddr(value, out.address, decode)) {
    result = malformed(HeaderId::Contact);
  }
  return result;
}

Result<Via> parseVia(std::string_view value) {
  value = trimOuter(value);
  Result<Via> result(detail::blank<Via>());
  if (!readViaFast(value, *result)) {
    *result = detail::blank<Via>();
    if (!readVia(value, *result)) {
      result = malformed(HeaderId::Via);
    }
  }
  return result;
}

Result<CSeq> parseCSeq(std::string_view value) {
  Scanner scanner(trimOuter(value));
  const auto number = strictUint32(scanner.take(kDigit));
  if (!number || !scanner.skipLws()) {
    return malformed(HeaderId::CSeq);
  }
  CSeq cseq;
  cseq.number = *number;
  cseq.method_name = scanner.token();
  if (cseq.method_name.empty() || !scanner.atEnd()) {
    return malformed(HeaderId::CSeq);
  }
  cseq.method = methodFromName(cseq.method_name);
  return cseq;
}

std::optional<uint32_t> parseUint32(std::string_view value) { return strictUint32(trimOuter(value)); }

Result<uint32_t> parseMaxForwards(std::string_view value) {
  const auto hops = parseUint32(value);
  if (!hops || *hops > 255) {
    return malformed(HeaderId::MaxForwards);
  }
  return *hops;
}

Result<uint32_t> parseExpires(std::string_view value) {
  const auto seconds = parseUint32(value);
  if (!seconds) {
    return malformed(HeaderId::Expires);
  }
  return *seconds;
}

Result<uint32_t> parseContentLength(std::string_view value) {
  const auto length = parseUint32(value);
  if (!length) {
    return malformed(HeaderId::ContentLength);
  }
  return *length;
}

bool isValidCallId(std::string_view value) {
  const auto isWord = [](std::string_view word) {
    Scanner scanner(word);
    return !scanner.take(kWord).empty() && scanner.atEnd();
  };
  const size_t at = value.find('@');
  if (at == std::string_view::npos) {
    return isWord(value);
  }
  return isWord(value.substr(0, at)) && isWord(value.substr(at + 1));
}

Result<ContentType> parseContentType(std::string_view value) {
  Scanner scanner(trimOuter(value));
  ContentType out;
  out.type = scanner.token();
  if (out.type.empty() || !scanner.consumeSeparator('/') || !readTokenWithParams(scanner, out.subtype, out.params)) {
    return malformed(HeaderId::ContentType);
  }
  return out;
}

Result<Event> parseEvent(std::string_view value) {
  Scanner scanner(trimOuter(value));
  Event out;
  if (!readTokenWithParams(scanner, out.package, out.params)) {
    return malformed(HeaderId::Event);
  }
  out.id = findParamValue(out.params, "id").value_or(std::string_view());
  return out;
}

Result<SubscriptionState> parseSubscriptionState(std::string_view value) {
  SubscriptionState out;
  if (!readSubscriptionState(trimOuter(value), out)) {
    return malformed(HeaderId::SubscriptionState);
  }
  return out;
}

bool AuthValue::isDigest() const { return equalsNoCase(scheme, "Digest"); }

Result<Credentials> parseCredentials(std::string_view value, HeaderId header) {
  AuthValue out;
  if (!readAuth(trimOuter(value), out)) {
    return malformed(header);
  }
  return out;
}

Result<Challenge> parseChallenge(std::string_view value, HeaderId header) { return parseCredentials(value, header); }

}  // namespace tandem::sip
