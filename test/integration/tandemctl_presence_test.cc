// `tandemctl presence` as a process, against a real SQLite store named by a
// temporary server file: rules (allow / block / remove, pool apply and
// export), pending watchers and publications (written into the store as the
// presence agent would, through the store library), and what is refused
// (one line on stderr; exit 1 for refused input, 2 for usage).

#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "harness.h"
#include "store/sqlite_store.h"

namespace tandem::test {
namespace {

const std::string kTandemctl = TANDEMCTL_PATH;

struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
};

int lines(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

class TandemctlPresenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directory(dir_.path() / "var");
    dir_.write("server.toml",
               "[server]\nfqdn = \"lcs1.example.com\"\nstore = \"sqlite:var/pool.db\"\nadmin = \"\"\n\n"
               "[[connections]]\naddress = \"127.0.0.1\"\ntransport = \"tcp\"\nport = 5060\n");
    ok({"domain", "add", "example.com"});
    ok({"user", "add", "sip:alice@example.com", "--password", "a"});
    ok({"user", "add", "sip:bob@example.com", "--password", "b"});
  }

  Outcome ctl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {kTandemctl, "--config", "server.toml"};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::filesystem::path out = dir_.path() / ".out";
    const std::filesystem::path err = dir_.path() / ".err";
    Outcome outcome;
    {
      Process process(argv, dir_.path(), out, err);
      outcome.status = process.wait(milliseconds(20000)).value_or(-1);
    }
    outcome.out = readFile(out);
    outcome.err = readFile(err);
    return outcome;
  }

  std::string ok(const std::vector<std::string>& args) {
    const Outcome outcome = ctl(args);
    EXPECT_EQ(outcome.status, 0) << outcome.err;
    EXPECT_EQ(outcome.err, "");
    return outcome.out;
  }

  // One line on stderr, nothing on stdout; returns the line without
  // "tandemctl: " and the newline.
  std::string refused(const std::vector<std::string>& args, int status = 1) {
    const Outcome outcome = ctl(args);
    EXPECT_EQ(outcome.status, status) << outcome.out << outcome.err;
    EXPECT_EQ(outcome.out, "");
    EXPECT_EQ(lines(outcome.err), 1) << outcome.err;
    EXPECT_EQ(outcome.err.rfind("tandemctl: ", 0), 0u) << outcome.err;
    return outcome.err.size() > 12 ? outcome.err.substr(11, outcome.err.size() - 12) : outcome.err;
  }

  // Writes presence state as the presence agent does.
  void seed(const std::vector<store::PresenceChange>& changes) {
    auto store = store::SqliteStore::open(dir_.path() / "var" / "pool.db");
    ASSERT_TRUE(store.ok()) << store.error();
    store::StoreStatus written = (*store)->writePresence(changes);
    ASSERT_TRUE(written.ok()) << written.error();
  }

  static store::PresenceChange pending(std::string owner, std::string watcher, int64_t since) {
    return {store::PresenceChange::Kind::PutPending, {}, {}, {std::move(owner), std::move(watcher), since}};
  }

  TempDir dir_;
};

TEST_F(TandemctlPresenceTest, AllowBlockRemove) {
  EXPECT_EQ(ok({"presence", "allow", "sip:bob@example.com", "sip:alice@Example.ORG"}),
            "presence rule added: sip:bob@example.com allow sip:alice@example.org\n");
  EXPECT_EQ(ok({"presence", "allow", "sip:bob@example.com", "sip:alice@example.org"}), "no changes\n");
  EXPECT_EQ(ok({"presence", "block", "sip:bob@example.com", "Example.NET"}),
            "presence rule added: sip:bob@example.com block example.net\n");
  EXPECT_EQ(ok({"presence", "block", "sip:bob@example.com", "sip:alice@example.org", "--reject"}),
            "presence rule changed: sip:bob@example.com reject sip:alice@example.org (was allow)\n");
  EXPECT_EQ(ok({"presence", "block", "sip:bob@example.com", "example.net"}), "no changes\n");
  EXPECT_EQ(ok({"presence", "allow", "sip:alice@example.com", "sip:bob@example.com"}),
            "presence rule added: sip:alice@example.com allow sip:bob@example.com\n");

  const std::string exported = ok({"pool", "export"});
  EXPECT_NE(exported.find("\n[[presence_rules]]\nowner = \"sip:bob@example.com\"\nwatcher = \"example.net\"\n"
                          "decision = \"block\"\n"),
            std::string::npos)
      << exported;

  EXPECT_EQ(ok({"presence", "remove", "sip:bob@example.com", "sip:alice@example.org"}),
            "presence rule removed: sip:bob@example.com reject sip:alice@example.org\n");
  EXPECT_EQ(refused({"presence", "remove", "sip:bob@example.com", "sip:alice@example.org"}),
            "no presence rule of sip:bob@example.com for sip:alice@example.org");

  // Removing a user removes its rules.
  ok({"user", "remove", "sip:bob@example.com"});
  EXPECT_EQ(ok({"pool", "export"}).find("sip:bob@example.com\"\nwatcher"), std::string::npos);
}

TEST_F(TandemctlPresenceTest, BadInputIsRefusedWithOneLine) {
  EXPECT_EQ(refused({"presence", "allow", "sip:carol@example.com", "example.org"}),
            "no user sip:carol@example.com (presence rules belong to users homed here)");
  EXPECT_EQ(refused({"presence", "block", "sip:bob@example.com", "sip:bob@EXAMPLE.com"}),
            "presence rule watcher: sip:bob@example.com is the owner (a user always sees their own presence)");
  EXPECT_EQ(refused({"presence", "show", "sip:carol@example.com"}), "no user sip:carol@example.com");
  EXPECT_EQ(refused({"presence", "pending", "sip:carol@example.com"}), "no user sip:carol@example.com");
  // Usage: malformed owner or watcher, missing arguments, unknown subcommand.
  EXPECT_NE(refused({"presence", "allow", "bob@example.com", "example.org"}, 2).find("bob@example.com"),
            std::string::npos);
  EXPECT_NE(refused({"presence", "allow", "sip:bob@example.com", "alice@example.org"}, 2).find("alice@example.org"),
            std::string::npos);
  EXPECT_NE(refused({"presence", "block", "sip:bob@example.com", "10.0.0.5"}, 2).find("10.0.0.5"), std::string::npos);
  refused({"presence", "allow", "sip:bob@example.com"}, 2);
  refused({"presence", "show"}, 2);
  refused({"presence", "pending", "bob"}, 2);
  refused({"presence"}, 2);
  refused({"presence", "deny", "sip:bob@example.com", "example.org"}, 2);
  refused({"presence", "allow", "sip:bob@example.com", "example.org", "--reject"}, 2);
  // Nothing was written by any of them.
  EXPECT_EQ(ok({"pool", "export"}).find("[[presence_rules]]"), std::string::npos);
  const std::string help = ctl({"--help"}).out;
  EXPECT_NE(help.find("presence"), std::string::npos) << help;
}

TEST_F(TandemctlPresenceTest, PendingWatchersAndTheRuleThatDecidesThem) {
  EXPECT_EQ(ok({"presence", "pending"}), "OWNER  WATCHER  SINCE\n");
  seed({pending("sip:bob@example.com", "sip:carol@example.org", 1700000000),
        pending("sip:bob@example.com", "sip:dave@example.org", 1700000060),
        pending("sip:alice@example.com", "sip:erin@example.net", 1700000120)});
  EXPECT_EQ(ok({"presence", "pending"}),
            "OWNER                  WATCHER                SINCE\n"
            "sip:alice@example.com  sip:erin@example.net   2023-11-14T22:15:20Z\n"
            "sip:bob@example.com    sip:carol@example.org  2023-11-14T22:13:20Z\n"
            "sip:bob@example.com    sip:dave@example.org   2023-11-14T22:14:20Z\n");
  EXPECT_EQ(ok({"presence", "pending", "sip:alice@example.com"}),
            "OWNER                  WATCHER               SINCE\n"
            "sip:alice@example.com  sip:erin@example.net  2023-11-14T22:15:20Z\n");
  // A decision for the domain decides both of bob's watchers there.
  ok({"presence", "block", "sip:bob@example.com", "example.org"});
  EXPECT_EQ(ok({"presence", "pending", "sip:bob@example.com"}), "OWNER  WATCHER  SINCE\n");
  EXPECT_EQ(lines(ok({"presence", "pending"})), 2);
}

TEST_F(TandemctlPresenceTest, ShowListsRulesPendingWatchersAndPublications) {
  ok({"presence", "allow", "sip:bob@example.com", "sip:alice@example.org"});
  ok({"presence", "block", "sip:bob@example.com", "example.net", "--reject"});
  ok({"presence", "allow", "sip:alice@example.com", "example.org"});  // alice's: not shown for bob
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  store::PresenceChange publication{store::PresenceChange::Kind::PutPublication, {}, {}, {}};
  publication.publication = {"sip:bob@example.com", "a1b2c3", now + 3600, "application/pidf+xml",
                             std::string(412, 'x')};
  store::PresenceChange expired = publication;
  expired.publication.etag = "old";
  expired.publication.expires_at = now - 10;
  seed({publication, expired, pending("sip:bob@example.com", "sip:carol@example.org", 1700000000)});

  const std::string shown = ok({"presence", "show", "sip:bob@EXAMPLE.com"});
  const std::regex expected(
      "owner:      sip:bob@example\\.com\n"
      "authorize:  ask \\(watchers without a rule wait for the owner's decision\\)\n"
      "rules:\n"
      "  WATCHER                DECISION\n"
      "  example\\.net            reject\n"
      "  sip:alice@example\\.org  allow\n"
      "pending watchers:\n"
      "  WATCHER                SINCE\n"
      "  sip:carol@example\\.org  2023-11-14T22:13:20Z\n"
      "publications:\n"
      "  ETAG    EXPIRES               EXPIRES-IN  CONTENT-TYPE          BYTES\n"
      "  a1b2c3  \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ  3[56]\\d\\ds +application/pidf\\+xml  412\n");
  EXPECT_TRUE(std::regex_match(shown, expected)) << shown;

  EXPECT_EQ(ok({"presence", "show", "sip:alice@example.com"}),
            "owner:      sip:alice@example.com\n"
            "authorize:  ask (watchers without a rule wait for the owner's decision)\n"
            "rules:\n"
            "  WATCHER      DECISION\n"
            "  example.org  allow\n"
            "pending watchers:\n"
            "  WATCHER  SINCE\n"
            "publications:\n"
            "  ETAG  EXPIRES  EXPIRES-IN  CONTENT-TYPE  BYTES\n");
}

TEST_F(TandemctlPresenceTest, PoolApplyCarriesTheRules) {
  const std::string pool = dir_.write("pool.toml", R"(domains = ["example.com"]

[[users]]
uri = "sip:carol@example.com"
password = "c"

[[presence_rules]]
owner = "sip:carol@example.com"
watcher = "example.org"
decision = "allow"

[[presence_rules]]
owner = "sip:bob@example.com"
watcher = "sip:carol@example.com"
decision = "block"

[presence]
authorize = "same-domain"
)")
                               .string();
  EXPECT_EQ(ok({"pool", "apply", pool}),
            "user added: sip:carol@example.com\n"
            "presence rule added: sip:carol@example.com allow example.org\n"
            "presence rule added: sip:bob@example.com block sip:carol@example.com\n"
            "presence.authorize changed: ask -> same-domain\n");
  EXPECT_EQ(ok({"pool", "apply", pool}), "no changes\n");
  // What export prints applies as no change.
  const std::string exported = dir_.write("exported.toml", ok({"pool", "export"})).string();
  EXPECT_EQ(ok({"pool", "apply", exported}), "no changes\n");
  EXPECT_NE(ok({"presence", "show", "sip:carol@example.com"})
                .find("authorize:  same-domain (watchers without a rule are allowed from the pool's domains, others "
                      "wait for the owner's decision)\n"),
            std::string::npos);

  // A rule whose owner is no user: refused with the file's name, nothing changes.
  const std::string bad = dir_.write("bad.toml", R"(domains = ["example.com"]

[[presence_rules]]
owner = "sip:zoe@example.com"
watcher = "example.org"
decision = "allow"
)")
                              .string();
  EXPECT_EQ(refused({"pool", "apply", bad}),
            bad +
                ": not applied: presence_rules[1]: owner: sip:zoe@example.com is not a user homed here (list it in "
                "[[users]] or add it first: tandemctl user add)");
  const std::string typo = dir_.write("typo.toml", R"(domains = ["example.com"]

[[presence_rules]]
owner = "sip:bob@example.com"
watcher = "example.org"
decision = "deny"
)")
                               .string();
  EXPECT_EQ(refused({"pool", "apply", typo}),
            typo + ":6: presence_rules[1].decision: expected allow, block or reject, got 'deny'");
  EXPECT_EQ(ok({"pool", "apply", pool}), "no changes\n");
}

}  // namespace
}  // namespace tandem::test
