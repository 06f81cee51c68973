#include "sip/uri.h"

#include <arpa/inet.h>

#include <array>
#include <cstring>

#include "sip/message.h"
#include "sip/scanner.h"

namespace tandem::sip {
namespace {

constexpr std::string_view kMalformedUri = "Malformed URI";
constexpr std::string_view kMalformedScheme = "Malformed URI scheme";
constexpr std::string_view kMalformedUser = "Malformed URI user part";
constexpr std::string_view kMalformedHost = "Malformed URI host";
constexpr std::string_view kMalformedPort = "Malformed URI port";
constexpr std::string_view kMalformedParams = "Malformed URI parameters";
constexpr std::string_view kMalformedHeaders = "Malformed URI headers";
constexpr std::string_view kMalformedTel = "Malformed tel URI";

// True when `text` is made of chars of `mask` and %HH escapes only.
bool escapedCharsOnly(std::string_view text, uint16_t mask) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '%') {
      if (i + 2 >= text.size() || !isHexChar(static_cast<unsigned char>(text[i + 1])) ||
          !isHexChar(static_cast<unsigned char>(text[i + 2]))) {
        return false;
      }
      i += 2;
    } else if (!hasClass(c, mask)) {
      return false;
    }
  }
  return true;
}

bool ipv6Bytes(std::string_view text, std::array<unsigned char, 16>& bytes) {
  std::array<char, 64> buffer{};
  if (text.empty() || text.size() >= buffer.size()) {
    return false;
  }
  std::memcpy(buffer.data(), text.data(), text.size());
  return inet_pton(AF_INET6, buffer.data(), bytes.data()) == 1;
}

std::string_view bracketInner(std::string_view host) { return host.substr(1, host.size() - 2); }

// hostport = host [ ":" port ] (§25.1), port 0-65535.
Status parseHostPort(std::string_view text, Uri& uri) {
  size_t host_end = 0;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    host_end = close == std::string_view::npos ? text.size() : close + 1;
  } else {
    host_end = std::min(text.find(':'), text.size());
  }
  uri.host = text.substr(0, host_end);
  const auto kind = classifyHost(uri.host);
  if (!kind) {
    return badRequest(kMalformedHost);
  }
  uri.host_kind = *kind;
  const std::string_view rest = text.substr(host_end);
  if (rest.empty()) {
    return {};
  }
  const auto port = rest.front() == ':' ? parseDecimal(rest.substr(1), 65535) : std::nullopt;
  if (!port) {
    return badRequest(kMalformedPort);
  }
  uri.port = static_cast<uint16_t>(*port);
  uri.has_port = true;
  return {};
}

// headers = "?" header *( "&" header ); header = hname "=" hvalue (§25.1).
bool headersWellFormed(std::string_view text) {
  constexpr uint16_t kHeaderChars = kUnreserved | kHnvUnreserved;
  for (;;) {
    const size_t amp = text.find('&');
    const std::string_view header = text.substr(0, amp);
    const size_t eq = header.find('=');
    if (eq == 0 || eq == std::string_view::npos || !escapedCharsOnly(header.substr(0, eq), kHeaderChars) ||
        !escapedCharsOnly(header.substr(eq + 1), kHeaderChars)) {
      return false;
    }
    if (amp == std::string_view::npos) {
      return true;
    }
    text = text.substr(amp + 1);
  }
}

// SIP-URI / SIPS-URI (§19.1.1): [ userinfo "@" ] hostport uri-parameters
// [ headers ]. The user part may hold ';' and '?' (RFC 4475 §3.1.1.9), so the
// userinfo is cut at the '@' first: no other part may contain an unescaped '@'.
Status parseSipRest(std::string_view rest, Uri& uri) {
  if (const size_t at = rest.find('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    const size_t colon = userinfo.find(':');
    uri.user = userinfo.substr(0, colon);
    if (colon != std::string_view::npos) {
      uri.password = userinfo.substr(colon + 1);
    }
    if (uri.user.empty() || !escapedCharsOnly(uri.user, kUnreserved | kUserUnreserved) ||
        !escapedCharsOnly(uri.password, kUnreserved | kPasswordExtra)) {
      return badRequest(kMalformedUser);
    }
    rest = rest.substr(at + 1);
  }
  if (const size_t question = rest.find('?'); question != std::string_view::npos) {
    uri.headers = rest.substr(question + 1);
    rest = rest.substr(0, question);
    if (!headersWellFormed(uri.headers)) {
      return badRequest(kMalformedHeaders);
    }
  }
  if (const size_t semi = rest.find(';'); semi != std::string_view::npos) {
    uri.params = rest.substr(semi + 1);
    rest = rest.substr(0, semi);
    if (!paramsWellFormed(uri.params, ParamSyntax::Uri)) {
      return badRequest(kMalformedParams);
    }
  }
  return parseHostPort(rest, uri);
}

bool isVisualSeparator(char c) { return c == '-' || c == '.' || c == '(' || c == ')'; }

// telephone-subscriber (RFC 3966 §3): global-number-digits ("+" then digits
// and visual separators, at least one digit) or local-number-digits (hex
// digits, '*', '#' and visual separators, at least one that is not a
// separator). phone-context is not enforced for local numbers: devices
// commonly omit it and routing treats such numbers as local anyway.
bool isTelNumber(std::string_view number) {
  const bool global = !number.empty() && number.front() == '+';
  if (global) {
    number.remove_prefix(1);
  }
  bool has_digit = false;
  for (char c : number) {
    const auto u = static_cast<unsigned char>(c);
    if (isVisualSeparator(c)) {
      continue;
    }
    const bool ok = global ? isDigitChar(u) : (isHexChar(u) || c == '*' || c == '#');
    if (!ok) {
      return false;
    }
    has_digit = true;
  }
  return has_digit;
}

Status parseTelRest(std::string_view rest, Uri& uri) {
  const size_t semi = rest.find(';');
  uri.user = rest.substr(0, semi);
  if (!isTelNumber(uri.user)) {
    return badRequest(kMalformedTel);
  }
  if (semi != std::string_view::npos) {
    uri.params = rest.substr(semi + 1);
    if (!paramsWellFormed(uri.params, ParamSyntax::Uri)) {
      return badRequest(kMalformedTel);
    }
  }
  return {};
}

// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (§25.1).
bool isScheme(std::string_view text) {
  if (text.empty() || !hasClass(static_cast<unsigned char>(text.front()), kAlpha)) {
    return false;
  }
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (!hasClass(u, kAlpha | kDigit) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

bool hasSpaceOrControl(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return true;
    }
  }
  return false;
}

// Octets of an escaped string with %HH decoded, one at a time.
class Unescaper {
 public:
  explicit Unescaper(std::string_view text) : text_(text) {}

  // False at the end. `escaped` tells whether the octet was written as %HH.
  bool next(unsigned char& c, bool& escaped) {
    if (pos_ >= text_.size()) {
      return false;
    }
    c = static_cast<unsigned char>(text_[pos_]);
    escaped = c == '%' && pos_ + 2 < text_.size() && isHexChar(static_cast<unsigned char>(text_[pos_ + 1])) &&
              isHexChar(static_cast<unsigned char>(text_[pos_ + 2]));
    if (escaped) {
      c = static_cast<unsigned char>(hexValue(static_cast<unsigned char>(text_[pos_ + 1])) * 16 +
                                     hexValue(static_cast<unsigned char>(text_[pos_ + 2])));
      pos_ += 3;
    } else {
      ++pos_;
    }
    return true;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

// reserved (§25.1): an escaped reserved char differs from the literal one.
bool isReserved(unsigned char c) { return std::string_view(";/?:@&=+$,").find(c) != std::string_view::npos; }

unsigned char lower(unsigned char c) { return c >= 'A' && c <= 'Z' ? c | 0x20 : c; }

bool escapedEquals(std::string_view a, std::string_view b, bool ignore_case) {
  Unescaper left(a);
  Unescaper right(b);
  for (;;) {
    unsigned char ca = 0;
    unsigned char cb = 0;
    bool ea = false;
    bool eb = false;
    const bool more_a = left.next(ca, ea);
    const bool more_b = right.next(cb, eb);
    if (more_a != more_b) {
      return false;
    }
    if (!more_a) {
      return true;
    }
    if (ignore_case) {
      ca = lower(ca);
      cb = lower(cb);
    }
    if (ca != cb || (ea != eb && isReserved(ca))) {
      return false;
    }
  }
}

bool hostEquals(const Uri& a, const Uri& b) {
  if (a.host_kind != b.host_kind) {
    return false;
  }
  if (a.host_kind == HostKind::IPv6) {
    std::array<unsigned char, 16> left{};
    std::array<unsigned char, 16> right{};
    return ipv6Bytes(bracketInner(a.host), left) && ipv6Bytes(bracketInner(b.host), right) && left == right;
  }
  return equalsNoCase(a.host, b.host);
}

// A parameter with this (unescaped, case-insensitive) name, as written.
std::optional<Param> findEscapedParam(std::string_view raw, std::string_view name) {
  ParamReader reader(raw, ParamSyntax::Uri);
  Param param;
  while (reader.next(param)) {
    if (escapedEquals(param.name, name, true)) {
      return param;
    }
  }
  return std::nullopt;
}

bool mustBeInBoth(std::string_view name) {
  for (std::string_view special : {"user", "ttl", "method", "maddr", "transport"}) {
    if (escapedEquals(name, special, true)) {
      return true;
    }
  }
  return false;
}

size_t paramCount(std::string_view raw) {
  ParamReader reader(raw, ParamSyntax::Uri);
  Param param;
  size_t count = 0;
  while (reader.next(param)) {
    ++count;
  }
  return count;
}

// §19.1.4: parameters of `a` that `b` has too must match; `strict` (tel,
// RFC 3966 §4) wants every parameter in both, else only the five of
// mustBeInBoth.
bool paramsCovered(std::string_view a, std::string_view b, bool strict) {
  ParamReader reader(a, ParamSyntax::Uri);
  Param param;
  while (reader.next(param)) {
    const auto other = findEscapedParam(b, param.name);
    if (other ? !escapedEquals(param.value, other->value, true) : (strict || mustBeInBoth(param.name))) {
      return false;
    }
  }
  return true;
}

// Calls `visit(name, value)` for each "name=value" of a '&'-separated URI
// headers part; stops early when visit returns false.
template <class Visit>
bool allHeaders(std::string_view headers, Visit visit) {
  while (!headers.empty()) {
    const size_t amp = headers.find('&');
    const std::string_view header = headers.substr(0, amp);
    const size_t eq = std::min(header.find('='), header.size());
    const std::string_view value = eq < header.size() ? header.substr(eq + 1) : std::string_view();
    if (!visit(header.substr(0, eq), value)) {
      return false;
    }
    headers = amp == std::string_view::npos ? std::string_view() : headers.substr(amp + 1);
  }
  return true;
}

bool headersCovered(std::string_view a, std::string_view b) {
  return allHeaders(a, [b](std::string_view name, std::string_view value) {
    return !allHeaders(b, [name, value](std::string_view other_name, std::string_view other_value) {
      return !(escapedEquals(name, other_name, true) && escapedEquals(value, other_value, true));
    });
  });
}

size_t headerCount(std::string_view headers) {
  size_t count = 0;
  allHeaders(headers, [&count](std::string_view, std::string_view) {
    ++count;
    return true;
  });
  return count;
}

bool sipEquals(const Uri& a, const Uri& b) {
  return escapedEquals(a.user, b.user, false) && escapedEquals(a.password, b.password, false) && hostEquals(a, b) &&
         a.has_port == b.has_port && a.port == b.port && paramsCovered(a.params, b.params, false) &&
         paramsCovered(b.params, a.params, false) && headerCount(a.headers) == headerCount(b.headers) &&
         headersCovered(a.headers, b.headers) && headersCovered(b.headers, a.headers);
}

// RFC 3966 §4: numbers equal once visual separators are dropped (hex digits
// case-insensitively); every parameter must be in both and match.
bool telEquals(const Uri& a, const Uri& b) {
  size_t i = 0;
  size_t j = 0;
  for (;;) {
    while (i < a.user.size() && isVisualSeparator(a.user[i])) {
      ++i;
    }
    while (j < b.user.size() && isVisualSeparator(b.user[j])) {
      ++j;
    }
    if (i == a.user.size() || j == b.user.size()) {
      break;
    }
    if (lower(static_cast<unsigned char>(a.user[i])) != lower(static_cast<unsigned char>(b.user[j]))) {
      return false;
    }
    ++i;
    ++j;
  }
  return i == a.user.size() && j == b.user.size() && paramCount(a.params) == paramCount(b.params) &&
         paramsCovered(a.params, b.params, true);
}

}  // namespace

bool isIpv4Address(std::string_view text) { return detail::isIpv4Text(text); }

bool isIpv6Address(std::string_view text) {
  std::array<unsigned char, 16> bytes{};
  return ipv6Bytes(text, bytes);
}

std::optional<HostKind> classifyHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return isIpv6Address(bracketInner(host)) ? std::optional(HostKind::IPv6) : std::nullopt;
  }
  return detail::classifyHostName(host);
}

namespace {

// The general parser: every scheme, every shape, and the reason of a failure.
Status parseUriGeneral(std::string_view text, Uri& uri) {
  if (text.empty() || hasSpaceOrControl(text)) {
    return badRequest(kMalformedUri);
  }
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos || !isScheme(text.substr(0, colon))) {
    return badRequest(kMalformedScheme);
  }
  uri.scheme_text = text.substr(0, colon);
  const std::string_view rest = text.substr(colon + 1);
  if (equalsNoCase(uri.scheme_text, "sip") || equalsNoCase(uri.scheme_text, "sips")) {
    uri.scheme = uri.scheme_text.size() == 3 ? UriScheme::Sip : UriScheme::Sips;
    return parseSipRest(rest, uri);
  }
  if (equalsNoCase(uri.scheme_text, "tel")) {
    uri.scheme = UriScheme::Tel;
    return parseTelRest(rest, uri);
  }
  uri.scheme = UriScheme::Other;
  uri.opaque = rest;
  if (rest.empty()) {
    return badRequest(kMalformedUri);
  }
  return {};
}

constexpr size_t kNone = std::string_view::npos;

// The end of the 1*paramchar (§19.1.1: param-unreserved / unreserved /
// escaped) that starts at `pos`; kNone when there is none or when a '%' does
// not start a %HH escape.
size_t paramCharsEnd(std::string_view text, size_t pos) {
  const size_t start = pos;
  for (;;) {
    pos = spanOf(text, pos, kUriParamChar);
    if (pos >= text.size() || text[pos] != '%') {
      break;
    }
    if (pos + 2 >= text.size() || !isHexChar(static_cast<unsigned char>(text[pos + 1])) ||
        !isHexChar(static_cast<unsigned char>(text[pos + 2]))) {
      return kNone;
    }
    pos += 3;
  }
  return pos == start ? kNone : pos;
}

// hostport *( ";" uri-parameter ) at the start of `text`, the host a
// hostname or an IPv4address: the tail of the URIs parseSipUriFast() takes. It
// ends at the first octet that cannot continue it; returns its length, or
// kNone when it is malformed before that. Fills host, host_kind, port,
// has_port and params as parseSipRest() would for a URI ending there. No
// octet it takes is white space, a control, '@', '?' or '>'.
size_t hostPortParamsFast(std::string_view text, Uri& uri) {
  size_t i = detail::scanHostName(text, 0, uri.host_kind);
  if (i == kNone) {
    return kNone;
  }
  uri.host = text.substr(0, i);
  if (i < text.size() && text[i] == ':') {
    const size_t digits = ++i;
    uint32_t port = 0;
    while (i < text.size() && isDigitChar(static_cast<unsigned char>(text[i]))) {
      port = port * 10 + static_cast<uint32_t>(text[i] - '0');
      if (port > 65535) {
        return kNone;
      }
      ++i;
    }
    if (i == digits) {
      return kNone;
    }
    uri.port = static_cast<uint16_t>(port);
    uri.has_port = true;
  }
  if (i >= text.size() || text[i] != ';') {
    return i;
  }
  // uri-parameters: name [ "=" value ], ';'-separated (ParamSyntax::Uri).
  const size_t params = ++i;
  for (;;) {
    i = paramCharsEnd(text, i);
    if (i != kNone && i < text.size() && text[i] == '=') {
      i = paramCharsEnd(text, i + 1);
    }
    if (i == kNone) {
      return kNone;
    }
    if (i >= text.size() || text[i] != ';') {
      break;
    }
    ++i;
  }
  uri.params = text.substr(params, i - params);
  return i;
}

}  // namespace

namespace detail {

// The sip/sips URIs of nearly every request, in about one pass:
//   ("sip" / "sips") ":" [ userinfo "@" ] host [ ":" port ] *( ";" uri-parameter )
// with host a hostname or an IPv4 address and no headers part. Fills `uri`
// as parseUriGeneral() would and returns the URI's length only when the text
// is exactly such a URI up to its end; otherwise (other schemes, IPv6
// references, headers, every malformation) kNone, and parseUriGeneral()
// decides and names the fault. Every octet accepted is checked against a
// class that excludes white space and controls, so the general path's first
// check holds too.
size_t parseSipUriFast(std::string_view text, char end, Uri& uri) {
  if (text.size() < 5 || (text[0] | 0x20) != 's' || (text[1] | 0x20) != 'i' || (text[2] | 0x20) != 'p') {
    return kNone;
  }
  size_t colon = 3;
  if (text[3] != ':') {
    if ((text[3] | 0x20) != 's' || text[4] != ':') {
      return kNone;
    }
    colon = 4;
  }
  uri.scheme = colon == 3 ? UriScheme::Sip : UriScheme::Sips;
  uri.scheme_text = text.substr(0, colon);
  const std::string_view rest = text.substr(colon + 1);
  // Where the URI ends: at the end of the text, or at its first `end`.
  const auto length = [&](size_t tail_start, size_t tail_length) {
    const size_t stop = tail_length == kNone ? kNone : tail_start + tail_length;
    const bool ends = stop != kNone && (end == '\0' ? stop == rest.size() : stop < rest.size() && rest[stop] == end);
    return ends ? colon + 1 + stop : kNone;
  };

  // The userinfo ends at the first '@' of the URI. A user of host chars
  // (all of them user chars; no ':' nor '%') right before it needs no
  // further check.
  const size_t run = spanOf(rest, 0, kHostChar);
  if (run > 0 && run < rest.size() && rest[run] == '@') {
    uri.user = rest.substr(0, run);
    return length(run + 1, hostPortParamsFast(rest.substr(run + 1), uri));
  }
  // No '@' in the URI at all when it is all hostport and parameters: none of
  // their octets is an '@'.
  if (const size_t stop = length(0, hostPortParamsFast(rest, uri)); stop != kNone) {
    return stop;
  }
  uri.host = {};
  uri.host_kind = HostKind::Name;
  uri.port = 0;
  uri.has_port = false;
  uri.params = {};
  // Else a userinfo with ':' (password), escapes or other user chars. The
  // scan stops at the first octet no userinfo holds; when that is not the
  // '@', leave it all to the general path.
  const size_t at = spanOf(rest, 0, kUserInfo);
  if (at == rest.size() || rest[at] != '@') {
    return kNone;
  }
  const std::string_view userinfo = rest.substr(0, at);
  size_t user_end = 0;
  while (user_end < userinfo.size() && userinfo[user_end] != ':') {
    ++user_end;
  }
  uri.user = userinfo.substr(0, user_end);
  if (user_end < userinfo.size()) {
    uri.password = userinfo.substr(user_end + 1);
  }
  if (uri.user.empty() || !escapedCharsOnly(uri.user, kUnreserved | kUserUnreserved) ||
      !escapedCharsOnly(uri.password, kUnreserved | kPasswordExtra)) {
    return kNone;
  }
  return length(at + 1, hostPortParamsFast(rest.substr(at + 1), uri));
}

}  // namespace detail

Status parseUri(std::string_view text, Uri& uri) {
  uri = detail::blank<Uri>();
  if (detail::parseSipUriFast(text, '\0', uri) != kNone) {
    return {};
  }
  uri = detail::blank<Uri>();
  return parseUriGeneral(text, uri);
}

Result<Uri> parseUri(std::string_view text) {
  Result<Uri> result(detail::blank<Uri>());
  if (Status status = parseUri(text, *result); !status) {
    result = fail(status.error());
  }
  return result;
}

bool uriEquals(const Uri& a, const Uri& b) {
  if (a.scheme != b.scheme) {
    return false;
  }
  switch (a.scheme) {
    case UriScheme::Sip:
    case UriScheme::Sips:
      return sipEquals(a, b);
    case UriScheme::Tel:
      return telEquals(a, b);
    case UriScheme::Other:
      break;
  }
  return equalsNoCase(a.scheme_text, b.scheme_text) && escapedEquals(a.opaque, b.opaque, false);
}

std::string unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  Unescaper reader(text);
  unsigned char c = 0;
  bool escaped = false;
  while (reader.next(c, escaped)) {
    out.push_back(static_cast<char>(c));
  }
  return out;
}

std::optional<std::string_view> Uri::param(std::string_view name) const {
  return findParamValue(params, name, ParamSyntax::Uri);
}

bool Uri::isPhone() const {
  if (scheme == UriScheme::Tel) {
    return true;
  }
  const auto user_param = param("user");
  return isSip() && user_param && equalsNoCase(*user_param, "phone");
}

std::string_view Uri::transport() const { return param("transport").value_or(std::string_view()); }

std::string_view Uri::maddr() const { return param("maddr").value_or(std::string_view()); }

}  // namespace tandem::sip
