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

}  // namespace tandem::sip
