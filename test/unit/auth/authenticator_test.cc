// The Authenticator end to end over parsed SIP requests: challenge, answer,
// replay, stale and tampered nonces, failures and the limiter, many threads.

#include "auth/authenticator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "auth/digest_auth.h"
#include "sip/headers.h"

namespace tandem::auth {
namespace {

using std::chrono::seconds;
using store::DigestAlgorithm;

const TimePoint kT0 = TimePoint(seconds(1'700'000'000));
const std::string kRealm = "example.com";
const std::string kUri = "sip:example.com";
const std::string kIp = "192.0.2.10";

NonceIssuer::Secret testSecret() {
  NonceIssuer::Secret secret{};
  secret.fill(0x5a);
  return secret;
}

class Users {
 public:
  Users() {
    add("alice", "wonderland");
    add("bob", "builder");
    store::UserRecord& carol = add("carol", "gone");
    carol.enabled = false;
  }
  store::UserRecord& add(const std::string& user, const std::string& password) {
    store::UserRecord record;
    record.uri = "sip:" + user + "@" + kRealm;
    record.user = user;
    record.domain = kRealm;
    record.ha1_md5 = store::ha1(DigestAlgorithm::Md5, user, kRealm, password);
    record.ha1_sha256 = store::ha1(DigestAlgorithm::Sha256, user, kRealm, password);
    return records_[user] = record;
  }
  const store::UserRecord* operator()(std::string_view user, std::string_view realm) const {
    if (realm != kRealm) {
      return nullptr;
    }
    const auto found = records_.find(std::string(user));
    return found == records_.end() ? nullptr : &found->second;
  }

 private:
  std::map<std::string, store::UserRecord> records_;
};

// What a UA answers to a challenge value (the client side of RFC 7616 §3.4).
struct Answer {
  std::string user = "alice";
  std::string password = "wonderland";
  std::string realm = kRealm;
  std::string uri = kUri;
  std::string method = "REGISTER";
  uint32_t nc = 1;
  std::string cnonce = "0a4f113b";
  DigestAlgorithm algorithm = DigestAlgorithm::Sha256;
  bool algorithm_param = true;
};

std::string credentialsValue(const std::string& nonce, const Answer& a) {
  char nc[9];
  std::snprintf(nc, sizeof nc, "%08x", a.nc);
  DigestResponse digest;
  digest.nonce = nonce;
  digest.uri = a.uri;
  digest.cnonce = a.cnonce;
  digest.qop = "auth";
  digest.nc_text = nc;
  digest.algorithm = a.algorithm;
  const std::string response = expectedResponse(digest, store::ha1(a.algorithm, a.user, a.realm, a.password), a.method);
  std::string value = "Digest username=\"" + a.user + "\", realm=\"" + a.realm + "\", nonce=\"" + nonce + "\", uri=\"" +
                      a.uri + "\", response=\"" + response + "\", cnonce=\"" + a.cnonce + "\", qop=auth, nc=" + nc;
  if (a.algorithm_param) {
    value += ", algorithm=" + std::string(algorithmName(a.algorithm));
  }
  return value;
}

sip::Message request(const std::vector<std::string>& auth_lines, const std::string& method = "REGISTER",
                     const std::string& uri = kUri) {
  std::string text = method + " " + uri + " SIP/2.0\r\n";
  text += "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds\r\nMax-Forwards: 70\r\n";
  text += "From: <sip:alice@example.com>;tag=1928301774\r\nTo: <sip:alice@example.com>\r\n";
  text += "Call-ID: a84b4c76e66710@192.0.2.10\r\nCSeq: 1 " + method + "\r\n";
  for (const std::string& line : auth_lines) {
    text += line + "\r\n";
  }
  text += "Content-Length: 0\r\n\r\n";
  auto message = sip::Message::parse(text, sip::Framing::Datagram);
  EXPECT_TRUE(message.ok()) << text;
  return std::move(message).value();
}

// The nonce of a challenge value.
std::string nonceOf(const std::string& challenge) {
  auto parsed = sip::parseChallenge(challenge);
  EXPECT_TRUE(parsed.ok()) << challenge;
  return parsed.ok() ? std::string(parsed->nonce().value_or("")) : std::string();
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  Outcome run(const sip::Message& message, TimePoint now, const std::string& ip = kIp, bool proxy = false) {
    return auth.authenticate(message, proxy, kRealm, message.requestUri(), users, ip, now);
  }
  Outcome answer(const std::string& nonce, const Answer& a, TimePoint now, const std::string& ip = kIp) {
    return run(request({"Authorization: " + credentialsValue(nonce, a)}, a.method), now, ip);
  }
  std::string freshNonce(TimePoint now) { return nonceOf(auth.challengeValues(kRealm, false, now).front()); }

  Users users;
  Authenticator auth{AuthSettings{}, testSecret()};
};

TEST_F(AuthenticatorTest, ChallengeValuesOfferSha256ThenMd5) {
  const auto values = auth.challengeValues(kRealm, false, kT0);
  ASSERT_EQ(values.size(), 2u);
  const std::string nonce = nonceOf(values[0]);
  EXPECT_EQ(values[0], "Digest realm=\"example.com\", nonce=\"" + nonce + "\", qop=\"auth\", algorithm=SHA-256");
  EXPECT_EQ(values[1], "Digest realm=\"example.com\", nonce=\"" + nonce + "\", qop=\"auth\", algorithm=MD5");
  const auto stale = auth.challengeValues(kRealm, true, kT0);
  for (const std::string& value : stale) {
    auto parsed = sip::parseChallenge(value);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->stale(), "true");
    EXPECT_EQ(auth.nonces().check(std::string(*parsed->nonce()), kT0), NonceState::Valid);
  }
}

TEST(AuthenticatorSettingsTest, AlgorithmOrderIsASetting) {
  AuthSettings settings;
  settings.algorithms = {DigestAlgorithm::Md5};
  Authenticator md5_only(settings, testSecret());
  const auto values = md5_only.challengeValues(kRealm, false, kT0);
  ASSERT_EQ(values.size(), 1u);
  EXPECT_NE(values[0].find("algorithm=MD5"), std::string::npos);

  // SHA-256 credentials are refused when SHA-256 was not offered.
  Users users;
  Answer sha;
  const auto outcome = md5_only.authenticate(request({"Authorization: " + credentialsValue(nonceOf(values[0]), sha)}),
                                             false, kRealm, kUri, users, kIp, kT0);
  ASSERT_TRUE(std::holds_alternative<BadRequest>(outcome));
  EXPECT_EQ(std::get<BadRequest>(outcome).warning, "Authorization: algorithm SHA-256 not offered");

  settings.algorithms = {};  // empty: the default
  EXPECT_EQ(Authenticator(settings).challengeValues(kRealm, false, kT0).size(), 2u);
}

TEST_F(AuthenticatorTest, NoCredentialsIsAChallenge) {
  const auto outcome = run(request({}), kT0);
  ASSERT_TRUE(std::holds_alternative<Challenge>(outcome));
  EXPECT_FALSE(std::get<Challenge>(outcome).stale);
  // Credentials for another realm only: challenged too.
  Answer other;
  other.realm = "elsewhere.example";
  const auto elsewhere = answer(freshNonce(kT0), other, kT0);
  ASSERT_TRUE(std::holds_alternative<Challenge>(elsewhere));
}

TEST_F(AuthenticatorTest, GoodAnswerAuthenticatesWithEitherAlgorithm) {
  Answer sha;
  const auto first = answer(freshNonce(kT0), sha, kT0 + seconds(1));
  ASSERT_TRUE(std::holds_alternative<Authenticated>(first));
  EXPECT_EQ(std::get<Authenticated>(first).username, "alice");
  EXPECT_EQ(std::get<Authenticated>(first).algorithm, DigestAlgorithm::Sha256);

  Answer md5;
  md5.algorithm = DigestAlgorithm::Md5;
  md5.algorithm_param = false;  // absent means MD5
  const auto second = answer(freshNonce(kT0), md5, kT0 + seconds(1));
  ASSERT_TRUE(std::holds_alternative<Authenticated>(second));
  EXPECT_EQ(std::get<Authenticated>(second).algorithm, DigestAlgorithm::Md5);
}

TEST_F(AuthenticatorTest, NonceReuseNeedsAHigherNc) {
  const std::string nonce = freshNonce(kT0);
  Answer a;
  EXPECT_TRUE(std::holds_alternative<Authenticated>(answer(nonce, a, kT0)));
  const auto replay = answer(nonce, a, kT0 + seconds(1));  // the same nc again
  ASSERT_TRUE(std::holds_alternative<Challenge>(replay));
  EXPECT_TRUE(std::get<Challenge>(replay).stale);
  a.nc = 2;
  EXPECT_TRUE(std::holds_alternative<Authenticated>(answer(nonce, a, kT0 + seconds(2))));
  EXPECT_FALSE(auth.limiter().blocked(kIp, kT0 + seconds(2)));  // replays are not failures
}

TEST_F(AuthenticatorTest, StaleNonceWithTheRightPasswordIsAStaleChallenge) {
  const std::string nonce = freshNonce(kT0);
  Answer a;
  const auto outcome = answer(nonce, a, kT0 + seconds(301));
  ASSERT_TRUE(std::holds_alternative<Challenge>(outcome));
  EXPECT_TRUE(std::get<Challenge>(outcome).stale);
  // With the wrong password it is a failure, not stale (RFC 7616 §3.3).
  a.password = "guess";
  a.nc = 2;
  EXPECT_TRUE(std::holds_alternative<Forbidden>(answer(nonce, a, kT0 + seconds(301))));
}

TEST_F(AuthenticatorTest, TamperedOrFutureNonceIsAFreshChallenge) {
  std::string nonce = freshNonce(kT0);
  nonce[0] = nonce[0] == '0' ? '1' : '0';  // shifts the issue time
  Answer a;
  const auto tampered = answer(nonce, a, kT0);
  ASSERT_TRUE(std::holds_alternative<Challenge>(tampered));
  EXPECT_FALSE(std::get<Challenge>(tampered).stale);

  const std::string future = freshNonce(kT0 + seconds(60));
  const auto early = answer(future, a, kT0);
  ASSERT_TRUE(std::holds_alternative<Challenge>(early));
  EXPECT_FALSE(std::get<Challenge>(early).stale);

  Authenticator other(AuthSettings{});  // another (random) secret: a restart
  const auto foreign = answer(nonceOf(other.challengeValues(kRealm, false, kT0).front()), a, kT0);
  ASSERT_TRUE(std::holds_alternative<Challenge>(foreign));
  EXPECT_FALSE(std::get<Challenge>(foreign).stale);
}

TEST_F(AuthenticatorTest, WrongPasswordUnknownAndDisabledUsersAreForbiddenAndCounted) {
  Answer wrong;
  wrong.password = "guess";
  const auto outcome = answer(freshNonce(kT0), wrong, kT0);
  ASSERT_TRUE(std::holds_alternative<Forbidden>(outcome));
  const auto& forbidden = std::get<Forbidden>(outcome);
  EXPECT_EQ(forbidden.reason, Forbidden::Reason::WrongResponse);
  EXPECT_EQ(forbidden.warning, "Authentication failed");
  EXPECT_FALSE(forbidden.block_started);

  Answer unknown;
  unknown.user = "mallory";
  const auto who = answer(freshNonce(kT0), unknown, kT0);
  ASSERT_TRUE(std::holds_alternative<Forbidden>(who));
  EXPECT_EQ(std::get<Forbidden>(who).reason, Forbidden::Reason::UnknownUser);
  EXPECT_EQ(std::get<Forbidden>(who).warning, forbidden.warning);  // no account enumeration

  Answer carol;
  carol.user = "carol";
  carol.password = "gone";
  const auto disabled = answer(freshNonce(kT0), carol, kT0);
  ASSERT_TRUE(std::holds_alternative<Forbidden>(disabled));
  EXPECT_EQ(std::get<Forbidden>(disabled).reason, Forbidden::Reason::Disabled);

  // Three failures counted: seven more block the source.
  for (int i = 0; i < 6; ++i) {
    EXPECT_FALSE(std::get<Forbidden>(answer(freshNonce(kT0), wrong, kT0)).block_started);
  }
  EXPECT_TRUE(std::get<Forbidden>(answer(freshNonce(kT0), wrong, kT0)).block_started);
}

TEST_F(AuthenticatorTest, LimiterThrottlesAfterTheLimitUntilTheWindowEnds) {
  Answer wrong;
  wrong.password = "guess";
  for (int i = 0; i < 10; ++i) {
    const auto outcome = answer(freshNonce(kT0), wrong, kT0 + seconds(i));
    ASSERT_TRUE(std::holds_alternative<Forbidden>(outcome)) << i;
    EXPECT_EQ(std::get<Forbidden>(outcome).block_started, i == 9);
  }
  // Blocked: even the right password, and a request without credentials.
  Answer right;
  const auto blocked = answer(freshNonce(kT0), right, kT0 + seconds(10));
  ASSERT_TRUE(std::holds_alternative<Throttled>(blocked));
  EXPECT_EQ(std::get<Throttled>(blocked).retry_after, 50u);
  EXPECT_TRUE(std::holds_alternative<Throttled>(run(request({}), kT0 + seconds(59))));
  // Another source is not affected.
  EXPECT_TRUE(std::holds_alternative<Authenticated>(answer(freshNonce(kT0), right, kT0 + seconds(10), "192.0.2.99")));
  // The window is over: the right password works again.
  EXPECT_TRUE(std::holds_alternative<Authenticated>(answer(freshNonce(kT0 + seconds(60)), right, kT0 + seconds(60))));
}

TEST_F(AuthenticatorTest, SuccessDoesNotResetTheFailureCount) {
  Answer wrong;
  wrong.user = "bob";
  wrong.password = "guess";
  Answer right;
  for (int i = 0; i < 9; ++i) {
    EXPECT_TRUE(std::holds_alternative<Forbidden>(answer(freshNonce(kT0), wrong, kT0)));
    EXPECT_TRUE(std::holds_alternative<Authenticated>(answer(freshNonce(kT0), right, kT0)));
  }
  EXPECT_TRUE(std::get<Forbidden>(answer(freshNonce(kT0), wrong, kT0)).block_started);
  EXPECT_TRUE(std::holds_alternative<Throttled>(answer(freshNonce(kT0), right, kT0)));
}

TEST_F(AuthenticatorTest, UriMustEqualTheRequestUri) {
  Answer a;
  a.uri = "sip:EXAMPLE.com";  // equivalent by RFC 3261 §19.1.4, but not the text sent
  const auto outcome = answer(freshNonce(kT0), a, kT0);
  ASSERT_TRUE(std::holds_alternative<Forbidden>(outcome));
  EXPECT_EQ(std::get<Forbidden>(outcome).reason, Forbidden::Reason::UriMismatch);
  EXPECT_FALSE(auth.limiter().blocked(kIp, kT0));
}

TEST_F(AuthenticatorTest, PicksTheCredentialsOfTheRealmAmongSeveral) {
  const std::string nonce = freshNonce(kT0);
  Answer other;
  other.realm = "other.example";
  Answer ours;
  const auto message =
      request({"Authorization: " + credentialsValue(nonce, other),
               "Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Authorization: " + credentialsValue(nonce, ours)});
  const auto outcome = run(message, kT0);
  ASSERT_TRUE(std::holds_alternative<Authenticated>(outcome));
  EXPECT_EQ(std::get<Authenticated>(outcome).username, "alice");
}

TEST_F(AuthenticatorTest, ProxyAuthorizationIsReadForProxyAuth) {
  const std::string nonce = freshNonce(kT0);
  Answer a;
  a.method = "INVITE";
  a.uri = "sip:bob@example.com";
  const auto message = request({"Proxy-Authorization: " + credentialsValue(nonce, a)}, "INVITE", a.uri);
  EXPECT_TRUE(std::holds_alternative<Challenge>(run(message, kT0, kIp, false)));  // no Authorization
  EXPECT_TRUE(std::holds_alternative<Authenticated>(run(message, kT0, kIp, true)));
}

TEST_F(AuthenticatorTest, MalformedCredentialsAreABadRequestNamingTheParameter) {
  const auto outcome =
      run(request({"Authorization: Digest username=\"alice\", realm=\"example.com\", uri=\"sip:example.com\", "
                   "response=\"00\", cnonce=\"c\", qop=auth, nc=00000001"}),
          kT0);
  ASSERT_TRUE(std::holds_alternative<BadRequest>(outcome));
  EXPECT_EQ(std::get<BadRequest>(outcome).warning, "Authorization: missing nonce");

  const auto garbage = run(request({"Authorization: Digest realm=\"example.com, nonce=1"}), kT0);
  ASSERT_TRUE(std::holds_alternative<BadRequest>(garbage));
  EXPECT_EQ(std::get<BadRequest>(garbage).warning, "Malformed Authorization header");

  const auto sess = run(request({"Authorization: Digest username=\"alice\", realm=\"example.com\", nonce=\"n\", "
                                 "uri=\"sip:example.com\", response=\"00\", cnonce=\"c\", qop=auth, nc=00000001, "
                                 "algorithm=MD5-sess"}),
                        kT0);
  ASSERT_TRUE(std::holds_alternative<BadRequest>(sess));
  EXPECT_NE(std::get<BadRequest>(sess).warning.find("MD5-sess"), std::string::npos);
  EXPECT_FALSE(auth.limiter().blocked(kIp, kT0));
}

TEST(AuthenticatorBoundsTest, NonceCountTableFullIsAStaleChallenge) {
  AuthSettings settings;
  settings.max_nonce_entries = 16;  // one per shard
  Authenticator auth(settings, testSecret());
  Users users;
  int authenticated = 0;
  int refused = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string nonce = nonceOf(auth.challengeValues(kRealm, false, kT0).front());
    const auto outcome = auth.authenticate(request({"Authorization: " + credentialsValue(nonce, Answer{})}), false,
                                           kRealm, kUri, users, kIp, kT0);
    if (std::holds_alternative<Authenticated>(outcome)) {
      ++authenticated;
    } else {
      ASSERT_TRUE(std::holds_alternative<Challenge>(outcome));
      EXPECT_TRUE(std::get<Challenge>(outcome).stale);
      ++refused;
    }
  }
  EXPECT_LE(auth.nonceCounts().size(), 16u);
  EXPECT_LE(authenticated, 16);
  EXPECT_GT(refused, 0);
}

// Many event-loop threads on one Authenticator: every good answer passes,
// every bad one is refused, and TSan/ASan builds see no race.
TEST(AuthenticatorConcurrencyTest, ManyThreadsAuthenticate) {
  Authenticator auth(AuthSettings{}, testSecret());
  Users users;
  constexpr int kThreads = 8;
  constexpr int kRounds = 150;
  std::atomic<int> authenticated{0};
  std::atomic<int> forbidden{0};
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string ip = "203.0.113." + std::to_string(t);
      const TimePoint now = kT0 + seconds(t);
      std::string nonce = nonceOf(auth.challengeValues(kRealm, false, now).front());
      for (int round = 0; round < kRounds; ++round) {
        Answer a;
        a.user = t % 2 == 0 ? "alice" : "bob";
        a.password = t % 2 == 0 ? "wonderland" : "builder";
        a.nc = static_cast<uint32_t>(round + 1);
        a.algorithm = round % 2 == 0 ? DigestAlgorithm::Sha256 : DigestAlgorithm::Md5;
        if (round % 50 == 49) {
          a.password = "guess";  // 3 failures per thread: below the limit
        }
        const auto outcome = auth.authenticate(request({"Authorization: " + credentialsValue(nonce, a)}), false, kRealm,
                                               kUri, users, ip, now);
        if (std::holds_alternative<Authenticated>(outcome)) {
          authenticated.fetch_add(1);
        } else if (std::holds_alternative<Forbidden>(outcome) && round % 50 == 49) {
          forbidden.fetch_add(1);
        } else {
          unexpected.fetch_add(1);
        }
        if (round % 40 == 39) {
          nonce = nonceOf(auth.challengeValues(kRealm, false, now).front());
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_EQ(forbidden.load(), kThreads * 3);
  EXPECT_EQ(authenticated.load(), kThreads * (kRounds - 3));
}

}  // namespace
}  // namespace tandem::auth
