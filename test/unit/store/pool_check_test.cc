#include "store/pool_check.h"

#include <gtest/gtest.h>

#include <string>

namespace tandem::store {
namespace {

config::ServerConfig server() {
  config::ServerConfig config;
  config.fqdn = "lcs1.example.com";
  config.connections = {config::Connection{"127.0.0.1", config::Transport::Tcp, 5060, 0},
                        config::Connection{"*", config::Transport::Tls, 5061, 0}};
  return config;
}

config::Route route(std::string next_hop, config::RouteTransport transport = config::RouteTransport::Tcp,
                    uint16_t port = 5060, std::string domain = "example.com") {
  config::Route out;
  out.domain = std::move(domain);
  out.next_hop = std::move(next_hop);
  out.transport = transport;
  out.port = port;
  return out;
}

config::AuthorizedHost host(std::string name) {
  config::AuthorizedHost out;
  out.host = std::move(name);
  return out;
}

std::vector<std::string> lines(const std::vector<config::Finding>& findings) {
  std::vector<std::string> out;
  for (const config::Finding& finding : findings) {
    out.push_back(finding.toString());
  }
  return out;
}

TEST(PoolCheckTest, AFederationWithAuthorizedPeersHasNoFinding) {
  PoolSnapshot pool;
  pool.settings.domains = {"example.com"};
  pool.settings.routes = {route("127.0.0.5"), route("cup1.example.com", config::RouteTransport::Tls, 5061)};
  pool.settings.authorized_hosts = {host("127.0.0.5"), host("cup1.example.com")};
  EXPECT_TRUE(checkPool(server(), pool).empty()) << ::testing::PrintToString(lines(checkPool(server(), pool)));
}

TEST(PoolCheckTest, RouteWithoutAuthorizedHostIsAWarning) {
  PoolSnapshot pool;
  pool.settings.domains = {"example.com"};
  pool.settings.routes = {route("127.0.0.5")};
  const auto findings = checkPool(server(), pool);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_FALSE(findings[0].isError());
  EXPECT_EQ(findings[0].key, "routes[1]");
  EXPECT_EQ(findings[0].toString(),
            "pool: warning: routes[1] (*@example.com -> tcp 127.0.0.5:5060): the next hop 127.0.0.5 has no "
            "authorized-host entry: the peer's requests will be challenged");
}

TEST(PoolCheckTest, TlsRoutesWantAnFqdnAndBothHostEntries) {
  PoolSnapshot pool;
  pool.settings.domains = {"example.com"};
  pool.settings.routes = {route("127.0.0.6", config::RouteTransport::Tls, 5062)};  // not our 5061
  pool.settings.authorized_hosts = {host("127.0.0.6")};
  auto findings = checkPool(server(), pool);
  ASSERT_EQ(findings.size(), 2u) << ::testing::PrintToString(lines(findings));
  EXPECT_NE(findings[0].message.find("authorized only by IP"), std::string::npos) << findings[0].message;
  EXPECT_NE(findings[1].message.find("certificate identity cannot match an IP"), std::string::npos);

  pool.settings.routes = {route("cup1.example.com", config::RouteTransport::Tls, 5061)};
  pool.settings.authorized_hosts = {host("cup1.example.com")};
  findings = checkPool(server(), pool);
  ASSERT_EQ(findings.size(), 1u) << ::testing::PrintToString(lines(findings));
  EXPECT_NE(findings[0].message.find("authorized only by FQDN"), std::string::npos) << findings[0].message;
  EXPECT_FALSE(findings[0].isError());
}

TEST(PoolCheckTest, RouteToThisServerIsAnError) {
  PoolSnapshot pool;
  pool.settings.domains = {"example.com"};
  for (const config::Route& self :
       {route("127.0.0.1"), route("lcs1.example.com"), route("127.0.0.9", config::RouteTransport::Tls, 5061)}) {
    pool.settings.routes = {self};
    pool.settings.authorized_hosts = {host(self.next_hop)};
    const auto findings = checkPool(server(), pool);
    ASSERT_EQ(findings.size(), 1u) << self.toString();
    EXPECT_TRUE(findings[0].isError()) << self.toString();
    EXPECT_NE(findings[0].message.find("is this server itself"), std::string::npos) << findings[0].message;
  }
  // Same address, another port: another server.
  pool.settings.routes = {route("127.0.0.1", config::RouteTransport::Tcp, 5070)};
  pool.settings.authorized_hosts = {host("127.0.0.1")};
  EXPECT_TRUE(checkPool(server(), pool).empty());
}

TEST(PoolCheckTest, DomainWithoutRouteIsAWarning) {
  PoolSnapshot pool;
  pool.settings.domains = {"example.com", "single.org"};
  pool.settings.routes = {route("127.0.0.5")};
  pool.settings.authorized_hosts = {host("127.0.0.5")};
  const auto findings = checkPool(server(), pool);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_FALSE(findings[0].isError());
  EXPECT_EQ(findings[0].toString(),
            "pool: warning: domains[2]: single.org has no static route: users not homed here get 404 (fine for a "
            "single system, wrong for a federation)");
}

}  // namespace
}  // namespace tandem::store
