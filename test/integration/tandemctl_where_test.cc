// `tandemctl where` and `tandemd --check`'s pool findings as processes,
// against a real SQLite store named by a temporary server file.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "harness.h"

namespace tandem::test {
namespace {

const std::string kTandemctl = TANDEMCTL_PATH;
const std::string kTandemd = TANDEMD_PATH;

class TandemctlWhereTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("server.toml",
               "[server]\nfqdn = \"lcs1.example.com\"\nstore = \"sqlite:pool.db\"\nadmin = \"\"\n\n"
               "[[connections]]\naddress = \"127.0.0.1\"\ntransport = \"tcp\"\nport = 5060\n");
  }

  int ctl(std::vector<std::string> args, std::string& output) {
    args.insert(args.begin(), {kTandemctl, "--config", "server.toml"});
    return run(args, dir_.path(), output);
  }
  void ok(std::vector<std::string> args) {
    std::string output;
    ASSERT_EQ(ctl(args, output), 0) << output;
  }
  std::string where(const std::string& uri) {
    std::string output;
    EXPECT_EQ(ctl({"where", uri}, output), 0) << output;
    return output;
  }
  int check(std::string& output) { return run({kTandemd, "--config", "server.toml", "--check"}, dir_.path(), output); }

  TempDir dir_;
};

TEST_F(TandemctlWhereTest, ExplainsEachDecision) {
  ok({"domain", "add", "example.com"});
  ok({"user", "add", "sip:alice@example.com", "--password", "secret"});
  ok({"user", "add", "sip:dave@example.com", "--password", "secret"});
  ok({"user", "disable", "sip:dave@example.com"});
  ok({"route", "add", "--user", "*", "--domain", "example.com", "--phone-uri", "--next-hop", "127.0.0.7", "--transport",
      "udp"});
  ok({"route", "add", "--user", "*", "--domain", "example.com", "--next-hop", "127.0.0.5", "--transport", "tcp"});
  ok({"route", "add", "--user", "*", "--domain", "replace.org", "--next-hop", "127.0.0.6", "--transport", "tcp",
      "--port", "5070", "--replace-host"});

  EXPECT_EQ(where("sip:alice@example.com"),
            "sip:alice@example.com: local user (homed here, enabled) → delivered to its registered contacts\n");
  EXPECT_EQ(where("sip:dave@example.com"),
            "sip:dave@example.com: local user (homed here, disabled) → refused (480 User is disabled; REGISTER 403)\n");
  EXPECT_EQ(where("sip:example.com"),
            "sip:example.com: one of our domains, no user part → local service (REGISTER, OPTIONS)\n");
  EXPECT_EQ(where("sip:bob@example.com"),
            "sip:bob@example.com: not a user here → route 2 (*@example.com → tcp 127.0.0.5:5060, Request-URI "
            "unchanged)\n");
  EXPECT_EQ(where("sip:+15551234@example.com;user=phone"),
            "sip:+15551234@example.com;user=phone: not a user here → route 1 (*@example.com [phone-uri] → udp "
            "127.0.0.7:5060, Request-URI unchanged)\n");
  EXPECT_EQ(where("sip:erin@replace.org;transport=tcp"),
            "sip:erin@replace.org;transport=tcp: not one of our domains → route 3 (*@replace.org → tcp "
            "127.0.0.6:5070, Request-URI rewritten to sip:erin@127.0.0.6;transport=tcp)\n");
  EXPECT_EQ(where("sip:carol@other.org"),
            "sip:carol@other.org: 404 Not Found (no user or static route for other.org)\n");
  EXPECT_EQ(where("sip:lcs1.example.com"),
            "sip:lcs1.example.com: this server (lcs1.example.com) → local service (OPTIONS answered; no user to "
            "deliver to)\n");

  // A URI that does not parse: usage error, one line.
  std::string output;
  EXPECT_EQ(ctl({"where", "sip:bob@exa mple.com"}, output), 2);
  EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << output;
  EXPECT_EQ(ctl({"where", "http://example.com/"}, output), 2);
}

TEST_F(TandemctlWhereTest, NotFoundInOurDomain) {
  ok({"domain", "add", "example.com"});
  EXPECT_EQ(where("sip:bob@example.com"),
            "sip:bob@example.com: 404 Not Found (user does not exist in example.com and no static route matches)\n");
}

TEST_F(TandemctlWhereTest, CheckWarnsOfARouteWithoutHostEntry) {
  ok({"domain", "add", "example.com"});
  ok({"route", "add", "--user", "*", "--domain", "example.com", "--next-hop", "127.0.0.5", "--transport", "tcp"});
  std::string output;
  EXPECT_EQ(check(output), 0) << output;
  EXPECT_EQ(output,
            "pool: warning: routes[1] (*@example.com -> tcp 127.0.0.5:5060): the next hop 127.0.0.5 has no "
            "authorized-host entry: the peer's requests will be challenged\n");
  ok({"host", "add", "127.0.0.5", "--throttle-as-server", "--treat-as-authenticated"});
  EXPECT_EQ(check(output), 0) << output;
  EXPECT_EQ(output, "server.toml: ok\n");
}

TEST_F(TandemctlWhereTest, CheckRefusesARouteToItself) {
  ok({"domain", "add", "example.com"});
  ok({"route", "add", "--user", "*", "--domain", "example.com", "--next-hop", "127.0.0.1", "--transport", "tcp"});
  ok({"host", "add", "127.0.0.1"});
  std::string output;
  EXPECT_EQ(check(output), 1) << output;
  EXPECT_NE(output.find("pool: error: routes[1] (*@example.com -> tcp 127.0.0.1:5060): the next hop 127.0.0.1:5060 "
                        "is this server itself"),
            std::string::npos)
      << output;
}

TEST_F(TandemctlWhereTest, CheckSaysTheStoreIsMissing) {
  std::string output;
  EXPECT_EQ(check(output), 1) << output;
  EXPECT_NE(output.find("server.toml: error: store "), std::string::npos) << output;
}

}  // namespace
}  // namespace tandem::test
