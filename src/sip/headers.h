#pragma once

// Typed header parsers, run on demand (RFC 3261 §20, §25.1). Each takes ONE
// value: an element as yielded by Message::values(), or a whole header value,
// and returns views into it, so the result lives as long as the message.
// LWS, including line folds (CRLF followed by SP/HT), is accepted wherever
// the grammar allows LWS. Failures are 400 with a reason naming the header
// ("Malformed Via header"). Nothing here allocates.

#include <cstdint>
#include <optional>
#include <string_view>

#include "sip/error.h"
#include "sip/header_id.h"
#include "sip/method.h"
#include "sip/scanner.h"
#include "sip/uri.h"

namespace tandem::sip {

// "Malformed <canonical name> header" for every HeaderId ("Malformed header"
// for Other): the static reason the parsers below answer with.
std::string_view malformedReason(HeaderId id);

// name-addr / addr-spec followed by header parameters (§20.10, §20.20,
// §20.39, §25.1): From, To, Contact, Route, Record-Route, Path,
// Service-Route, Refer-To, Referred-By ...
struct NameAddr {
  // Display name as written, without the quotes of a quoted-string
  // (backslash escapes left raw); a token display name keeps its inner LWS.
  // Empty when absent.
  std::string_view display_name;
  bool quoted_display_name = false;
  bool bracketed = false;     // written as <uri>
  std::string_view uri_text;  // the URI as written, without <>
  Uri uri;
  std::string_view params;  // header params, raw, without the leading ';'

  std::optional<std::string_view> param(std::string_view name) const { return findParamValue(params, name); }
  std::optional<std::string_view> tag() const { return param("tag"); }
};

// Accepts "Display" <uri>;params, token display names (with LWS between the
// tokens and none needed before '<', RFC 4475 §3.1.1.6), <uri> alone, and an
// addr-spec without <> whose ';' starts the header parameters. An unbracketed
// URI holding '?' or ',' is refused (§20: such URIs must be in <>), as are
// unterminated quotes, non-token display names and LWS inside <>.
// `header` only picks the error reason.
Result<NameAddr> parseNameAddr(std::string_view value, HeaderId header = HeaderId::Other);

// Contact (§20.10): "*" or a name-addr with the q and expires parameters
// decoded.
struct ContactValue {
  bool wildcard = false;  // "*": `address` is empty
  NameAddr address;
  std::optional<uint16_t> q;  // qvalue in thousandths, 0..1000
  // delta-seconds; values above 2^32-1 are clamped to it (RFC 4475 §3.1.2.4:
  // an overlarge expiry may be treated as the registrar's default / maximum).
  std::optional<uint32_t> expires;
};
Result<ContactValue> parseContact(std::string_view value);

// Via (§20.42, §18.2.1; RFC 3581 rport; RFC 5118 §4.5; RFC 5923 alias).
struct Via {
  std::string_view protocol_name;     // "SIP"
  std::string_view protocol_version;  // "2.0"
  std::string_view transport;         // "UDP", "TLS", unknown tokens allowed
  std::string_view host;              // sent-by host, IPv6 with brackets
  HostKind host_kind = HostKind::Name;
  uint16_t port = 0;
  bool has_port = false;
  std::string_view params;        // raw, without the leading ';'
  std::string_view branch;        // "" when absent
  std::string_view received;      // IPv4, [IPv6] or bare IPv6; "" when absent
  std::string_view maddr;         // "" when absent
  bool has_rport = false;         // ";rport" present, with or without a value
  std::optional<uint16_t> rport;  // its value when one was given
  std::optional<uint8_t> ttl;
  bool alias = false;

  std::optional<std::string_view> param(std::string_view name) const { return findParamValue(params, name); }
};
// One via-parm; LWS is allowed around the '/' of sent-protocol and around
// ':' ';' '='. Empty parameters (";;") and empty values are errors.
Result<Via> parseVia(std::string_view value);

// CSeq (§20.16): the number must fit in 32 bits (RFC 4475 §3.1.2.4).
struct CSeq {
  uint32_t number = 0;
  Method method = Method::Unknown;
  std::string_view method_name;  // as written (methods are case-sensitive)
};
Result<CSeq> parseCSeq(std::string_view value);

// 1*DIGIT that fits in 32 bits, nothing else (outer LWS allowed).
std::optional<uint32_t> parseUint32(std::string_view value);
// Max-Forwards (§20.22): 0..255. Expires (§20.19), Content-Length
// (§20.14): 32-bit delta-seconds / octet counts.
Result<uint32_t> parseMaxForwards(std::string_view value);
Result<uint32_t> parseExpires(std::string_view value);
Result<uint32_t> parseContentLength(std::string_view value);

// Call-ID (§20.8): word [ "@" word ].
bool isValidCallId(std::string_view value);

// Content-Type (§20.15): type "/" subtype *( ";" parameter ).
struct ContentType {
  std::string_view type;
  std::string_view subtype;
  std::string_view params;  // raw, without the leading ';'

  std::optional<std::string_view> param(std::string_view name) const { return findParamValue(params, name); }
};
Result<ContentType> parseContentType(std::string_view value);

// Event (RFC 6665 §8.2.1): event-type *( ";" event-param ).
struct Event {
  std::string_view package;  // "presence", "presence.winfo"
  std::string_view id;       // the id parameter; "" when absent
  std::string_view params;
};
Result<Event> parseEvent(std::string_view value);

// Subscription-State (RFC 6665 §8.2.3).
struct SubscriptionState {
  std::string_view state;   // "active", "pending", "terminated", or an extension
  std::string_view reason;  // "" when absent
  std::optional<uint32_t> expires;
  std::optional<uint32_t> retry_after;
  std::string_view params;
};
Result<SubscriptionState> parseSubscriptionState(std::string_view value);

// Authorization / Proxy-Authorization (credentials) and WWW-Authenticate /
// Proxy-Authenticate (challenge): §25.1, RFC 7616, RFC 7235. An auth-scheme
// followed by comma-separated auth-params (token or quoted-string values),
// or by a token68 (e.g. Basic). Quoted values come back as the text between
// the quotes with backslash escapes left raw (a realm "a\"b" reads a\"b);
// digest values practically never contain escapes.
struct AuthValue {
  std::string_view scheme;   // "Digest", or any other token
  std::string_view params;   // auth-params, raw; "" when absent or token68
  std::string_view token68;  // "" unless the scheme is followed by a token68

  bool isDigest() const;
  std::optional<std::string_view> param(std::string_view name) const {
    return findParamValue(params, name, ParamSyntax::Auth);
  }
  std::optional<std::string_view> username() const { return param("username"); }
  std::optional<std::string_view> realm() const { return param("realm"); }
  std::optional<std::string_view> nonce() const { return param("nonce"); }
  std::optional<std::string_view> uri() const { return param("uri"); }
  std::optional<std::string_view> response() const { return param("response"); }
  std::optional<std::string_view> algorithm() const { return param("algorithm"); }
  std::optional<std::string_view> cnonce() const { return param("cnonce"); }
  std::optional<std::string_view> opaque() const { return param("opaque"); }
  std::optional<std::string_view> qop() const { return param("qop"); }
  std::optional<std::string_view> nc() const { return param("nc"); }
  std::optional<std::string_view> stale() const { return param("stale"); }
};
using Credentials = AuthValue;
using Challenge = AuthValue;
Result<Credentials> parseCredentials(std::string_view value, HeaderId header = HeaderId::Authorization);
Result<Challenge> parseChallenge(std::string_view value, HeaderId header = HeaderId::WwwAuthenticate);

}  // namespace tandem::sip
