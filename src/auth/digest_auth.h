#pragma once

// Digest response verification (RFC 7616 §3.4.1, RFC 3261 §22.4, RFC 8760):
// qop=auth with MD5 or SHA-256, from the HA1 the store keeps (never a
// password).
//
// Refused on purpose:
// - credentials without qop (RFC 2069 / RFC 2617 §3.2.2.1 compatibility):
//   without a nonce-count there is no replay protection within the lifetime;
// - qop=auth-int (the body would have to be hashed; no SIP UA of ours needs
//   it) and the -sess algorithms (HA1 would depend on the nonce, RFC 7616
//   §3.4.2);
// - userhash=true (RFC 7616 §3.4.4) and the username* extended notation.
// Quoted values are used as written: backslash escapes are not undone (a
// username or URI with a '"' or '\' does not authenticate).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "sip/headers.h"
#include "store/digest.h"
#include "store/pool_snapshot.h"

namespace tandem::auth {

// The parameters of one Digest credentials value, checked for presence and
// syntax. Views into the credentials (that is, into the message).
struct DigestResponse {
  std::string_view username;
  std::string_view realm;
  std::string_view nonce;
  std::string_view uri;
  std::string_view response;
  std::string_view cnonce;
  std::string_view qop;      // "auth" in any case, as written
  std::string_view nc_text;  // 8 hex digits, as written (it enters the hash)
  uint32_t nc = 0;
  store::DigestAlgorithm algorithm = store::DigestAlgorithm::Md5;
};

struct DigestError {
  enum class Kind : uint8_t {
    Malformed,    // a required parameter missing or ill-formed
    Unsupported,  // well formed, but a variant this server refuses
  };
  Kind kind = Kind::Malformed;
  std::string reason;  // "missing nonce", "algorithm MD5-sess not supported"
};

// Checks a Digest credentials value: scheme Digest, username, realm, nonce,
// uri, response, cnonce, nc (8 hex digits) and qop=auth present; algorithm
// absent (MD5), "MD5" or "SHA-256", case-insensitively.
Result<DigestResponse, DigestError> parseDigestResponse(const sip::Credentials& credentials);

// "MD5" / "SHA-256" as written in a challenge.
std::string_view algorithmName(store::DigestAlgorithm algorithm);

// The HA1 of `user` for `algorithm` (empty when the store has none).
std::string_view storedHa1(const store::UserRecord& user, store::DigestAlgorithm algorithm);

// The expected response, RFC 7616 §3.4.1 with qop=auth:
//   H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" H(method ":" uri))
std::string expectedResponse(const DigestResponse& digest, std::string_view ha1_hex, std::string_view method);

// True when digest.response equals the expected response for the stored
// HA1 (hex case-insensitively, compared in constant time with CRYPTO_memcmp).
// False when the store has no HA1 for the algorithm, or when the username
// (exactly) or the realm (case-insensitively) is not the record's.
bool responseMatches(const DigestResponse& digest, std::string_view method, const store::UserRecord& user);

// parseDigestResponse then responseMatches, in one call.
enum class DigestVerdict : uint8_t { Match, Mismatch, Malformed, Unsupported };
struct DigestCheck {
  DigestVerdict verdict = DigestVerdict::Mismatch;
  std::string reason;  // for Malformed / Unsupported
};
DigestCheck verifyDigest(const sip::Credentials& credentials, std::string_view method, const store::UserRecord& user);

}  // namespace tandem::auth
