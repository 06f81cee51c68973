#pragma once

// URIs (RFC 3261 §19.1, §25.1; RFC 3966 tel; RFC 5118 IPv6), parsed without
// copying: every field of a Uri is a view into the text given to parseUri, so
// the Uri lives as long as that text (normally a Message's buffer).
//
// Escapes are kept as written (user "null-%00-null" stays 13 octets); use
// unescape() when the decoded octets are needed, and uriEquals() to compare.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sip/error.h"
#include "sip/scanner.h"

namespace tandem::sip {

enum class UriScheme : uint8_t { Sip, Sips, Tel, Other };

enum class HostKind : uint8_t {
  Name,  // hostname (§25.1)
  IPv4,  // IPv4address
  IPv6,  // IPv6reference: the host view keeps the brackets, "[2001:db8::1]"
};

struct Uri {
  UriScheme scheme = UriScheme::Other;
  std::string_view scheme_text;  // as written: "sip", "SIP", "tel", "isbn"
  // sip/sips: userinfo as written (escapes kept); empty when absent.
  // tel: the telephone-subscriber number ("+1-201-555-0123").
  std::string_view user;
  std::string_view password;  // empty when absent
  std::string_view host;      // sip/sips only
  HostKind host_kind = HostKind::Name;
  uint16_t port = 0;  // 0 when absent
  bool has_port = false;
  // uri-parameters (sip/sips) or tel parameters, raw, without the leading
  // ';' ("transport=tcp;lr"). Empty when there are none.
  std::string_view params;
  // sip/sips headers, raw, after the '?' ("Route=%3Csip:x%3E&Subject=hi").
  std::string_view headers;
  // Other schemes: everything after "scheme:".
  std::string_view opaque;

  bool isSip() const { return scheme == UriScheme::Sip || scheme == UriScheme::Sips; }
  // Parameter value by name (ASCII case-insensitive, names compared as
  // written, not unescaped); "" for a flag such as ";lr"; nullopt when absent.
  std::optional<std::string_view> param(std::string_view name) const;
  bool hasParam(std::string_view name) const { return param(name).has_value(); }
  // tel: URIs, and sip/sips URIs with user=phone (§19.1.6).
  bool isPhone() const;
  // The transport / maddr parameter; "" when absent.
  std::string_view transport() const;
  std::string_view maddr() const;
};

// Parses an absolute URI. sip/sips follow §25.1 strictly (user, password,
// hostname / IPv4 / IPv6reference checked with inet_pton, port 0-65535,
// %HH escapes, uri-parameters, headers); tel follows RFC 3966 (global or
// local number, parameters; phone-context is not required); any other scheme
// parses as Other (scheme ":" then 1* non-white-space octets). White space or
// control characters anywhere are an error. Errors are 400 with a reason
// naming the URI part.
Result<Uri> parseUri(std::string_view text);
// The same into `uri` (for parsers that embed a Uri): the same verdict and
// reason; `uri` is unspecified after a failure.
Status parseUri(std::string_view text, Uri& uri);

// URI equality (RFC 3261 §19.1.4; RFC 3966 §4 for tel). User and password are
// compared case-sensitively after unescaping, everything else
// case-insensitively after unescaping (an escaped reserved character does not
// equal the literal one); user, ttl, method, maddr and transport must appear
// in both or neither URI, other parameters only have to match when in both;
// headers must match as a set. Allocation-free.
bool uriEquals(const Uri& a, const Uri& b);

// Decodes %HH escapes; a '%' that does not start a valid escape is kept.
std::string unescape(std::string_view text);

// Host classification: hostname, IPv4address or IPv6reference ("[...]").
// nullopt when `host` is none of them.
std::optional<HostKind> classifyHost(std::string_view host);
bool isIpv4Address(std::string_view text);
// A bare IPv6 address (RFC 4291 text form, IPv4 tail allowed), no brackets.
bool isIpv6Address(std::string_view text);

namespace detail {

// isIpv4Address, inline: four dot-separated decimal octets of 1 to 3
// digits, each 0..255 ("010" is 10).
inline bool isIpv4Text(std::string_view text) {
  size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= text.size() || text[i] != '.') {
        return false;
      }
      ++i;
    }
    const size_t start = i;
    unsigned value = 0;
    while (i < text.size() && i - start < 3 && isDigitChar(static_cast<unsigned char>(text[i]))) {
      value = value * 10 + static_cast<unsigned>(text[i] - '0');
      ++i;
    }
    if (i == start || value > 255) {
      return false;
    }
  }
  return i == text.size();
}

// hostname = *( domainlabel "." ) toplabel [ "." ] (§25.1): labels of
// alphanum and '-', neither starting nor ending with '-'; the top label
// starts with a letter. One pass.
inline bool isHostnameText(std::string_view text) {
  if (!text.empty() && text.back() == '.') {
    text.remove_suffix(1);
  }
  if (text.empty()) {
    return false;
  }
  size_t label = 0;  // start of the current label
  size_t top = 0;    // start of the last complete label
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '.') {
      // "a..": an empty label, also after trimming one final dot.
      if (i == label || text[label] == '-' || text[i - 1] == '-') {
        return false;
      }
      top = label;
      label = i + 1;
    } else if (!hasClass(static_cast<unsigned char>(text[i]), kHostChar)) {
      return false;
    }
  }
  return hasClass(static_cast<unsigned char>(text[top]), kAlpha);
}

// The hostname or IPv4address at `pos` in `text`: when the run of hostname
// chars (alphanum / "-" / ".") there is one, its kind and where it ends;
// npos when it is neither. Read label by label (an IPv4address once more).
inline size_t scanHostName(std::string_view text, size_t pos, HostKind& kind) {
  const size_t start = pos;
  size_t top = pos;  // start of the last label
  for (;;) {
    const size_t label = pos;
    pos = spanOf(text, pos, kLabelChar);
    if (pos == label || text[label] == '-' || text[pos - 1] == '-') {
      return std::string_view::npos;  // an empty label, or one with '-' at an end
    }
    top = label;
    if (pos >= text.size() || text[pos] != '.') {
      break;
    }
    ++pos;
    if (pos >= text.size() || !hasClass(static_cast<unsigned char>(text[pos]), kLabelChar)) {
      // A final '.' ends a hostname; ".." never does.
      if (pos < text.size() && text[pos] == '.') {
        return std::string_view::npos;
      }
      break;
    }
  }
  const std::string_view host = text.substr(start, pos - start);
  if (isDigitChar(static_cast<unsigned char>(host.front())) && isIpv4Text(host)) {
    kind = HostKind::IPv4;
  } else if (hasClass(static_cast<unsigned char>(text[top]), kAlpha)) {
    kind = HostKind::Name;
  } else {
    return std::string_view::npos;
  }
  return pos;
}

// classifyHost() for anything but an IPv6reference, inline: IPv4address
// (which starts with a digit), else hostname, else nullopt.
inline std::optional<HostKind> classifyHostName(std::string_view host) {
  if (!host.empty() && isDigitChar(static_cast<unsigned char>(host.front())) && isIpv4Text(host)) {
    return HostKind::IPv4;
  }
  if (isHostnameText(host)) {
    return HostKind::Name;
  }
  return std::nullopt;
}

// parseUri() for the common sip/sips shapes ([userinfo "@"] hostname or
// IPv4 host [":" port] [";" uri-parameters], no headers), on a URI that ends
// at the first `end` octet of `text`, or at the end of `text` when `end` is
// '\0'. Returns the URI's length with `uri` (which must be blank on entry)
// exactly as parseUri() gives it for that text; npos when the text does not
// hold such a URI, and parseUri() must decide.
size_t parseSipUriFast(std::string_view text, char end, Uri& uri);

}  // namespace detail

}  // namespace tandem::sip
