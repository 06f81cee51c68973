// The presence authorization policy (store/presence_policy.h): every branch
// of federation.md §3.1 and [presence] authorize.

#include "store/presence_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace tandem::store {
namespace {

using config::PresenceAuthorize;

config::PoolSettings pool(PresenceAuthorize authorize) {
  config::PoolSettings settings;
  settings.domains = {"example.com", "example.net"};
  settings.presence.authorize = authorize;
  return settings;
}

constexpr std::string_view kBob = "sip:bob@example.com";

Authorization decide(PresenceAuthorize authorize, const std::vector<PresenceRule>& rules, std::string_view watcher,
                     std::string_view owner = kBob) {
  return authorizeWatcher(pool(authorize), rules, owner, watcher);
}

TEST(PresencePolicyTest, WithoutRulesAuthorizeDecides) {
  EXPECT_EQ(decide(PresenceAuthorize::All, {}, "sip:mallory@elsewhere.org"), Authorization::Allow);
  EXPECT_EQ(decide(PresenceAuthorize::Ask, {}, "sip:alice@example.com"), Authorization::Pending);
  EXPECT_EQ(decide(PresenceAuthorize::Ask, {}, "sip:mallory@elsewhere.org"), Authorization::Pending);
  EXPECT_EQ(decide(PresenceAuthorize::SameDomain, {}, "sip:alice@example.com"), Authorization::Allow);
  EXPECT_EQ(decide(PresenceAuthorize::SameDomain, {}, "sip:alice@EXAMPLE.NET"), Authorization::Allow);
  EXPECT_EQ(decide(PresenceAuthorize::SameDomain, {}, "sip:alice@sub.example.com"), Authorization::Pending);
  EXPECT_EQ(decide(PresenceAuthorize::SameDomain, {}, "sip:mallory@elsewhere.org"), Authorization::Pending);
}

TEST(PresencePolicyTest, TheOwnerAlwaysSeesThemself) {
  const std::vector<PresenceRule> block_domain = {{std::string(kBob), "example.com", WatcherDecision::BlockReject}};
  for (const PresenceAuthorize authorize : {PresenceAuthorize::Ask, PresenceAuthorize::SameDomain}) {
    EXPECT_EQ(decide(authorize, block_domain, "sip:bob@example.com"), Authorization::Allow);
    EXPECT_EQ(decide(authorize, block_domain, "sips:bob@Example.COM;transport=tls"), Authorization::Allow);
  }
  // User parts are exact: Bob is not bob.
  EXPECT_EQ(decide(PresenceAuthorize::Ask, {}, "sip:Bob@example.com"), Authorization::Pending);
}

TEST(PresencePolicyTest, RulesMapToAuthorizations) {
  const std::string alice = "sip:alice@example.org";
  EXPECT_EQ(decide(PresenceAuthorize::Ask, {{std::string(kBob), alice, WatcherDecision::Allow}}, alice),
            Authorization::Allow);
  EXPECT_EQ(decide(PresenceAuthorize::All, {{std::string(kBob), alice, WatcherDecision::BlockPolite}}, alice),
            Authorization::PoliteBlock);
  EXPECT_EQ(decide(PresenceAuthorize::All, {{std::string(kBob), alice, WatcherDecision::BlockReject}}, alice),
            Authorization::Reject);
  // A block beats same-domain.
  EXPECT_EQ(
      decide(PresenceAuthorize::SameDomain,
             {{std::string(kBob), "sip:carol@example.com", WatcherDecision::BlockPolite}}, "sip:carol@example.com"),
      Authorization::PoliteBlock);
}

TEST(PresencePolicyTest, TheExactWatcherWinsOverItsDomain) {
  const std::vector<PresenceRule> rules = {
      {std::string(kBob), "example.org", WatcherDecision::BlockReject},
      {std::string(kBob), "sip:alice@example.org", WatcherDecision::Allow},
      {std::string(kBob), "example.net", WatcherDecision::Allow},
  };
  EXPECT_EQ(decide(PresenceAuthorize::Ask, rules, "sip:alice@example.org"), Authorization::Allow);
  EXPECT_EQ(decide(PresenceAuthorize::Ask, rules, "sip:dave@example.org"), Authorization::Reject);
  EXPECT_EQ(decide(PresenceAuthorize::Ask, rules, "sip:dave@example.net"), Authorization::Allow);
  // The same with the exact rule listed first.
  std::vector<PresenceRule> reversed(rules.rbegin(), rules.rend());
  EXPECT_EQ(decide(PresenceAuthorize::Ask, reversed, "sip:alice@example.org"), Authorization::Allow);
  EXPECT_EQ(decide(PresenceAuthorize::Ask, reversed, "sip:dave@example.org"), Authorization::Reject);
  // A domain rule covers that domain only, not its sub-domains.
  EXPECT_EQ(decide(PresenceAuthorize::Ask, rules, "sip:dave@eu.example.org"), Authorization::Pending);
}

TEST(PresencePolicyTest, DomainsCompareWithoutCaseUserPartsExactly) {
  const std::vector<PresenceRule> rules = {
      {std::string(kBob), "sip:alice@example.org", WatcherDecision::BlockPolite},
      {std::string(kBob), "other.org", WatcherDecision::BlockReject},
  };
  EXPECT_EQ(decide(PresenceAuthorize::All, rules, "sip:alice@EXAMPLE.Org"), Authorization::PoliteBlock);
  EXPECT_EQ(decide(PresenceAuthorize::All, rules, "sips:alice@example.org;transport=tls"), Authorization::PoliteBlock);
  EXPECT_EQ(decide(PresenceAuthorize::All, rules, "sip:Alice@example.org"), Authorization::Allow);
  EXPECT_EQ(decide(PresenceAuthorize::All, rules, "sip:Anyone@OTHER.ORG"), Authorization::Reject);
  // The owner as given by a request: its domain in any case.
  EXPECT_EQ(decide(PresenceAuthorize::All, rules, "sip:alice@example.org", "sip:bob@Example.COM"),
            Authorization::PoliteBlock);
  EXPECT_EQ(decide(PresenceAuthorize::All, rules, "sip:alice@example.org", "sip:BOB@example.com"),
            Authorization::Allow);  // another user: bob's rules are not BOB's
}

TEST(PresencePolicyTest, OnlyTheOwnersRulesCount) {
  const std::vector<PresenceRule> rules = {
      {"sip:carol@example.com", "sip:alice@example.org", WatcherDecision::BlockReject},
  };
  EXPECT_EQ(decide(PresenceAuthorize::All, rules, "sip:alice@example.org"), Authorization::Allow);
  EXPECT_EQ(decide(PresenceAuthorize::All, rules, "sip:alice@example.org", "sip:carol@example.com"),
            Authorization::Reject);
}

TEST(PresencePolicyTest, WatchersThatAreNotSipUrisMatchNoRule) {
  const std::vector<PresenceRule> rules = {{std::string(kBob), "example.org", WatcherDecision::BlockReject}};
  EXPECT_EQ(decide(PresenceAuthorize::All, rules, "tel:+15551234"), Authorization::Allow);
  EXPECT_EQ(decide(PresenceAuthorize::Ask, rules, "not a uri"), Authorization::Pending);
  EXPECT_EQ(decide(PresenceAuthorize::SameDomain, rules, "tel:+15551234"), Authorization::Pending);
  // A watcher without a user part is covered by its domain's rule only.
  EXPECT_EQ(decide(PresenceAuthorize::All, rules, "sip:example.org"), Authorization::Reject);
}

TEST(PresencePolicyTest, WatcherMatches) {
  EXPECT_TRUE(watcherMatches("example.org", "sip:alice@Example.org"));
  EXPECT_TRUE(watcherMatches("sip:alice@example.org", "sips:alice@EXAMPLE.ORG;transport=tls"));
  EXPECT_FALSE(watcherMatches("sip:alice@example.org", "sip:ALICE@example.org"));
  EXPECT_FALSE(watcherMatches("example.org", "sip:alice@example.org.evil.net"));
  EXPECT_FALSE(watcherMatches("example.org", "tel:+15551234"));
}

TEST(PresencePolicyTest, RulesOfFindsTheOwnersRulesInASortedList) {
  std::vector<PresenceRule> rules = {
      {"sip:alice@example.com", "example.org", WatcherDecision::Allow},
      {"sip:bob@example.com", "example.org", WatcherDecision::Allow},
      {"sip:bob@example.com", "sip:x@example.org", WatcherDecision::BlockPolite},
      {"sip:bob@example.community", "example.org", WatcherDecision::Allow},
      {"sip:bobby@example.com", "example.org", WatcherDecision::Allow},
  };
  ASSERT_TRUE(std::is_sorted(rules.begin(), rules.end(),
                             [](const PresenceRule& a, const PresenceRule& b) { return a.owner < b.owner; }));
  const std::span<const PresenceRule> bob = rulesOf(rules, "sip:bob@EXAMPLE.com");
  ASSERT_EQ(bob.size(), 2u);
  EXPECT_EQ(bob.data(), &rules[1]);
  EXPECT_EQ(rulesOf(rules, "sips:bob@example.com").size(), 2u);
  EXPECT_EQ(rulesOf(rules, "sip:carol@example.com").size(), 0u);
  EXPECT_EQ(rulesOf(rules, "sip:example.com").size(), 0u);
  EXPECT_EQ(rulesOf(rules, "garbage").size(), 0u);
  EXPECT_EQ(rulesOf({}, "sip:bob@example.com").size(), 0u);
  EXPECT_EQ(authorizeWatcher(pool(PresenceAuthorize::All), bob, kBob, "sip:x@example.org"), Authorization::PoliteBlock);
}

TEST(PresencePolicyTest, Names) {
  EXPECT_EQ(authorizationName(Authorization::Allow), "allow");
  EXPECT_EQ(authorizationName(Authorization::PoliteBlock), "polite-block");
  EXPECT_EQ(authorizationName(Authorization::Reject), "reject");
  EXPECT_EQ(authorizationName(Authorization::Pending), "pending");
}

}  // namespace
}  // namespace tandem::store
