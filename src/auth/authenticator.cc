#include "auth/authenticator.h"

#include <algorithm>

#include "auth/digest_auth.h"
#include "sip/headers.h"

namespace tandem::auth {
namespace {

constexpr std::string_view kFailed = "Authentication failed";

AuthSettings normalized(AuthSettings settings) {
  if (settings.algorithms.empty()) {
    settings.algorithms = AuthSettings{}.algorithms;
  }
  return settings;
}

FailureLimiter::Settings limiterSettings(const AuthSettings& settings) {
  return {settings.failure_limit, settings.failure_window, settings.max_sources};
}

}  // namespace

Authenticator::Authenticator(AuthSettings settings)
    : settings_(normalized(std::move(settings))),
      issuer_(settings_.nonce_lifetime),
      counts_(settings_.nonce_lifetime, settings_.max_nonce_entries),
      limiter_(limiterSettings(settings_)) {}

Authenticator::Authenticator(AuthSettings settings, const NonceIssuer::Secret& secret)
    : settings_(normalized(std::move(settings))),
      issuer_(secret, settings_.nonce_lifetime),
      counts_(settings_.nonce_lifetime, settings_.max_nonce_entries),
      limiter_(limiterSettings(settings_)) {}

Outcome Authenticator::authenticate(const sip::Message& request, bool proxy_auth, std::string_view realm,
                                    std::string_view request_uri_text, UserLookup lookup, std::string_view source_ip,
                                    TimePoint now) {
  if (const auto retry_after = limiter_.blocked(source_ip, now)) {
    return Throttled{*retry_after};
  }

  // The credentials for our realm among every value of the header
  // (RFC 3261 §22.3: a request may carry credentials for several realms).
  const sip::HeaderId header = proxy_auth ? sip::HeaderId::ProxyAuthorization : sip::HeaderId::Authorization;
  std::optional<sip::Credentials> chosen;
  bool saw_malformed = false;
  for (std::string_view value : request.values(header)) {
    auto credentials = sip::parseCredentials(value, header);
    if (!credentials) {
      saw_malformed = true;
      continue;
    }
    if (credentials->isDigest() && credentials->realm() == realm) {
      chosen = *credentials;
      break;
    }
  }
  const std::string_view header_name = proxy_auth ? "Proxy-Authorization" : "Authorization";
  if (!chosen) {
    if (saw_malformed) {
      return BadRequest{"Malformed " + std::string(header_name) + " header"};
    }
    return Challenge{false};
  }

  auto digest = parseDigestResponse(*chosen);
  if (!digest) {
    return BadRequest{std::string(header_name) + ": " + digest.error().reason};
  }
  if (std::find(settings_.algorithms.begin(), settings_.algorithms.end(), digest->algorithm) ==
      settings_.algorithms.end()) {
    return BadRequest{std::string(header_name) + ": algorithm " + std::string(algorithmName(digest->algorithm)) +
                      " not offered"};
  }
  if (digest->uri != request_uri_text) {
    // Nothing is learnt about the password here, so it is not counted.
    return Forbidden{Forbidden::Reason::UriMismatch, "Digest uri does not match the Request-URI", false};
  }

  const NonceState nonce_state = issuer_.check(digest->nonce, now);
  if (nonce_state == NonceState::Invalid) {
    // Not ours, or from before a restart with another secret: a fresh
    // challenge. The response is not checked, so this is no password oracle.
    return Challenge{false};
  }

  const store::UserRecord* user = lookup(digest->username, digest->realm);
  if (user == nullptr || !user->enabled || !responseMatches(*digest, request.methodName(), *user)) {
    const Forbidden::Reason reason = user == nullptr  ? Forbidden::Reason::UnknownUser
                                     : !user->enabled ? Forbidden::Reason::Disabled
                                                      : Forbidden::Reason::WrongResponse;
    return Forbidden{reason, std::string(kFailed), limiter_.recordFailure(source_ip, now)};
  }

  if (nonce_state == NonceState::Stale) {
    return Challenge{true};
  }
  // The response verified: NonceCounts' contract holds.
  if (!counts_.accept(digest->nonce, digest->nc, now)) {
    return Challenge{true};
  }
  return Authenticated{std::string(digest->username), digest->algorithm};
}

std::vector<std::string> Authenticator::challengeValues(std::string_view realm, bool stale, TimePoint now) const {
  const std::string nonce = issuer_.issue(now);
  std::vector<std::string> values;
  values.reserve(settings_.algorithms.size());
  for (store::DigestAlgorithm algorithm : settings_.algorithms) {
    std::string value;
    value.reserve(realm.size() + nonce.size() + 80);
    value.append("Digest realm=\"").append(realm).append("\", nonce=\"").append(nonce);
    value.append("\", qop=\"auth\", algorithm=").append(algorithmName(algorithm));
    if (stale) {
      value.append(", stale=true");
    }
    values.push_back(std::move(value));
  }
  return values;
}

}  // namespace tandem::auth
