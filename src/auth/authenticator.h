#pragma once

// The authentication phase's one entry point (RFC 3261 §22.2 for a UAS such
// as the registrar, 401 + WWW-Authenticate / Authorization; §22.3 for a
// proxy, 407 + Proxy-Authenticate / Proxy-Authorization), with digest per
// RFC 7616 and SHA-256 per RFC 8760.
//
// One Authenticator serves every event-loop thread at once: the nonce issuer
// is immutable, the nonce counts and the failure limiter lock per shard.
// Every answer is a value (Outcome); nothing throws on the request path.
//
// Order of the checks in authenticate():
//   1. source blocked by the failure limiter        -> Throttled
//   2. no Digest credentials for `realm`            -> Challenge{stale=false}
//      (a header that does not parse is skipped; BadRequest only when no
//      value matched the realm and one of them was malformed)
//   3. missing/ill-formed parameter, refused variant,
//      or an algorithm not offered                  -> BadRequest
//   4. uri != Request-URI                           -> Forbidden (not counted)
//   5. nonce not ours / tampered / future           -> Challenge{stale=false}
//   6. unknown or disabled user, wrong response     -> Forbidden, counted as
//                                                      a failure of the source
//   7. nonce stale (the response was right)         -> Challenge{stale=true}
//   8. nc not above the last one for the nonce,
//      or the nonce-count table full                -> Challenge{stale=true}
//   9.                                              -> Authenticated
// The response is verified before the stale flag is set (RFC 7616 §3.3:
// stale=true only with a valid digest) and before NonceCounts sees the nonce
// (its contract).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "auth/failure_limiter.h"
#include "auth/nonce.h"
#include "auth/nonce_counts.h"
#include "sip/message.h"
#include "store/digest.h"
#include "store/pool_snapshot.h"

namespace tandem::auth {

struct AuthSettings {
  std::chrono::seconds nonce_lifetime{300};
  // Challenges offered, most preferred first (RFC 8760 §2.4). Credentials
  // with an algorithm not listed here are refused. Empty means the default.
  std::vector<store::DigestAlgorithm> algorithms{store::DigestAlgorithm::Sha256, store::DigestAlgorithm::Md5};
  uint32_t failure_limit = 10;
  std::chrono::seconds failure_window{60};
  size_t max_sources = 100'000;
  size_t max_nonce_entries = NonceCounts::kDefaultMaxEntries;
};

struct Authenticated {
  std::string username;
  store::DigestAlgorithm algorithm = store::DigestAlgorithm::Md5;
};
// Answer 401/407 with challengeValues(realm, stale, now).
struct Challenge {
  bool stale = false;
};
// Answer 403 with `warning`. The text is the same for an unknown user and a
// wrong password (no account enumeration); `reason` tells them apart in logs.
struct Forbidden {
  enum class Reason : uint8_t { UnknownUser, Disabled, WrongResponse, UriMismatch };
  Reason reason = Reason::WrongResponse;
  std::string warning;
  bool block_started = false;  // this failure blocked the source: log it (once per window)
};
// Answer 400 with `warning`.
struct BadRequest {
  std::string warning;
};
// Answer 403 (or 503) with Retry-After: retry_after.
struct Throttled {
  uint32_t retry_after = 1;
};
using Outcome = std::variant<Authenticated, Challenge, Forbidden, BadRequest, Throttled>;

// A non-owning reference to the user lookup: (username, realm) -> the user
// or nullptr. The callable must outlive the authenticate() call.
class UserLookup {
 public:
  template <class F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, UserLookup>)
      UserLookup(const F& lookup)  // NOLINT(google-explicit-constructor)
      : object_(&lookup), call_([](const void* object, std::string_view user, std::string_view realm) {
          return static_cast<const store::UserRecord*>((*static_cast<const F*>(object))(user, realm));
        }) {}

  const store::UserRecord* operator()(std::string_view user, std::string_view realm) const {
    return call_(object_, user, realm);
  }

 private:
  const void* object_;
  const store::UserRecord* (*call_)(const void*, std::string_view, std::string_view);
};

class Authenticator {
 public:
  explicit Authenticator(AuthSettings settings = {});
  // With a given nonce secret (persisted across restarts, or fixed in tests).
  Authenticator(AuthSettings settings, const NonceIssuer::Secret& secret);

  // `proxy_auth`: Proxy-Authorization (the caller answers 407) instead of
  // Authorization (401). `request_uri_text`: the Request-URI as received; the
  // credentials' uri must equal it byte for byte (RFC 7616 §3.4.6 — UAs copy
  // it; no URI equivalence is attempted). `source_ip`: the transport source
  // address the failure limiter counts.
  Outcome authenticate(const sip::Message& request, bool proxy_auth, std::string_view realm,
                       std::string_view request_uri_text, UserLookup lookup, std::string_view source_ip, TimePoint now);

  // The WWW-Authenticate / Proxy-Authenticate values to send, one per offered
  // algorithm in the configured order, sharing one fresh nonce:
  //   Digest realm="<realm>", nonce="<nonce>", qop="auth", algorithm=<alg>[, stale=true]
  std::vector<std::string> challengeValues(std::string_view realm, bool stale, TimePoint now) const;

  const AuthSettings& settings() const { return settings_; }
  const NonceIssuer& nonces() const { return issuer_; }
  FailureLimiter& limiter() { return limiter_; }
  NonceCounts& nonceCounts() { return counts_; }

 private:
  AuthSettings settings_;
  NonceIssuer issuer_;
  NonceCounts counts_;
  FailureLimiter limiter_;
};

}  // namespace tandem::auth
