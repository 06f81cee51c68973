// Stateless nonces: issue / check under a test-controlled clock.

#include "auth/nonce.h"

#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

namespace tandem::auth {
namespace {

using std::chrono::seconds;

NonceIssuer::Secret secretOf(unsigned char fill) {
  NonceIssuer::Secret secret{};
  secret.fill(fill);
  return secret;
}

const TimePoint kT0 = TimePoint(seconds(1'700'000'000));

TEST(NonceTest, IssuedNonceIsValidLowerHex) {
  const NonceIssuer issuer(secretOf(7), seconds(300));
  const std::string nonce = issuer.issue(kT0);
  ASSERT_EQ(nonce.size(), NonceIssuer::kNonceSize);
  EXPECT_EQ(nonce.find_first_not_of("0123456789abcdef"), std::string::npos) << nonce;
  EXPECT_EQ(issuer.check(nonce, kT0), NonceState::Valid);
}

TEST(NonceTest, DistinctWithinOneSecond) {
  const NonceIssuer issuer(secretOf(7), seconds(300));
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    seen.insert(issuer.issue(kT0));
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(NonceTest, DefaultSecretIsRandom) {
  const NonceIssuer a;
  const NonceIssuer b;
  EXPECT_EQ(a.lifetime(), seconds(300));
  EXPECT_EQ(a.check(a.issue(kT0), kT0), NonceState::Valid);
  EXPECT_EQ(b.check(a.issue(kT0), kT0), NonceState::Invalid);
}

TEST(NonceTest, StaleAfterLifetime) {
  const NonceIssuer issuer(secretOf(7), seconds(300));
  const std::string nonce = issuer.issue(kT0);
  EXPECT_EQ(issuer.check(nonce, kT0 + seconds(300)), NonceState::Valid);
  EXPECT_EQ(issuer.check(nonce, kT0 + seconds(301)), NonceState::Stale);
  EXPECT_EQ(issuer.check(nonce, kT0 + seconds(86400)), NonceState::Stale);
}

TEST(NonceTest, FromTheFutureIsInvalid) {
  const NonceIssuer issuer(secretOf(7), seconds(300));
  const std::string nonce = issuer.issue(kT0 + seconds(10));
  EXPECT_EQ(issuer.check(nonce, kT0), NonceState::Invalid);
  EXPECT_EQ(issuer.check(nonce, kT0 + seconds(10)), NonceState::Valid);
}

TEST(NonceTest, TamperedAnywhereIsInvalid) {
  const NonceIssuer issuer(secretOf(7), seconds(300));
  const std::string nonce = issuer.issue(kT0);
  // Every position: the time, the random part, the tag.
  for (size_t i = 0; i < nonce.size(); ++i) {
    std::string tampered = nonce;
    tampered[i] = tampered[i] == '0' ? '1' : '0';
    EXPECT_EQ(issuer.check(tampered, kT0), NonceState::Invalid) << "position " << i;
  }
}

TEST(NonceTest, AnotherSecretIsInvalid) {
  const NonceIssuer ours(secretOf(7), seconds(300));
  const NonceIssuer theirs(secretOf(8), seconds(300));
  EXPECT_EQ(ours.check(theirs.issue(kT0), kT0), NonceState::Invalid);
}

TEST(NonceTest, MalformedIsInvalid) {
  const NonceIssuer issuer(secretOf(7), seconds(300));
  const std::string nonce = issuer.issue(kT0);
  EXPECT_EQ(issuer.check("", kT0), NonceState::Invalid);
  EXPECT_EQ(issuer.check(nonce.substr(1), kT0), NonceState::Invalid);
  EXPECT_EQ(issuer.check(nonce + "0", kT0), NonceState::Invalid);
  std::string upper = nonce;
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (upper != nonce) {
    EXPECT_EQ(issuer.check(upper, kT0), NonceState::Invalid);
  }
  std::string not_hex = nonce;
  not_hex[5] = 'g';
  EXPECT_EQ(issuer.check(not_hex, kT0), NonceState::Invalid);
}

}  // namespace
}  // namespace tandem::auth
