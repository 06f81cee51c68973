#pragma once

// Digest hashes for SIP digest authentication (RFC 3261 §22.4, RFC 7616
// §3.4.2). The store keeps HA1 = H(username ":" realm ":" password) for MD5
// and SHA-256, never the password; the realm is the user's domain.

#include <cstdint>
#include <string>
#include <string_view>

namespace tandem::store {

enum class DigestAlgorithm : uint8_t { Md5, Sha256 };

// Lower-case hex of H(data).
std::string digestHex(DigestAlgorithm algorithm, std::string_view data);

// HA1 = H(user ":" realm ":" password), lower-case hex.
std::string ha1(DigestAlgorithm algorithm, std::string_view user, std::string_view realm, std::string_view password);

}  // namespace tandem::store
