// tandemctl's pool commands as a process, against a real SQLite store named by
// a temporary server file: what they print, what they refuse (one line on
// stderr, exit 1; exit 2 for usage) and that a refused command changes nothing.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "harness.h"

namespace tandem::test {
namespace {

const std::string kTandemctl = TANDEMCTL_PATH;
const std::string kSourceDir = TANDEM_SOURCE_DIR;

struct Outcome {
  int status = -1;
  std::string out;
  std::string err;
};

int lines(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

class TandemctlPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directory(dir_.path() / "var");
    writeServerFile("sqlite:var/pool.db");
  }

  void writeServerFile(const std::string& store) {
    dir_.write("server.toml", "[server]\nfqdn = \"lcs1.example.com\"\nstore = \"" + store +
                                  "\"\n\n[[connections]]\naddress = \"127.0.0.1\"\ntransport = \"tcp\"\nport = 5060\n");
  }

  // tandemctl --config server.toml ARGS, run in the temporary folder.
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

  // A command that must succeed; returns its stdout.
  std::string ok(const std::vector<std::string>& args) {
    const Outcome outcome = ctl(args);
    EXPECT_EQ(outcome.status, 0) << outcome.err;
    EXPECT_EQ(outcome.err, "");
    return outcome.out;
  }

  // A command that must be refused with one line on stderr and nothing on
  // stdout; returns that line without "tandemctl: " and the newline.
  std::string refused(const std::vector<std::string>& args, int status = 1) {
    const Outcome outcome = ctl(args);
    EXPECT_EQ(outcome.status, status) << outcome.out << outcome.err;
    EXPECT_EQ(outcome.out, "");
    EXPECT_EQ(lines(outcome.err), 1) << outcome.err;
    EXPECT_EQ(outcome.err.rfind("tandemctl: ", 0), 0u) << outcome.err;
    return outcome.err.size() > 12 ? outcome.err.substr(11, outcome.err.size() - 12) : outcome.err;
  }

  std::string write(const std::string& name, const std::string& text) { return dir_.write(name, text).string(); }

  TempDir dir_;
};

const std::string kPool = R"(domains = ["example.com"]

[[routes]]
user = "*"
domain = "example.com"
next_hop = "127.0.0.2"
transport = "tcp"
port = 5060

[[authorized_hosts]]
host = "127.0.0.2"
throttle_as_server = true
treat_as_authenticated = true

[[users]]
uri = "sip:alice@example.com"
password = "alice-secret"
)";

TEST_F(TandemctlPoolTest, RouteAddListRemoveRoundTrip) {
  EXPECT_EQ(ok({"route", "list"}), "#  USER  DOMAIN  PHONE-URI  NEXT-HOP  TRANSPORT  PORT  REPLACE-HOST\n");
  EXPECT_EQ(ok({"route", "add", "--user", "*", "--domain", "example.com", "--next-hop", "10.0.0.5", "--transport",
                "tcp", "--port", "5060"}),
            "route added: *@example.com -> tcp 10.0.0.5:5060\n");
  EXPECT_EQ(ok({"route", "add", "--user", "*", "--domain", "example.com", "--next-hop", "gw.example.net", "--transport",
                "tls", "--phone-uri", "--replace-host"}),
            "route added: *@example.com [phone-uri] -> tls gw.example.net (SRV) [replace-host]\n");
  EXPECT_EQ(ok({"route", "list"}),
            "#  USER  DOMAIN       PHONE-URI  NEXT-HOP        TRANSPORT  PORT        REPLACE-HOST\n"
            "1  *     example.com  no         10.0.0.5        tcp        5060        no\n"
            "2  *     example.com  yes        gw.example.net  tls        SRV (5061)  yes\n");
  EXPECT_EQ(ok({"route", "remove", "--user", "*", "--domain", "example.com"}),
            "route removed: *@example.com -> tcp 10.0.0.5:5060\n");
  EXPECT_EQ(ok({"route", "remove", "--user", "*", "--domain", "example.com", "--phone-uri"}),
            "route removed: *@example.com [phone-uri] -> tls gw.example.net (SRV) [replace-host]\n");
  EXPECT_EQ(ok({"route", "list"}), "#  USER  DOMAIN  PHONE-URI  NEXT-HOP  TRANSPORT  PORT  REPLACE-HOST\n");
  EXPECT_EQ(refused({"route", "remove", "--user", "*", "--domain", "example.com"}), "no route *@example.com");
}

TEST_F(TandemctlPoolTest, DuplicateRouteIsRefused) {
  const std::vector<std::string> add = {"route",       "add",        "--user",   "*",           "--domain",
                                        "example.com", "--next-hop", "10.0.0.5", "--transport", "tcp"};
  ok(add);
  std::vector<std::string> again = add;
  again[7] = "10.0.0.6";
  EXPECT_EQ(refused(again),
            "a route with the same matching key (user, domain, phone_uri) exists: *@example.com -> tcp 10.0.0.5:5060");
  EXPECT_EQ(lines(ok({"route", "list"})), 2);
}

TEST_F(TandemctlPoolTest, ApplyPrintsTheChangesThenNoChanges) {
  const std::string pool = write("pool.toml", kPool);
  EXPECT_EQ(ok({"pool", "apply", pool}),
            "domain added: example.com\n"
            "route added: *@example.com -> tcp 127.0.0.2:5060\n"
            "host added: 127.0.0.2 [throttle-as-server, treat-as-authenticated]\n"
            "user added: sip:alice@example.com\n");
  EXPECT_EQ(ok({"pool", "apply", pool}), "no changes\n");
  // The repository's example applies too.
  EXPECT_EQ(ok({"pool", "apply", kSourceDir + "/examples/pool.toml"}), "user added: sip:bob@example.com\n");
}

TEST_F(TandemctlPoolTest, ExportThenApplyChangesNothing) {
  ok({"pool", "apply", write("pool.toml", kPool)});
  ok({"user", "add", "sip:carol@example.com", "--password", "c"});
  ok({"user", "disable", "sip:carol@example.com"});
  const std::string exported = ok({"pool", "export"});
  EXPECT_EQ(exported.find("alice-secret"), std::string::npos);
  EXPECT_NE(exported.find("uri = \"sip:carol@example.com\"\nenabled = false\n"), std::string::npos) << exported;
  EXPECT_EQ(ok({"pool", "apply", write("exported.toml", exported)}), "no changes\n");
  EXPECT_EQ(ok({"pool", "export"}), exported);
}

TEST_F(TandemctlPoolTest, ABrokenPoolFileChangesNothingAndNamesTheFault) {
  ok({"pool", "apply", write("pool.toml", kPool)});
  const std::string before = ok({"pool", "export"});

  std::string broken = kPool;
  broken.replace(broken.find("transport = \"tcp\""), 17, "transport = \"sctp\"");
  const std::string file = write("broken.toml", broken);
  EXPECT_EQ(refused({"pool", "apply", file}), file + ":7: routes[1].transport: expected tcp, tls or udp, got 'sctp'");

  const std::string unknown = write("unknown.toml", kPool + "\n[presence]\nauthorise = \"all\"\n");
  EXPECT_EQ(refused({"pool", "apply", unknown}),
            unknown + ":20: presence.authorise: unknown key (known here: authorize)");

  const std::string no_password = write("new-user.toml", kPool + "\n[[users]]\nuri = \"sip:dave@example.com\"\n");
  EXPECT_EQ(refused({"pool", "apply", no_password}),
            no_password + ":19: users[2].password: required: sip:dave@example.com is a new user");

  // Valid as a file, refused by the store: a domain that still has users.
  const std::string other_domain = write("other.toml", "domains = [\"example.org\"]\n");
  EXPECT_EQ(refused({"pool", "apply", other_domain}),
            other_domain +
                ": not applied: domain example.com cannot be removed: 1 user(s) are homed there "
                "(sip:alice@example.com); remove them first (tandemctl user remove)");

  EXPECT_EQ(ok({"pool", "export"}), before);
}

TEST_F(TandemctlPoolTest, HostsDomainsAndUsers) {
  EXPECT_EQ(ok({"host", "add", "10.0.0.5", "--throttle-as-server", "--treat-as-authenticated"}),
            "host added: 10.0.0.5 [throttle-as-server, treat-as-authenticated]\n");
  EXPECT_EQ(ok({"host", "add", "CUP1.example.com", "--outbound-only"}),
            "host added: cup1.example.com [outbound-only]\n");
  EXPECT_EQ(ok({"host", "list"}),
            "HOST              OUTBOUND-ONLY  THROTTLE-AS-SERVER  TREAT-AS-AUTHENTICATED\n"
            "10.0.0.5          no             yes                 yes\n"
            "cup1.example.com  yes            no                  no\n");
  EXPECT_EQ(refused({"host", "add", "10.0.0.5"}),
            "host 10.0.0.5 is already authorized (remove it first to change its flags)");
  EXPECT_NE(refused({"host", "add", "239.1.1.1"}).find("cannot be an authorized host"), std::string::npos);
  EXPECT_EQ(ok({"host", "remove", "10.0.0.5"}),
            "host removed: 10.0.0.5 [throttle-as-server, treat-as-authenticated]\n");
  EXPECT_EQ(refused({"host", "remove", "10.0.0.5"}), "host 10.0.0.5 is not an authorized host");

  EXPECT_EQ(refused({"user", "add", "sip:alice@example.com", "--password", "pw"}),
            "example.com is not one of the pool's domains (add it first: domain add example.com)");
  EXPECT_EQ(ok({"domain", "add", "example.com"}), "domain added: example.com\n");
  EXPECT_EQ(ok({"domain", "list"}), "example.com\n");
  EXPECT_EQ(ok({"user", "add", "sip:alice@example.com", "--password", "pw"}), "user added: sip:alice@example.com\n");
  EXPECT_EQ(refused({"user", "add", "sip:alice@example.com", "--password", "pw"}),
            "user sip:alice@example.com already exists");
  EXPECT_EQ(ok({"user", "disable", "sip:alice@example.com"}), "user disabled: sip:alice@example.com\n");
  EXPECT_EQ(ok({"user", "list"}), "URI                    ENABLED\nsip:alice@example.com  no\n");
  EXPECT_EQ(ok({"user", "show", "sip:alice@example.com"}),
            "uri:      sip:alice@example.com\nuser:     alice\ndomain:   example.com (digest realm)\nenabled:  no\n"
            "password: set (MD5 and SHA-256 digest hashes)\n");
  EXPECT_EQ(ok({"user", "enable", "sip:alice@example.com"}), "user enabled: sip:alice@example.com\n");
  EXPECT_EQ(ok({"user", "enable", "sip:alice@example.com"}), "no changes\n");
  EXPECT_EQ(refused({"domain", "remove", "example.com"}),
            "domain example.com cannot be removed: 1 user(s) are homed there (sip:alice@example.com); remove them "
            "first");
  EXPECT_EQ(ok({"user", "remove", "sip:alice@example.com"}), "user removed: sip:alice@example.com\n");
  EXPECT_EQ(refused({"user", "show", "sip:alice@example.com"}), "no user sip:alice@example.com");
  EXPECT_EQ(ok({"domain", "remove", "example.com"}), "domain removed: example.com\n");
}

TEST_F(TandemctlPoolTest, UsageErrorsExitTwo) {
  EXPECT_NE(refused({"user", "add", "tel:+15551234", "--password", "x"}, 2).find("is not a user's SIP URI"),
            std::string::npos);
  EXPECT_NE(refused({"user", "add", "sip:alice@example.com"}, 2).find("--password"), std::string::npos);
  EXPECT_NE(refused({"domain", "add", "10.0.0.1"}, 2).find("not an IP address"), std::string::npos);
  EXPECT_NE(refused({"route", "add", "--user", "*", "--domain", "example.com", "--next-hop", "10.0.0.5", "--transport",
                     "tcp", "--port", "0"},
                    2)
                .find("--port"),
            std::string::npos);
  EXPECT_NE(refused({"pool", "apply", "missing.toml"}, 2).find("missing.toml"), std::string::npos);
}

TEST_F(TandemctlPoolTest, StoreProblemsAreOneLine) {
  writeServerFile("sqlite:nowhere/pool.db");
  EXPECT_EQ(refused({"route", "list"}), "store " + (dir_.path() / "nowhere/pool.db").string() + ": the folder " +
                                            (dir_.path() / "nowhere").string() + " does not exist (create it first)");
  writeServerFile("postgresql://tandem@db.example.com/pool1");
  EXPECT_EQ(refused({"route", "list"}),
            "PostgreSQL pools arrive with the Enterprise Edition issue; use store = \"sqlite:PATH\" for now");
  writeServerFile("sqlite:var/pool.db");
  write("var/pool.db", std::string(200, 'x'));
  EXPECT_NE(refused({"domain", "list"}).find("file is not a database"), std::string::npos);
}

// Several tandemctl at once (and, likewise, tandemctl beside a running
// tandemd): writers wait for each other instead of failing.
TEST_F(TandemctlPoolTest, ConcurrentWritersAllSucceed) {
  ok({"domain", "list"});  // create the store first
  constexpr int kWriters = 8;
  std::vector<std::unique_ptr<Process>> writers;
  for (int i = 0; i < kWriters; ++i) {
    const std::string n = std::to_string(i);
    writers.push_back(std::make_unique<Process>(
        std::vector<std::string>{kTandemctl, "--config", "server.toml", "route", "add", "--user", "user" + n,
                                 "--domain", "example.com", "--next-hop", "10.0.0." + n, "--transport", "udp"},
        dir_.path(), dir_.path() / (".out" + n), dir_.path() / (".err" + n)));
  }
  for (int i = 0; i < kWriters; ++i) {
    EXPECT_EQ(writers[i]->wait(milliseconds(20000)), std::optional<int>(0))
        << readFile(dir_.path() / (".err" + std::to_string(i)));
  }
  EXPECT_EQ(lines(ok({"route", "list"})), kWriters + 1);
}

}  // namespace
}  // namespace tandem::test
