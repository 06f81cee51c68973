#include "auth/nonce.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>

namespace tandem::auth {
namespace {

constexpr size_t kTimeSize = 8;
constexpr size_t kRandomSize = 8;
constexpr size_t kTagSize = 16;
constexpr size_t kRawSize = kTimeSize + kRandomSize + kTagSize;
static_assert(kRawSize * 2 == NonceIssuer::kNonceSize);

using Raw = std::array<unsigned char, kRawSize>;

int64_t secondsOf(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

// The tag over time | random, written into raw[16..32).
bool computeTag(const NonceIssuer::Secret& secret, const unsigned char* data,
                std::array<unsigned char, kTagSize>& tag) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int size = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), data, kTimeSize + kRandomSize, mac.data(),
           &size) == nullptr ||
      size < kTagSize) {
    return false;
  }
  std::copy_n(mac.begin(), kTagSize, tag.begin());
  return true;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  return -1;  // upper case is not what we issue
}

}  // namespace

NonceIssuer::NonceIssuer(std::chrono::seconds lifetime) : lifetime_(lifetime) {
  if (RAND_bytes(secret_.data(), static_cast<int>(secret_.size())) != 1) {
    std::abort();
  }
}

NonceIssuer::NonceIssuer(const Secret& secret, std::chrono::seconds lifetime) : secret_(secret), lifetime_(lifetime) {}

std::string NonceIssuer::issue(TimePoint now) const {
  Raw raw{};
  const auto seconds = static_cast<uint64_t>(secondsOf(now));
  for (size_t i = 0; i < kTimeSize; ++i) {
    raw[i] = static_cast<unsigned char>(seconds >> (8 * (kTimeSize - 1 - i)));
  }
  // The random part only makes nonces of the same second distinct (their
  // nonce-count entries apart); unpredictability comes from the tag. Should
  // the CSPRNG ever fail, a process-wide counter keeps them distinct.
  if (RAND_bytes(raw.data() + kTimeSize, static_cast<int>(kRandomSize)) != 1) {
    static std::atomic<uint64_t> fallback{0};
    const uint64_t count = fallback.fetch_add(1, std::memory_order_relaxed);
    for (size_t i = 0; i < kRandomSize; ++i) {
      raw[kTimeSize + i] = static_cast<unsigned char>(count >> (8 * i));
    }
  }
  std::array<unsigned char, kTagSize> tag{};
  if (!computeTag(secret_, raw.data(), tag)) {
    return {};  // an empty nonce checks Invalid: the client is challenged again
  }
  std::copy(tag.begin(), tag.end(), raw.begin() + kTimeSize + kRandomSize);

  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(kNonceSize);
  for (unsigned char byte : raw) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0x0f];
  }
  return out;
}

NonceState NonceIssuer::check(std::string_view nonce, TimePoint now) const {
  if (nonce.size() != kNonceSize) {
    return NonceState::Invalid;
  }
  Raw raw{};
  for (size_t i = 0; i < kRawSize; ++i) {
    const int high = hexValue(nonce[2 * i]);
    const int low = hexValue(nonce[2 * i + 1]);
    if (high < 0 || low < 0) {
      return NonceState::Invalid;
    }
    raw[i] = static_cast<unsigned char>(high << 4 | low);
  }
  std::array<unsigned char, kTagSize> tag{};
  if (!computeTag(secret_, raw.data(), tag) ||
      CRYPTO_memcmp(tag.data(), raw.data() + kTimeSize + kRandomSize, kTagSize) != 0) {
    return NonceState::Invalid;
  }
  uint64_t issued = 0;
  for (size_t i = 0; i < kTimeSize; ++i) {
    issued = issued << 8 | raw[i];
  }
  const int64_t current = secondsOf(now);
  if (issued > static_cast<uint64_t>(INT64_MAX) || static_cast<int64_t>(issued) > current) {
    return NonceState::Invalid;
  }
  return current - static_cast<int64_t>(issued) > lifetime_.count() ? NonceState::Stale : NonceState::Valid;
}

}  // namespace tandem::auth
