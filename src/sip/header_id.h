#pragma once

#include <cstdint>
#include <string_view>

namespace tandem::sip {

// Headers the core looks at. Everything else is HeaderId::Other and is carried
// byte for byte. Lookup is case-insensitive and accepts the compact forms of
// RFC 3261 §7.3.3 and its extensions (i m e l c f s k t v o r b u a j d x y n).
enum class HeaderId : uint8_t {
  Other,
  Via,
  From,
  To,
  CallId,
  CSeq,
  MaxForwards,
  Contact,
  ContentLength,
  ContentType,
  ContentEncoding,
  Route,
  RecordRoute,
  Path,
  ServiceRoute,
  Expires,
  MinExpires,
  Event,
  AllowEvents,
  SubscriptionState,
  Authorization,
  ProxyAuthorization,
  WwwAuthenticate,
  ProxyAuthenticate,
  AuthenticationInfo,
  Require,
  ProxyRequire,
  Supported,
  Unsupported,
  Allow,
  Accept,
  AcceptEncoding,
  AcceptLanguage,
  UserAgent,
  Server,
  Warning,
  RetryAfter,
  Date,
  Subject,
  ReferTo,
  ReferredBy,
  SipETag,
  SipIfMatch,
  Timestamp,
  Count_,  // number of ids, not a header
};

HeaderId headerIdFromName(std::string_view name);
// Canonical long name ("Call-ID") of a known header; "" for Other.
std::string_view canonicalHeaderName(HeaderId id);
// True when the header's grammar is a comma-separated list (#element, RFC 3261
// §7.3.1), so several values may share one line. Authorization-style headers,
// Date, User-Agent, Server and unknown headers are never split.
bool isListHeader(HeaderId id);

}  // namespace tandem::sip
