#include "dns/servers.h"

#include <gtest/gtest.h>

namespace tandem::dns::detail {
namespace {

std::string parsed(std::string_view text) {
  auto server = parseServer(text);
  return server ? toString(*server) : "error: " + server.error();
}

TEST(DnsServersTest, Forms) {
  EXPECT_EQ(parsed("10.0.0.53"), "10.0.0.53:53");
  EXPECT_EQ(parsed("10.0.0.53:5353"), "10.0.0.53:5353");
  EXPECT_EQ(parsed("[2001:db8::53]:5353"), "[2001:db8::53]:5353");
  EXPECT_EQ(parsed("[::1]"), "[::1]:53");
  EXPECT_EQ(parsed("2001:db8::53"), "[2001:db8::53]:53");
}

TEST(DnsServersTest, Refused) {
  for (const char* text : {"", "ns1.example.com", "10.0.0.1:0", "10.0.0.1:65536", "10.0.0.1:", "10.0.0.1:5x",
                           "[10.0.0.1]:53", "[::1]53", "[::1", "::1:53x", "1.2.3"}) {
    EXPECT_EQ(parsed(text).rfind("error: '", 0), 0u) << text;
  }
  EXPECT_EQ(parsed("ns1"), "error: 'ns1' is not a DNS server (\"IP\", \"IP:port\" or \"[v6]:port\")");
}

}  // namespace
}  // namespace tandem::dns::detail
