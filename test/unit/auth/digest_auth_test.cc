// Digest response verification (RFC 7616 §3.4.1) against stored HA1s.

#include "auth/digest_auth.h"

#include <gtest/gtest.h>

#include <string>

#include "store/digest.h"

namespace tandem::auth {
namespace {

using store::DigestAlgorithm;

store::UserRecord userOf(const std::string& user, const std::string& realm, const std::string& password) {
  store::UserRecord record;
  record.uri = "sip:" + user + "@" + realm;
  record.user = user;
  record.domain = realm;
  record.ha1_md5 = store::ha1(DigestAlgorithm::Md5, user, realm, password);
  record.ha1_sha256 = store::ha1(DigestAlgorithm::Sha256, user, realm, password);
  return record;
}

sip::Credentials credentials(const std::string& text) {
  auto parsed = sip::parseCredentials(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.ok() ? *parsed : sip::Credentials{};
}

// RFC 7616 §3.9.1: Mufasa / "Circle of Life", realm http-auth@example.org.
// The RFC's request is "GET /dir/index.html"; the hash only sees the method
// and the uri as text, so the same call with method "GET" checks our
// computation against the RFC's published responses. (The RFC's example
// carries an opaque, which does not enter the hash.)
const std::string kRfcNonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
const std::string kRfcCnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

std::string rfcCredentials(const std::string& algorithm, const std::string& response) {
  return "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\", algorithm=" +
         algorithm + ", nonce=\"" + kRfcNonce + "\", nc=00000001, cnonce=\"" + kRfcCnonce +
         "\", qop=auth, response=\"" + response + "\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
}

TEST(DigestAuthTest, Rfc7616Section391Md5) {
  const auto mufasa = userOf("Mufasa", "http-auth@example.org", "Circle of Life");
  const auto check =
      verifyDigest(credentials(rfcCredentials("MD5", "8ca523f5e9506fed4657c9700eebdbec")), "GET", mufasa);
  EXPECT_EQ(check.verdict, DigestVerdict::Match) << check.reason;
  // The same credentials for another method do not verify (A2 = method:uri).
  EXPECT_EQ(
      verifyDigest(credentials(rfcCredentials("MD5", "8ca523f5e9506fed4657c9700eebdbec")), "REGISTER", mufasa).verdict,
      DigestVerdict::Mismatch);
}

TEST(DigestAuthTest, Rfc7616Section391Sha256) {
  const auto mufasa = userOf("Mufasa", "http-auth@example.org", "Circle of Life");
  const auto check = verifyDigest(
      credentials(rfcCredentials("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")), "GET",
      mufasa);
  EXPECT_EQ(check.verdict, DigestVerdict::Match) << check.reason;
}

// A SIP REGISTER vector computed independently of this code, with Python's
// hashlib when the test was written:
//   H = lambda a, s: hashlib.new(a, s.encode()).hexdigest()
//   ha1 = H(a, "alice:example.com:wonderland")
//   ha2 = H(a, "REGISTER:sip:example.com")
//   H(a, ha1 + ":0123456789abcdef:00000001:8fa4d1c2:auth:" + ha2)
// for a = "md5" and "sha256".
std::string sipCredentials(const std::string& algorithm_param, const std::string& response) {
  return "Digest username=\"alice\", realm=\"example.com\", nonce=\"0123456789abcdef\", uri=\"sip:example.com\", "
         "response=\"" +
         response + "\"" + algorithm_param + ", cnonce=\"8fa4d1c2\", qop=auth, nc=00000001";
}

TEST(DigestAuthTest, SipRegisterVectorMd5) {
  const auto alice = userOf("alice", "example.com", "wonderland");
  EXPECT_EQ(alice.ha1_md5, "93dfce8dfebfae8af4a726982429d23a");
  // No algorithm parameter means MD5 (RFC 7616 §3.3).
  EXPECT_EQ(
      verifyDigest(credentials(sipCredentials("", "fd9778dc1e8283ea6a5aef9cd08094d0")), "REGISTER", alice).verdict,
      DigestVerdict::Match);
  EXPECT_EQ(verifyDigest(credentials(sipCredentials(", algorithm=md5", "fd9778dc1e8283ea6a5aef9cd08094d0")), "REGISTER",
                         alice)
                .verdict,
            DigestVerdict::Match);
  // Upper-case hex from a sloppy UA still matches.
  EXPECT_EQ(
      verifyDigest(credentials(sipCredentials("", "FD9778DC1E8283EA6A5AEF9CD08094D0")), "REGISTER", alice).verdict,
      DigestVerdict::Match);
  EXPECT_EQ(
      verifyDigest(credentials(sipCredentials("", "fd9778dc1e8283ea6a5aef9cd08094d1")), "REGISTER", alice).verdict,
      DigestVerdict::Mismatch);
  const auto wrong = userOf("alice", "example.com", "wonderlanD");
  EXPECT_EQ(
      verifyDigest(credentials(sipCredentials("", "fd9778dc1e8283ea6a5aef9cd08094d0")), "REGISTER", wrong).verdict,
      DigestVerdict::Mismatch);
}

TEST(DigestAuthTest, SipRegisterVectorSha256) {
  const auto alice = userOf("alice", "example.com", "wonderland");
  EXPECT_EQ(alice.ha1_sha256, "8a76b8adf2eb7492ff78f57bc361a5c93e2f53c6e93f7ee91f68b5382cfea14f");
  const std::string response = "52d58132880b2aa8b5f3f3f6bcff0ffbbaabfe1fc57e5d8326c1b42441f18215";
  EXPECT_EQ(verifyDigest(credentials(sipCredentials(", algorithm=SHA-256", response)), "REGISTER", alice).verdict,
            DigestVerdict::Match);
  EXPECT_EQ(verifyDigest(credentials(sipCredentials(", algorithm=sha-256", response)), "REGISTER", alice).verdict,
            DigestVerdict::Match);
  // The SHA-256 response under MD5 is the wrong length: a mismatch.
  EXPECT_EQ(verifyDigest(credentials(sipCredentials("", response)), "REGISTER", alice).verdict,
            DigestVerdict::Mismatch);
  // No stored SHA-256 HA1: never a match.
  auto md5_only = alice;
  md5_only.ha1_sha256.clear();
  EXPECT_EQ(verifyDigest(credentials(sipCredentials(", algorithm=SHA-256", response)), "REGISTER", md5_only).verdict,
            DigestVerdict::Mismatch);
}

TEST(DigestAuthTest, RecordOfAnotherUserNeverMatches) {
  // Same password, and the same HA1 copied to bob: the names must still agree.
  auto bob = userOf("alice", "example.com", "wonderland");
  bob.user = "bob";
  EXPECT_EQ(verifyDigest(credentials(sipCredentials("", "fd9778dc1e8283ea6a5aef9cd08094d0")), "REGISTER", bob).verdict,
            DigestVerdict::Mismatch);
}

TEST(DigestAuthTest, MissingParameterIsNamed) {
  const auto alice = userOf("alice", "example.com", "wonderland");
  const std::string full[] = {"username=\"alice\"", "realm=\"example.com\"", "nonce=\"abc\"", "uri=\"sip:example.com\"",
                              "response=\"0123\"",  "cnonce=\"c\"",          "nc=00000001"};
  const std::string names[] = {"username", "realm", "nonce", "uri", "response", "cnonce", "nc"};
  for (size_t skip = 0; skip < std::size(full); ++skip) {
    std::string text = "Digest qop=auth";
    for (size_t i = 0; i < std::size(full); ++i) {
      if (i != skip) {
        text += ", " + full[i];
      }
    }
    const auto check = verifyDigest(credentials(text), "REGISTER", alice);
    EXPECT_EQ(check.verdict, DigestVerdict::Malformed) << text;
    EXPECT_EQ(check.reason, "missing " + names[skip]);
  }
}

TEST(DigestAuthTest, IllFormedNcIsMalformed) {
  const auto alice = userOf("alice", "example.com", "wonderland");
  for (const char* nc : {"1", "0000001", "000000001", "0000000g"}) {
    std::string text = sipCredentials("", "fd9778dc1e8283ea6a5aef9cd08094d0");
    text.replace(text.find("nc=00000001"), 11, std::string("nc=") + nc);
    EXPECT_EQ(verifyDigest(credentials(text), "REGISTER", alice).verdict, DigestVerdict::Malformed) << nc;
  }
  std::string mixed_case = sipCredentials("", "x");
  mixed_case.replace(mixed_case.find("nc=00000001"), 11, "nc=000000Ff");
  auto parsed = parseDigestResponse(credentials(mixed_case));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->nc, 255u);
}

TEST(DigestAuthTest, RefusedVariantsSayWhy) {
  const auto alice = userOf("alice", "example.com", "wonderland");
  const std::string base =
      "Digest username=\"alice\", realm=\"example.com\", nonce=\"n\", uri=\"sip:example.com\", "
      "response=\"00\", cnonce=\"c\", nc=00000001";
  struct Case {
    std::string extra;
    std::string reason_part;
  };
  const Case cases[] = {
      {", qop=auth-int", "qop auth-int not supported"},
      {", qop=auth, algorithm=MD5-sess", "no -sess variants"},
      {", qop=auth, algorithm=SHA-256-sess", "no -sess variants"},
      {", qop=auth, algorithm=SHA-512-256", "algorithm SHA-512-256 not supported"},
      {", qop=auth, userhash=true", "userhash not supported"},
      {"", "without qop"},  // RFC 2069 style
  };
  for (const Case& c : cases) {
    const auto check = verifyDigest(credentials(base + c.extra), "REGISTER", alice);
    EXPECT_EQ(check.verdict, DigestVerdict::Unsupported) << c.extra;
    EXPECT_NE(check.reason.find(c.reason_part), std::string::npos) << check.reason;
  }
  const auto basic = verifyDigest(credentials("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="), "REGISTER", alice);
  EXPECT_EQ(basic.verdict, DigestVerdict::Unsupported);
}

TEST(DigestAuthTest, QuotedQopIsAccepted) {
  const auto alice = userOf("alice", "example.com", "wonderland");
  std::string text = sipCredentials("", "fd9778dc1e8283ea6a5aef9cd08094d0");
  text.replace(text.find("qop=auth"), 8, "qop=\"auth\"");
  EXPECT_EQ(verifyDigest(credentials(text), "REGISTER", alice).verdict, DigestVerdict::Match);
}

}  // namespace
}  // namespace tandem::auth
