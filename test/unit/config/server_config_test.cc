#include "config/server_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

namespace tandem::config {
namespace {

constexpr std::string_view kMinimal = R"(
[server]
fqdn = "lcs1.example.com"

[[connections]]
address = "*"
transport = "tcp"
port = 5060
)";

const std::filesystem::path kFile = "/etc/tandem/server.toml";

CheckResult check(std::string_view text) { return checkServerText(text, kFile); }

// The single error of `text`, as printed.
std::string onlyError(std::string_view text) {
  const CheckResult result = check(text);
  std::string errors;
  int count = 0;
  for (const Finding& finding : result.findings) {
    if (finding.isError()) {
      errors += finding.toString();
      ++count;
    }
  }
  EXPECT_EQ(count, 1) << errors;
  return errors;
}

std::string with(std::string_view extra) { return std::string(kMinimal) + std::string(extra); }

TEST(ServerConfigTest, MinimalFileGetsTheDefaults) {
  const CheckResult result = check(kMinimal);
  ASSERT_TRUE(result.findings.empty()) << result.findings.front().toString();
  const ServerConfig& config = result.config;
  EXPECT_EQ(config.fqdn, "lcs1.example.com");
  EXPECT_EQ(config.store.kind, Store::Kind::Sqlite);
  EXPECT_EQ(config.store.location, "/etc/tandem/var/tandem.db");
  ASSERT_TRUE(config.admin.has_value());
  EXPECT_EQ(config.admin->address, "127.0.0.1");
  EXPECT_EQ(config.admin->port, 8081);
  EXPECT_TRUE(config.pool_fqdn.empty());
  ASSERT_EQ(config.connections.size(), 1u);
  EXPECT_EQ(config.connections[0].address, "*");
  EXPECT_EQ(config.connections[0].transport, Transport::Tcp);
  EXPECT_EQ(config.connections[0].port, 5060);
  EXPECT_EQ(config.connections[0].line, 5);
  EXPECT_EQ(config.limits.max_message_size, 65536u);
  EXPECT_EQ(config.limits.tcp_idle_timeout, std::chrono::seconds(300));
  EXPECT_EQ(config.log_level, "info");
  EXPECT_FALSE(config.tls.fips);
}

TEST(ServerConfigTest, ReadsEveryKey) {
  const CheckResult result = check(R"(
[server]
fqdn = "lcs1.example.com"
store = "postgresql://tandem@db.example.com/pool1"
admin = "[::1]:9000"
pool_fqdn = "pool1.example.com"

[[connections]]
address = "127.0.0.2"
transport = "udp"
port = 5060

[[connections]]
address = "0:0::1"
transport = "tcp"
port = 5062

[tls]
fips = true

[limits]
max_message_size = 8192
tcp_idle_timeout = 30
tcp_max_connections = 10

[log]
level = "debug"
)");
  ASSERT_FALSE(result.hasErrors()) << result.firstError()->toString();
  const ServerConfig& config = result.config;
  EXPECT_EQ(config.store.kind, Store::Kind::Postgresql);
  EXPECT_EQ(config.store.location, "postgresql://tandem@db.example.com/pool1");
  EXPECT_EQ(config.admin->address, "::1");
  EXPECT_EQ(config.admin->port, 9000);
  EXPECT_EQ(config.pool_fqdn, "pool1.example.com");
  EXPECT_EQ(config.connections[0].address, "127.0.0.2");
  EXPECT_EQ(config.connections[1].address, "::1");  // canonical form
  EXPECT_TRUE(config.tls.fips);
  EXPECT_EQ(config.limits.max_message_size, 8192u);
  EXPECT_EQ(config.limits.tcp_idle_timeout, std::chrono::seconds(30));
  EXPECT_EQ(config.limits.tcp_max_connections, 10u);
  EXPECT_EQ(config.log_level, "debug");
}

TEST(ServerConfigTest, UnknownKeysAreErrorsNamingKeyAndLine) {
  EXPECT_EQ(onlyError("[server]\nfqdn = \"a.example.com\"\nfqnd = \"x\"\n[[connections]]\naddress = \"*\"\n"
                      "transport = \"udp\"\nport = 5060\n"),
            "/etc/tandem/server.toml:3: error: server.fqnd: unknown key (known here: fqdn, store, admin, pool_fqdn, "
            "workers)");
  EXPECT_NE(onlyError(with("[limit]\nx = 1\n")).find(":9: error: limit: unknown key"), std::string::npos);
  EXPECT_NE(onlyError(with("colour = 1\n")).find("connections[1].colour: unknown key"), std::string::npos);
}

TEST(ServerConfigTest, RelativePathsResolveAgainstTheServerFileFolder) {
  const CheckResult result = check(with("[tls]\ncertificate = \"pki/lcs1.crt\"\nprivate_key = \"/abs/lcs1.key\"\n"));
  EXPECT_EQ(result.config.tls.certificate, "/etc/tandem/pki/lcs1.crt");
  EXPECT_EQ(result.config.tls.private_key, "/abs/lcs1.key");
  // Given but missing, and not needed by any connection: warnings only.
  EXPECT_FALSE(result.hasErrors());
  EXPECT_EQ(result.findings.size(), 2u);
}

TEST(ServerConfigTest, AdminCanBeTurnedOff) {
  const CheckResult result = check("[server]\nfqdn = \"a.example.com\"\nadmin = \"\"\n" +
                                   std::string(kMinimal.substr(kMinimal.find("[[connections]]"))));
  ASSERT_FALSE(result.hasErrors());
  EXPECT_FALSE(result.config.admin.has_value());
}

TEST(ServerConfigTest, RefusesBadValuesWithTheirLine) {
  EXPECT_NE(onlyError(R"([server]
fqdn = 7
[[connections]]
address = "*"
transport = "tcp"
port = 5060
)")
                .find(":2: error: server.fqdn: must be a string, got integer"),
            std::string::npos);
  EXPECT_NE(onlyError(with("[[connections]]\naddress = \"127.0.0.1\"\ntransport = \"sctp\"\nport = 1\n"))
                .find(":11: error: connections[2].transport: expected one of udp, tcp, tls, mtls, got 'sctp'"),
            std::string::npos);
  EXPECT_NE(onlyError(with("[[connections]]\naddress = \"127.0.0.1\"\ntransport = \"udp\"\nport = 70000\n"))
                .find(":12: error: connections[2].port: must be between 1 and 65535, got 70000"),
            std::string::npos);
  EXPECT_NE(onlyError(with("[[connections]]\naddress = \"[::1]\"\ntransport = \"udp\"\nport = 1\n"))
                .find("connections[2].address: expected \"*\" or an IPv4/IPv6 literal"),
            std::string::npos);
  EXPECT_NE(onlyError(with("[log]\nlevel = \"loud\"\n")).find("log.level: expected one of"), std::string::npos);
  EXPECT_NE(onlyError(with("[limits]\ntcp_idle_timeout = 0\n")).find("limits.tcp_idle_timeout: must be between"),
            std::string::npos);
}

TEST(ServerConfigTest, RequiresFqdnAndAConnection) {
  EXPECT_NE(onlyError("[server]\nfqdn = \"a.example.com\"\n").find("connections: at least one"), std::string::npos);
  EXPECT_NE(onlyError(R"([server]
store = "sqlite:x.db"
[[connections]]
address = "*"
transport = "tcp"
port = 5060
)")
                .find(":1: error: server.fqdn: required"),
            std::string::npos);
}

TEST(ServerConfigTest, OverlappingConnectionsAreRefused) {
  // "*" covers 127.0.0.1; tls is TCP too.
  EXPECT_NE(onlyError(with("[[connections]]\naddress = \"127.0.0.1\"\ntransport = \"tcp\"\nport = 5060\n"))
                .find("connections[2]: uses the same socket as connections[1]"),
            std::string::npos);
  // UDP and TCP on one port, and two loopback addresses, are fine.
  const CheckResult result = check(with(R"(
[[connections]]
address = "*"
transport = "udp"
port = 5060
[[connections]]
address = "127.0.0.2"
transport = "udp"
port = 5070
[[connections]]
address = "127.0.0.3"
transport = "udp"
port = 5070
)"));
  EXPECT_FALSE(result.hasErrors()) << result.firstError()->toString();
}

TEST(ServerConfigTest, TlsConnectionsNeedTheirFilesAndWarnTheyCannotOpenYet) {
  const CheckResult result = check(with("[[connections]]\naddress = \"*\"\ntransport = \"mtls\"\nport = 5061\n"));
  ASSERT_TRUE(result.hasErrors());
  std::string all;
  for (const Finding& finding : result.findings) {
    all += finding.toString() + "\n";
  }
  EXPECT_NE(all.find("warning: connections[2]: mtls transport arrives with the TLS issue"), std::string::npos) << all;
  EXPECT_NE(all.find("error: tls.certificate: required by the tls/mtls connections"), std::string::npos) << all;
  EXPECT_NE(all.find("error: tls.trusted_roots: required by the mtls connections"), std::string::npos) << all;
}

TEST(ServerConfigTest, SyntaxErrorsHaveALine) {
  EXPECT_NE(onlyError("[server]\nfqdn = \"a\n").find("server.toml:2: error: TOML syntax:"), std::string::npos);
}

TEST(ServerConfigTest, LoadGivesTheFirstErrorAsOneLine) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "tandem_config_test";
  std::filesystem::create_directories(dir);
  const std::filesystem::path file = dir / "server.toml";
  std::ofstream(file) << with("[log]\nlevel = 3\n");
  const auto loaded = loadServerFile(file);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error(), file.string() + ":10: log.level: must be a string, got integer");

  std::ofstream(file, std::ios::trunc) << kMinimal;
  const auto good = loadServerFile(file);
  ASSERT_TRUE(good.ok()) << good.error();
  EXPECT_EQ(good->file, file);
  EXPECT_EQ(good->store.location, (dir / "var/tandem.db").string());
  std::filesystem::remove_all(dir);

  const auto missing = loadServerFile(dir / "none.toml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("cannot read the server file"), std::string::npos);
}

TEST(HostNameTest, Syntax) {
  EXPECT_TRUE(isHostName("lcs1.example.com"));
  EXPECT_TRUE(isHostName("a-b.c"));
  EXPECT_FALSE(isHostName(""));
  EXPECT_FALSE(isHostName("-a.com"));
  EXPECT_FALSE(isHostName("a..com"));
  EXPECT_FALSE(isHostName("a_b.com"));
  EXPECT_TRUE(isIpLiteral("127.0.0.9"));
  EXPECT_TRUE(isIpLiteral("2001:db8::1"));
  EXPECT_FALSE(isIpLiteral("example.com"));
}

}  // namespace
}  // namespace tandem::config

namespace tandem::config {
namespace {

TEST(ServerConfigTimersTest, DefaultsAreRfc3261s) {
  const CheckResult result = checkServerText(R"(
[server]
fqdn = "lcs1.example.com"
[[connections]]
address = "*"
transport = "udp"
port = 5060
)",
                                             "/etc/tandem/server.toml");
  ASSERT_TRUE(result.findings.empty());
  EXPECT_EQ(result.config.timers.t1.count(), 500);
  EXPECT_EQ(result.config.timers.t2.count(), 4000);
  EXPECT_EQ(result.config.timers.t4.count(), 5000);
  EXPECT_EQ(result.config.workers, 0u);
}

TEST(ServerConfigTimersTest, TimersAndWorkersAreRead) {
  const CheckResult result = checkServerText(R"(
[server]
fqdn = "lcs1.example.com"
workers = 3
[[connections]]
address = "*"
transport = "udp"
port = 5060
[timers]
t1 = 250
t2 = 2000
t4 = 3000
)",
                                             "/etc/tandem/server.toml");
  ASSERT_TRUE(result.findings.empty()) << result.findings.front().toString();
  EXPECT_EQ(result.config.timers.t1.count(), 250);
  EXPECT_EQ(result.config.timers.t2.count(), 2000);
  EXPECT_EQ(result.config.timers.t4.count(), 3000);
  EXPECT_EQ(result.config.workers, 3u);
}

TEST(ServerConfigTimersTest, T2ShorterThanT1IsAnErrorNamingTheKey) {
  const CheckResult result = checkServerText(R"(
[server]
fqdn = "lcs1.example.com"
[[connections]]
address = "*"
transport = "udp"
port = 5060
[timers]
t1 = 2000
t2 = 1000
)",
                                             "/etc/tandem/server.toml");
  ASSERT_TRUE(result.hasErrors());
  EXPECT_NE(result.findings.front().toString().find("timers.t2"), std::string::npos)
      << result.findings.front().toString();
}

TEST(ServerConfigTimersTest, TimerCShorterThanThreeMinutesIsAWarningNotAnError) {
  const CheckResult result = checkServerText(R"(
[server]
fqdn = "lcs1.example.com"
[[connections]]
address = "*"
transport = "udp"
port = 5060
[timers]
c = 3000
)",
                                             "/etc/tandem/server.toml");
  ASSERT_FALSE(result.hasErrors());
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_NE(result.findings.front().toString().find("timers.c"), std::string::npos);
  EXPECT_EQ(result.config.timers.c.count(), 3000);
}

TEST(ServerConfigUserServicesTest, RegistrarAndAuthKeysAreReadAndChecked) {
  const CheckResult result = checkServerText(R"(
[server]
fqdn = "lcs1.example.com"
[[connections]]
address = "*"
transport = "udp"
port = 5060
[limits]
max_im_body = 1000
[registrar]
min_expires = 30
max_expires = 7200
default_expires = 600
max_contacts = 4
[auth]
algorithms = ["MD5", "SHA-256"]
nonce_lifetime = 60
failure_limit = 5
failure_window = 30
)",
                                             "/etc/tandem/server.toml");
  ASSERT_TRUE(result.findings.empty()) << result.findings.front().toString();
  EXPECT_EQ(result.config.limits.max_im_body, 1000u);
  EXPECT_EQ(result.config.registrar.min_expires, 30u);
  EXPECT_EQ(result.config.registrar.max_expires, 7200u);
  EXPECT_EQ(result.config.registrar.default_expires, 600u);
  EXPECT_EQ(result.config.registrar.max_contacts, 4u);
  EXPECT_EQ(result.config.auth.algorithms, (std::vector<std::string>{"MD5", "SHA-256"}));
  EXPECT_EQ(result.config.auth.nonce_lifetime.count(), 60);
  EXPECT_EQ(result.config.auth.failure_limit, 5u);

  const CheckResult bad = checkServerText(R"(
[server]
fqdn = "lcs1.example.com"
[[connections]]
address = "*"
transport = "udp"
port = 5060
[auth]
algorithms = ["SHA-512"]
)",
                                          "/etc/tandem/server.toml");
  ASSERT_TRUE(bad.hasErrors());
  EXPECT_NE(bad.findings.front().toString().find("auth.algorithms"), std::string::npos)
      << bad.findings.front().toString();
}

}  // namespace
}  // namespace tandem::config

namespace tandem::config {
namespace {

constexpr std::string_view kDnsBase = R"([server]
fqdn = "lcs1.example.com"
[[connections]]
address = "*"
transport = "udp"
port = 5060
)";

CheckResult checkDns(std::string_view dns) {
  return checkServerText(std::string(kDnsBase) + std::string(dns), "/etc/tandem/server.toml");
}

// The errors of a check, one per line.
std::string errorsOf(const CheckResult& result) {
  std::string out;
  for (const Finding& finding : result.findings) {
    if (finding.isError()) {
      out += finding.toString() + "\n";
    }
  }
  return out;
}

TEST(ServerConfigDnsTest, DefaultsWithoutTheSection) {
  const CheckResult result = checkDns("");
  ASSERT_TRUE(result.findings.empty()) << result.findings.front().toString();
  const DnsSettings& dns = result.config.dns;
  EXPECT_TRUE(dns.servers.empty());
  EXPECT_EQ(dns.timeout.count(), 2000);
  EXPECT_EQ(dns.tries, 2);
  EXPECT_EQ(dns.min_ttl.count(), 1);
  EXPECT_EQ(dns.max_ttl.count(), 3600);
  EXPECT_EQ(dns.negative_ttl.count(), 5);
  EXPECT_EQ(dns.stale.count(), 30);
}

TEST(ServerConfigDnsTest, ReadsEveryKey) {
  const CheckResult result = checkDns(R"([dns]
servers = ["10.0.0.53", "10.0.0.54:5353", "[2001:db8::53]:53", "2001:db8::54", "[::1]"]
timeout = 500
tries = 3
min_ttl = 10
max_ttl = 600
negative_ttl = 2
stale = 0
)");
  ASSERT_TRUE(result.findings.empty()) << result.findings.front().toString();
  const DnsSettings& dns = result.config.dns;
  EXPECT_EQ(dns.servers,
            (std::vector<std::string>{"10.0.0.53", "10.0.0.54:5353", "[2001:db8::53]:53", "2001:db8::54", "[::1]"}));
  EXPECT_EQ(dns.timeout.count(), 500);
  EXPECT_EQ(dns.tries, 3);
  EXPECT_EQ(dns.min_ttl.count(), 10);
  EXPECT_EQ(dns.max_ttl.count(), 600);
  EXPECT_EQ(dns.negative_ttl.count(), 2);
  EXPECT_EQ(dns.stale.count(), 0);
}

TEST(ServerConfigDnsTest, UnknownKeyIsRefusedWithNameAndLine) {
  EXPECT_EQ(errorsOf(checkDns("[dns]\ntimeout = 500\nretries = 3\n")),
            "/etc/tandem/server.toml:9: error: dns.retries: unknown key (known here: servers, timeout, tries, "
            "min_ttl, max_ttl, negative_ttl, stale)\n");
}

TEST(ServerConfigDnsTest, BadServersAreRefusedOneByOne) {
  EXPECT_EQ(errorsOf(checkDns("[dns]\nservers = [\"10.0.0.1\", \"ns1.example.com\", 53, \"10.0.0.1:0\","
                              " \"::1:53x\", \"[10.0.0.1]:53\", \"[::1]53\"]\n")),
            "/etc/tandem/server.toml:8: error: dns.servers[2]: expected \"<ip>\", \"<ip>:<port>\" or "
            "\"[<IPv6>]:<port>\", got 'ns1.example.com'\n"
            "/etc/tandem/server.toml:8: error: dns.servers[3]: must be a string, got integer\n"
            "/etc/tandem/server.toml:8: error: dns.servers[4]: expected \"<ip>\", \"<ip>:<port>\" or "
            "\"[<IPv6>]:<port>\", got '10.0.0.1:0'\n"
            "/etc/tandem/server.toml:8: error: dns.servers[5]: expected \"<ip>\", \"<ip>:<port>\" or "
            "\"[<IPv6>]:<port>\", got '::1:53x'\n"
            "/etc/tandem/server.toml:8: error: dns.servers[6]: expected \"<ip>\", \"<ip>:<port>\" or "
            "\"[<IPv6>]:<port>\", got '[10.0.0.1]:53'\n"
            "/etc/tandem/server.toml:8: error: dns.servers[7]: expected \"<ip>\", \"<ip>:<port>\" or "
            "\"[<IPv6>]:<port>\", got '[::1]53'\n");
  EXPECT_NE(errorsOf(checkDns("[dns]\nservers = \"10.0.0.1\"\n"))
                .find(":8: error: dns.servers: must be an array of strings, got string"),
            std::string::npos);
}

TEST(ServerConfigDnsTest, BoundsAreChecked) {
  EXPECT_NE(errorsOf(checkDns("[dns]\ntimeout = 10\n")).find(":8: error: dns.timeout: must be between 100 and 60000"),
            std::string::npos);
  EXPECT_NE(errorsOf(checkDns("[dns]\ntries = 0\n")).find("dns.tries: must be between 1 and 10, got 0"),
            std::string::npos);
  EXPECT_NE(errorsOf(checkDns("[dns]\nmin_ttl = 0\n")).find("dns.min_ttl: must be between 1 and 3600, got 0"),
            std::string::npos);
  EXPECT_NE(errorsOf(checkDns("[dns]\nnegative_ttl = 0\n")).find("dns.negative_ttl: must be between 1 and 3600"),
            std::string::npos);
  EXPECT_NE(errorsOf(checkDns("[dns]\nstale = -1\n")).find("dns.stale: must be between 0 and 86400"),
            std::string::npos);
  EXPECT_NE(errorsOf(checkDns("[dns]\ntimeout = \"2s\"\n")).find("dns.timeout: must be an integer, got string"),
            std::string::npos);
  EXPECT_EQ(errorsOf(checkDns("[dns]\nmin_ttl = 60\nmax_ttl = 30\n")),
            "/etc/tandem/server.toml:9: error: dns.max_ttl: must not be shorter than dns.min_ttl\n");
  EXPECT_EQ(errorsOf(checkServerText("dns = 1\n" + std::string(kDnsBase), "/etc/tandem/server.toml")),
            "/etc/tandem/server.toml:1: error: dns: must be a table ([dns]), got integer\n");
}

}  // namespace
}  // namespace tandem::config
