#include "store/digest.h"

#include <gtest/gtest.h>

#include <string>

namespace tandem::store {
namespace {

// The digest response (qop=auth) from an HA1, RFC 7616 §3.4.1.
std::string response(DigestAlgorithm algorithm, const std::string& ha1_hex, const std::string& nonce,
                     const std::string& cnonce, const std::string& method, const std::string& uri) {
  const std::string ha2 = digestHex(algorithm, method + ":" + uri);
  return digestHex(algorithm, ha1_hex + ":" + nonce + ":00000001:" + cnonce + ":auth:" + ha2);
}

TEST(DigestTest, KnownHashes) {
  EXPECT_EQ(digestHex(DigestAlgorithm::Md5, ""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(digestHex(DigestAlgorithm::Sha256, ""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// RFC 7616 §3.9.1: the same credentials with MD5 and SHA-256.
TEST(DigestTest, Rfc7616Section391Vectors) {
  const std::string nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
  const std::string cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
  const std::string md5 = ha1(DigestAlgorithm::Md5, "Mufasa", "http-auth@example.org", "Circle of Life");
  const std::string sha256 = ha1(DigestAlgorithm::Sha256, "Mufasa", "http-auth@example.org", "Circle of Life");
  EXPECT_EQ(md5, "3d78807defe7de2157e2b0b6573a855f");
  EXPECT_EQ(sha256, "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232");
  EXPECT_EQ(response(DigestAlgorithm::Md5, md5, nonce, cnonce, "GET", "/dir/index.html"),
            "8ca523f5e9506fed4657c9700eebdbec");
  EXPECT_EQ(response(DigestAlgorithm::Sha256, sha256, nonce, cnonce, "GET", "/dir/index.html"),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

// RFC 2617 §3.5 (the MD5 digest RFC 3261 §22.4 builds on).
TEST(DigestTest, Rfc2617Section35Vector) {
  const std::string md5 = ha1(DigestAlgorithm::Md5, "Mufasa", "testrealm@host.com", "Circle Of Life");
  EXPECT_EQ(md5, "939e7578ed9e3c518a452acee763bce9");
  EXPECT_EQ(
      response(DigestAlgorithm::Md5, md5, "dcd98b7102dd2f0e8b11d0f600bfb0c093", "0a4f113b", "GET", "/dir/index.html"),
      "6629fae49393a05397450978507c4ef1");
}

}  // namespace
}  // namespace tandem::store
