#include "store/digest.h"

#include <openssl/evp.h>

#include <array>

namespace tandem::store {

std::string digestHex(DigestAlgorithm algorithm, std::string_view data) {
  const EVP_MD* md = algorithm == DigestAlgorithm::Md5 ? EVP_md5() : EVP_sha256();
  std::array<unsigned char, EVP_MAX_MD_SIZE> hash{};
  unsigned int size = 0;
  // EVP_Digest fails only when the algorithm is unavailable (an OpenSSL
  // without MD5); the empty string then matches no stored hash.
  if (md == nullptr || EVP_Digest(data.data(), data.size(), hash.data(), &size, md, nullptr) != 1) {
    return {};
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(static_cast<size_t>(size) * 2);
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[hash[i] >> 4];
    out += kHex[hash[i] & 0x0f];
  }
  return out;
}

std::string ha1(DigestAlgorithm algorithm, std::string_view user, std::string_view realm, std::string_view password) {
  std::string a1;
  a1.reserve(user.size() + realm.size() + password.size() + 2);
  a1.append(user).append(":").append(realm).append(":").append(password);
  return digestHex(algorithm, a1);
}

}  // namespace tandem::store
