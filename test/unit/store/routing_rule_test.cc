#include "store/routing_rule.h"

#include <gtest/gtest.h>

#include <string>

#include "config/pool.h"

namespace tandem::store {
namespace {

config::Route route(std::string user, std::string domain, std::string next_hop, bool phone_uri = false,
                    bool replace_host = false) {
  config::Route out;
  out.user = std::move(user);
  out.domain = std::move(domain);
  out.next_hop = std::move(next_hop);
  out.phone_uri = phone_uri;
  out.replace_host = replace_host;
  return out;
}

UserRecord user(std::string name, std::string domain, bool enabled = true) {
  UserRecord out;
  out.user = name;
  out.domain = domain;
  out.uri = "sip:" + name + "@" + domain;
  out.enabled = enabled;
  return out;
}

PoolSnapshot pool() {
  PoolSnapshot pool;
  pool.settings.domains = {"example.com"};
  pool.settings.routes = {route("+15551234", "example.com", "127.0.0.30", true),
                          route("*", "example.com", "127.0.0.20"), route("carol", "other.org", "127.0.0.21"),
                          route("*", "replace.org", "127.0.0.22", false, true)};
  pool.users = UserDirectory({user("alice", "example.com"), user("dave", "example.com", false)});
  return pool;
}

RouteDecision decideText(const PoolSnapshot& snapshot, std::string_view text) {
  auto uri = sip::parseUri(text);
  EXPECT_TRUE(uri.ok()) << text;
  return decide(snapshot, *uri);
}

TEST(RoutingRuleTest, UserHomedHereIsServedLocallyEnabledOrNot) {
  const PoolSnapshot snapshot = pool();
  auto decision = decideText(snapshot, "sip:alice@EXAMPLE.com");
  ASSERT_TRUE(std::holds_alternative<decision::LocalUser>(decision));
  EXPECT_EQ(std::get<decision::LocalUser>(decision).user->uri, "sip:alice@example.com");
  EXPECT_TRUE(std::get<decision::LocalUser>(decision).enabled());
  decision = decideText(snapshot, "sip:dave@example.com");
  ASSERT_TRUE(std::holds_alternative<decision::LocalUser>(decision));
  EXPECT_FALSE(std::get<decision::LocalUser>(decision).enabled());
  // User parts compare case-sensitively: Alice is not alice, so the route.
  decision = decideText(snapshot, "sip:Alice@example.com");
  ASSERT_TRUE(std::holds_alternative<decision::StaticRoute>(decision));
  EXPECT_EQ(std::get<decision::StaticRoute>(decision).index, 1u);
}

TEST(RoutingRuleTest, OurDomainWithoutUserIsTheDomainItself) {
  EXPECT_TRUE(std::holds_alternative<decision::LocalDomainItself>(decideText(pool(), "sip:example.com")));
  // Not our domain: no local service, and no route for it.
  EXPECT_TRUE(std::holds_alternative<decision::NotFound>(decideText(pool(), "sip:unknown.org")));
}

TEST(RoutingRuleTest, FirstMatchingRouteWinsPhoneRoutesOnlyForPhoneUris) {
  const PoolSnapshot snapshot = pool();
  auto decision = decideText(snapshot, "sip:+15551234@example.com;user=phone");
  ASSERT_TRUE(std::holds_alternative<decision::StaticRoute>(decision));
  EXPECT_EQ(std::get<decision::StaticRoute>(decision).index, 0u);
  decision = decideText(snapshot, "sip:+15551234@example.com");
  ASSERT_TRUE(std::holds_alternative<decision::StaticRoute>(decision));
  EXPECT_EQ(std::get<decision::StaticRoute>(decision).index, 1u);
  decision = decideText(snapshot, "sip:carol@OTHER.org");
  ASSERT_TRUE(std::holds_alternative<decision::StaticRoute>(decision));
  EXPECT_EQ(std::get<decision::StaticRoute>(decision).index, 2u);
}

TEST(RoutingRuleTest, NothingMatchesIs404WithTheProxysReason) {
  PoolSnapshot snapshot = pool();
  snapshot.settings.routes.erase(snapshot.settings.routes.begin() + 1);
  auto uri = sip::parseUri("sip:bob@example.com");
  auto decision = decide(snapshot, *uri);
  ASSERT_TRUE(std::holds_alternative<decision::NotFound>(decision));
  EXPECT_TRUE(std::get<decision::NotFound>(decision).local_domain);
  EXPECT_EQ(notFoundReason(std::get<decision::NotFound>(decision), *uri), "User does not exist");
  auto foreign = sip::parseUri("sip:erin@other.org");
  decision = decide(snapshot, *foreign);
  ASSERT_TRUE(std::holds_alternative<decision::NotFound>(decision));
  EXPECT_EQ(notFoundReason(std::get<decision::NotFound>(decision), *foreign), "No user or static route for other.org");
}

TEST(RoutingRuleTest, ReplaceHostKeepsEverythingButHostAndPort) {
  const std::string text = "sip:bob@replace.org:5070;transport=tcp?subject=x";
  auto uri = sip::parseUri(text);
  ASSERT_TRUE(uri.ok());
  EXPECT_EQ(replaceHost(text, *uri, "127.0.0.22"), "sip:bob@127.0.0.22;transport=tcp?subject=x");
  const std::string plain = "sip:bob@replace.org";
  auto plain_uri = sip::parseUri(plain);
  EXPECT_EQ(replaceHost(plain, *plain_uri, "127.0.0.22"), "sip:bob@127.0.0.22");
}

}  // namespace
}  // namespace tandem::store
