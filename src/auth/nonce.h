#pragma once

// Stateless digest nonces (RFC 7616 §3.3, §5.4; RFC 3261 §22.4).
//
// A nonce is 64 lower-case hex digits encoding 32 bytes:
//   issue time (8 bytes, big-endian seconds since the epoch)
//   | random (8 bytes)
//   | HMAC-SHA256(secret, time | random), first 16 bytes.
// The server keeps nothing per nonce: check() recomputes the tag. A nonce is
// bound to no client address (NATs and multi-homed UAs move between
// addresses); replay within the lifetime is stopped by NonceCounts.
//
// A NonceIssuer is immutable after construction and safe to share between
// threads. With the default (random) secret, nonces issued before a restart
// become Invalid after it: pass a persisted secret to keep them Valid.

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace tandem::auth {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

enum class NonceState : uint8_t {
  Valid,
  Stale,    // ours and untampered, but older than the lifetime
  Invalid,  // not ours, tampered, malformed, or issued in the future
};

class NonceIssuer {
 public:
  static constexpr size_t kSecretSize = 32;
  static constexpr size_t kNonceSize = 64;  // hex digits
  using Secret = std::array<unsigned char, kSecretSize>;

  // A fresh secret from RAND_bytes. OpenSSL's CSPRNG failing at start-up is
  // not recoverable: the process aborts rather than issue guessable nonces.
  explicit NonceIssuer(std::chrono::seconds lifetime = std::chrono::seconds(300));
  NonceIssuer(const Secret& secret, std::chrono::seconds lifetime);

  std::string issue(TimePoint now) const;
  // Valid while now - issued <= lifetime; a nonce issued after `now` (to the
  // second) is Invalid.
  NonceState check(std::string_view nonce, TimePoint now) const;

  std::chrono::seconds lifetime() const { return lifetime_; }

 private:
  Secret secret_{};
  std::chrono::seconds lifetime_;
};

}  // namespace tandem::auth
