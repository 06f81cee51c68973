#include "config/pool.h"

#include <gtest/gtest.h>

#include <string>

namespace tandem::config {
namespace {

// The brief's pool file, verbatim.
constexpr std::string_view kBriefFile = R"(domains = ["example.com"]

[[routes]]
user = "*"                  # "*" or a user part
domain = "example.com"
next_hop = "10.0.0.5"       # FQDN or IP
transport = "tcp"           # tcp | tls | udp
port = 5060
phone_uri = false           # true: match only phone URIs (user=phone / tel)
replace_host = false        # true: replace the Request-URI host with the next hop

[[authorized_hosts]]
host = "10.0.0.5"           # FQDN or IP
outbound_only = false
throttle_as_server = true
treat_as_authenticated = true

[[users]]
uri = "sip:alice@example.com"
password = "alice-secret"   # stored as digest hashes, never in clear

[presence]
authorize = "ask"           # ask (owner decides) | same-domain | all (the migration switch)
)";

Result<PoolSettings, std::string> parse(std::string_view text) { return parsePoolText(text, "pool.toml"); }

// The error of `text` (the test fails when it parses).
std::string errorOf(std::string_view text) {
  Result<PoolSettings, std::string> result = parse(text);
  EXPECT_FALSE(result.ok()) << text;
  return result ? std::string() : result.error();
}

TEST(PoolFileTest, ReadsTheBriefsFile) {
  Result<PoolSettings, std::string> result = parse(kBriefFile);
  ASSERT_TRUE(result.ok()) << result.error();
  const PoolSettings& pool = *result;
  EXPECT_EQ(pool.domains, std::vector<std::string>{"example.com"});
  ASSERT_EQ(pool.routes.size(), 1u);
  const Route& route = pool.routes[0];
  EXPECT_EQ(route.user, "*");
  EXPECT_EQ(route.domain, "example.com");
  EXPECT_EQ(route.next_hop, "10.0.0.5");
  EXPECT_EQ(route.transport, RouteTransport::Tcp);
  EXPECT_EQ(route.port, 5060);
  EXPECT_FALSE(route.phone_uri);
  EXPECT_FALSE(route.replace_host);
  EXPECT_EQ(route.line, 3);
  ASSERT_EQ(pool.authorized_hosts.size(), 1u);
  EXPECT_EQ(pool.authorized_hosts[0].host, "10.0.0.5");
  EXPECT_FALSE(pool.authorized_hosts[0].outbound_only);
  EXPECT_TRUE(pool.authorized_hosts[0].throttle_as_server);
  EXPECT_TRUE(pool.authorized_hosts[0].treat_as_authenticated);
  ASSERT_EQ(pool.users.size(), 1u);
  EXPECT_EQ(pool.users[0].uri, "sip:alice@example.com");
  EXPECT_EQ(pool.users[0].password, "alice-secret");
  EXPECT_FALSE(pool.users[0].enabled.has_value());
  EXPECT_EQ(pool.users[0].line, 18);
  EXPECT_EQ(pool.presence.authorize, PresenceAuthorize::Ask);
}

TEST(PoolFileTest, DefaultsAndCanonicalForms) {
  Result<PoolSettings, std::string> result = parse(R"(
domains = ["Example.COM", "example.org"]
[[routes]]
domain = "EXAMPLE.com"
next_hop = "GW.example.net"
transport = "tls"
[[routes]]
domain = "example.com"
next_hop = "0:0::5"
phone_uri = true
[[authorized_hosts]]
host = "Gw.Example.Net"
[[users]]
uri = "SIP:Alice@Example.Org"
enabled = false
[presence]
authorize = "same-domain"
)");
  ASSERT_TRUE(result.ok()) << result.error();
  const PoolSettings& pool = *result;
  EXPECT_EQ(pool.domains, (std::vector<std::string>{"example.com", "example.org"}));
  EXPECT_EQ(pool.routes[0].user, "*");
  EXPECT_EQ(pool.routes[0].domain, "example.com");
  EXPECT_EQ(pool.routes[0].next_hop, "gw.example.net");
  EXPECT_EQ(pool.routes[0].port, 5061);  // tls default
  EXPECT_EQ(pool.routes[1].transport, RouteTransport::Tcp);
  EXPECT_EQ(pool.routes[1].port, 5060);
  EXPECT_EQ(pool.routes[1].next_hop, "::5");
  EXPECT_TRUE(pool.routes[1].phone_uri);
  EXPECT_EQ(pool.authorized_hosts[0].host, "gw.example.net");
  EXPECT_FALSE(pool.authorized_hosts[0].outbound_only);
  EXPECT_TRUE(pool.authorized_hosts[0].throttle_as_server);
  EXPECT_TRUE(pool.authorized_hosts[0].treat_as_authenticated);
  EXPECT_EQ(pool.users[0].uri, "sip:Alice@example.org");  // user part keeps its case
  EXPECT_EQ(pool.users[0].enabled, std::optional<bool>(false));
  EXPECT_TRUE(pool.users[0].password.empty());
  EXPECT_EQ(pool.presence.authorize, PresenceAuthorize::SameDomain);
}

TEST(PoolFileTest, AnEmptyFileIsAnEmptyPool) {
  Result<PoolSettings, std::string> result = parse("");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, PoolSettings{});
}

TEST(PoolFileTest, ErrorsNameTheFileTheLineAndTheKey) {
  EXPECT_EQ(errorOf("domains = [\"example.com\"]\n[[routes]]\ndomain = \"example.com\"\nnext_hop = \"10.0.0.5\"\n"
                    "transport = \"sctp\"\n"),
            "pool.toml:5: routes[1].transport: expected tcp, tls or udp, got 'sctp'");
  EXPECT_EQ(errorOf("domains = [\"example.com\"]\ncolour = 1\n"),
            "pool.toml:2: colour: unknown key (known here: domains, routes, authorized_hosts, users, presence_rules, "
            "presence, throttling)");
  EXPECT_EQ(errorOf("[[routes]]\ndomain = \"example.com\"\nnext_hop = \"10.0.0.5\"\nnexthop = \"x\"\n"),
            "pool.toml:4: routes[1].nexthop: unknown key (known here: user, domain, next_hop, transport, port, "
            "phone_uri, replace_host)");
  EXPECT_EQ(errorOf("[[routes]]\ndomain = \"example.com\"\n"), "pool.toml:1: routes[1].next_hop: required");
  EXPECT_EQ(errorOf("[[routes]]\ndomain = \"example.com\"\nnext_hop = \"10.0.0.5\"\nport = 70000\n"),
            "pool.toml:4: routes[1].port: must be between 1 and 65535, got 70000");
  EXPECT_EQ(errorOf("[[routes]]\ndomain = \"example.com\"\nnext_hop = \"10.0.0.5\"\nport = 0\n"),
            "pool.toml:4: routes[1].port: must be between 1 and 65535, got 0");
  EXPECT_EQ(errorOf("[[routes]]\ndomain = \"example.com\"\nnext_hop = \"10.0.0.5\"\nphone_uri = \"no\"\n"),
            "pool.toml:4: routes[1].phone_uri: must be a boolean, got string");
  EXPECT_EQ(errorOf("domains = \"example.com\"\n"), "pool.toml:1: domains: must be an array of strings, got string");
  EXPECT_EQ(errorOf("routes = 1\n"), "pool.toml:1: routes: must be an array of tables ([[routes]])");
  EXPECT_EQ(errorOf("[presence]\nauthorize = \"everyone\"\n"),
            "pool.toml:2: presence.authorize: expected ask, same-domain or all, got 'everyone'");
  EXPECT_EQ(errorOf("domains = [\"example.com\"\n"),
            "pool.toml:1: TOML syntax: Error while parsing array: encountered end-of-file");
}

TEST(PoolFileTest, TheFirstErrorInFileOrderIsReported) {
  // The unknown table (line 5) is seen before the route (line 4) is read;
  // the route's error is reported because it comes first in the file.
  EXPECT_EQ(errorOf(R"([[routes]]
domain = "example.com"
next_hop = "10.0.0.5"
port = 0
[other]
x = 1
)"),
            "pool.toml:4: routes[1].port: must be between 1 and 65535, got 0");
}

TEST(PoolFileTest, RefusesBadDomains) {
  EXPECT_EQ(errorOf("domains = [\"example..com\"]\n"),
            "pool.toml:1: domains[1]: 'example..com' is not a domain name (letters, digits, '-' and '.')");
  EXPECT_EQ(errorOf("domains = [\"10.0.0.5\"]\n"),
            "pool.toml:1: domains[1]: a domain is a host name, not an IP address: '10.0.0.5'");
  EXPECT_EQ(errorOf("domains = [\"example.com\", \"EXAMPLE.com\"]\n"),
            "pool.toml:1: domains[2]: example.com is listed twice");
  EXPECT_EQ(errorOf("domains = [1]\n"), "pool.toml:1: domains[1]: must be a string, got integer");
}

TEST(PoolFileTest, RefusesTwoRoutesWithTheSameMatchingKey) {
  const std::string error = errorOf(R"(domains = ["example.com"]
[[routes]]
domain = "example.com"
next_hop = "10.0.0.5"
[[routes]]
user = "*"
domain = "Example.com"
next_hop = "10.0.0.6"
transport = "udp"
)");
  EXPECT_EQ(error,
            "pool.toml:5: routes[2]: two routes with the same matching key (user, domain, phone_uri): *@example.com "
            "is also routes[1] at line 2");
  // A different phone_uri or user makes another key.
  EXPECT_TRUE(parse(R"([[routes]]
domain = "example.com"
next_hop = "10.0.0.5"
[[routes]]
domain = "example.com"
next_hop = "10.0.0.6"
phone_uri = true
[[routes]]
user = "alice"
domain = "example.com"
next_hop = "10.0.0.7"
)")
                  .ok());
}

TEST(PoolFileTest, RefusesBadRouteValues) {
  EXPECT_EQ(errorOf("[[routes]]\nuser = \"al ice\"\ndomain = \"example.com\"\nnext_hop = \"10.0.0.5\"\n"),
            "pool.toml:2: routes[1].user: expected \"*\" or a user part: 'al ice' is not a user part (letters, "
            "digits and -_.!~*'()&=+$,)");
  EXPECT_EQ(errorOf("[[routes]]\ndomain = \"example.com\"\nnext_hop = \"[::1]\"\n"),
            "pool.toml:3: routes[1].next_hop: '[::1]' is not an FQDN or IP address (IPv6 without brackets)");
  EXPECT_EQ(errorOf("[[routes]]\ndomain = \"exa_mple.com\"\nnext_hop = \"10.0.0.5\"\n"),
            "pool.toml:2: routes[1].domain: 'exa_mple.com' is not a domain name (letters, digits, '-' and '.')");
}

TEST(PoolFileTest, RefusesBadAuthorizedHosts) {
  for (const char* host : {"0.0.0.0", "::", "224.0.0.1", "239.255.255.250", "ff02::1", "255.255.255.255"}) {
    const std::string error = errorOf("[[authorized_hosts]]\nhost = \"" + std::string(host) + "\"\n");
    EXPECT_NE(error.find("pool.toml:2: authorized_hosts[1].host: "), std::string::npos) << error;
    EXPECT_NE(error.find("cannot be an authorized host"), std::string::npos) << error;
  }
  EXPECT_EQ(errorOf("[[authorized_hosts]]\nhost = \"10.0.0.5\"\n[[authorized_hosts]]\nhost = \"10.0.0.5\"\n"),
            "pool.toml:4: authorized_hosts[2].host: 10.0.0.5 is listed twice (also authorized_hosts[1] at line 1)");
  EXPECT_EQ(errorOf("[[authorized_hosts]]\noutbound_only = true\n"), "pool.toml:1: authorized_hosts[1].host: required");
  EXPECT_TRUE(parse("[[authorized_hosts]]\nhost = \"223.255.255.255\"\n").ok());
}

TEST(PoolFileTest, RefusesBadUsers) {
  EXPECT_EQ(errorOf("domains = [\"example.com\"]\n[[users]]\nuri = \"sip:alice@example.org\"\n"),
            "pool.toml:3: users[1].uri: example.org is not one of the pool's domains (domains = [example.com])");
  EXPECT_EQ(errorOf("domains = [\"example.com\"]\n[[users]]\nuri = \"tel:+15551234\"\n"),
            "pool.toml:3: users[1].uri: 'tel:+15551234' is not a user's SIP URI (sip:user@domain)");
  EXPECT_NE(errorOf("domains = [\"example.com\"]\n[[users]]\nuri = \"sip:alice@example.com;transport=tcp\"\n")
                .find("pool.toml:3: users[1].uri: "),
            std::string::npos);
  EXPECT_NE(errorOf("domains = [\"example.com\"]\n[[users]]\nuri = \"sip:alice:pw@example.com\"\n")
                .find("pool.toml:3: users[1].uri: "),
            std::string::npos);
  EXPECT_EQ(errorOf("domains = [\"example.com\"]\n[[users]]\nuri = \"sip:alice@example.com\"\npassword = \"\"\n"),
            "pool.toml:4: users[1].password: must not be empty (leave it out to keep the stored one)");
  EXPECT_EQ(errorOf("domains = [\"example.com\"]\n[[users]]\nuri = \"sip:alice@example.com\"\n[[users]]\n"
                    "uri = \"sip:alice@EXAMPLE.com\"\n"),
            "pool.toml:5: users[2].uri: sip:alice@example.com is listed twice (also users[1] at line 2)");
  EXPECT_EQ(errorOf("domains = [\"example.com\"]\n[[users]]\npassword = \"x\"\n"),
            "pool.toml:2: users[1].uri: required");
}

TEST(PoolFileTest, MissingFileIsAnError) {
  Result<PoolSettings, std::string> result = parsePoolFile("/nonexistent/pool.toml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error(), "/nonexistent/pool.toml: cannot read the pool file: No such file or directory");
}

TEST(PoolFileTest, FormatThenParseGivesTheSameSettings) {
  PoolSettings pool;
  pool.domains = {"example.com", "example.org"};
  pool.routes.push_back(Route{"*", "example.com", "10.0.0.5", RouteTransport::Tcp, 5060, false, false, 0});
  pool.routes.push_back(Route{"*", "example.com", "gw.example.net", RouteTransport::Tls, 5071, true, true, 0});
  pool.routes.push_back(Route{"+1555", "example.org", "::1", RouteTransport::Udp, 5062, false, false, 0});
  Route srv{"*", "example.net", "sip.example.net", RouteTransport::Tcp, 5060, false, false, 0};
  srv.srv = true;  // no port: written without one, read back as SRV
  pool.routes.push_back(srv);
  pool.authorized_hosts.push_back(AuthorizedHost{"10.0.0.5", false, true, true, 0});
  pool.authorized_hosts.push_back(AuthorizedHost{"gw.example.net", true, false, false, 0});
  pool.users.push_back(UserEntry{"sip:alice@example.com", "", std::nullopt, 0});
  pool.users.push_back(UserEntry{"sip:bob@example.org", "", false, 0});
  pool.presence_rules.push_back(PresenceRule{"sip:bob@example.org", "sip:alice@example.com", WatcherDecision::Allow});
  pool.presence_rules.push_back(PresenceRule{"sip:bob@example.org", "other.net", WatcherDecision::BlockPolite});
  pool.presence_rules.push_back(PresenceRule{"sip:alice@example.com", "sip:x@y.org", WatcherDecision::BlockReject});
  pool.presence.authorize = PresenceAuthorize::All;
  pool.throttling.client_rate = 20;
  pool.throttling.server_transactions = 500;
  const std::string text = formatPoolFile(pool);
  Result<PoolSettings, std::string> back = parse(text);
  ASSERT_TRUE(back.ok()) << back.error() << "\n" << text;
  EXPECT_EQ(*back, pool) << text;
  EXPECT_EQ(text.find("password ="), std::string::npos) << text;
}

TEST(PoolFileTest, AnFqdnRouteWithoutAPortIsResolvedBySrv) {
  Result<PoolSettings, std::string> result = parse(R"(
[[routes]]
domain = "example.com"
next_hop = "b.example.com"
[[routes]]
domain = "example.org"
next_hop = "b.example.com"
port = 5070
[[routes]]
domain = "example.net"
next_hop = "10.0.0.5"
transport = "tls"
)");
  ASSERT_TRUE(result.ok()) << result.error();
  const std::vector<Route>& routes = result->routes;
  EXPECT_TRUE(routes[0].srv);  // RFC 3263 §4.2: SRV, then 5060
  EXPECT_EQ(routes[0].port, 5060);
  EXPECT_EQ(routes[0].toString(), "*@example.com -> tcp b.example.com (SRV)");
  EXPECT_FALSE(routes[1].srv);  // a port given: A/AAAA on it
  EXPECT_FALSE(routes[2].srv);  // an IP: no DNS at all
  EXPECT_EQ(routes[2].port, 5061);
  const std::string text = formatPoolFile(*result);
  EXPECT_EQ(text.find("port = 5060"), std::string::npos) << text;
  EXPECT_NE(text.find("port = 5070"), std::string::npos) << text;
}

TEST(PoolFileTest, ThrottlingKeysAreCheckedAndDefaulted) {
  Result<PoolSettings, std::string> pool = parse("[throttling]\nclient_rate = 20\n");
  ASSERT_TRUE(pool.ok()) << pool.error();
  EXPECT_EQ(pool->throttling.client_rate, 20u);
  EXPECT_EQ(pool->throttling.client_burst, ThrottlingSettings{}.client_burst);
  EXPECT_EQ(errorOf("[throttling]\nclient_rate = 0\n"),
            "pool.toml:2: throttling.client_rate: must be an integer from 1 to 1000000");
  EXPECT_EQ(errorOf("[throttling]\nrate = 5\n").substr(0, 34), "pool.toml:2: throttling.rate: unkn");
}

TEST(PoolFileTest, FormatEscapesStrings) {
  // Values that passed the checks never need escapes, but the printer must
  // still write valid TOML for anything.
  PoolSettings pool;
  pool.domains = {"a\"b\\c\n"};
  const std::string text = formatPoolFile(pool);
  EXPECT_NE(text.find(R"(domains = ["a\"b\\c\u000a"])"), std::string::npos) << text;
}

TEST(PoolFileTest, CheckPoolSettingsMakesValuesCanonical) {
  PoolSettings pool;
  pool.domains = {"Example.com"};
  pool.routes.push_back(Route{"*", "EXAMPLE.com", "0:0::1", RouteTransport::Tcp, 5060, false, false, 0});
  pool.users.push_back(UserEntry{"SIP:alice@EXAMPLE.com", "pw", std::nullopt, 0});
  Result<PoolSettings, std::string> checked = checkPoolSettings(pool);
  ASSERT_TRUE(checked.ok()) << checked.error();
  EXPECT_EQ(checked->domains[0], "example.com");
  EXPECT_EQ(checked->routes[0].next_hop, "::1");
  EXPECT_EQ(checked->users[0].uri, "sip:alice@example.com");

  pool.routes.push_back(pool.routes[0]);
  checked = checkPoolSettings(pool);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error(),
            "routes[2]: two routes with the same matching key (user, domain, phone_uri): *@example.com is also "
            "routes[1]");
  pool.routes.pop_back();
  pool.users[0].uri = "sip:alice@example.org";
  checked = checkPoolSettings(pool);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error(), "users[1]: uri: example.org is not one of the pool's domains");
}

TEST(PoolFileTest, ReadsPresenceRules) {
  Result<PoolSettings, std::string> result = parse(R"(domains = ["example.com"]
[[presence_rules]]
owner = "SIP:Bob@EXAMPLE.com"
watcher = "sip:Alice@Example.ORG"
decision = "allow"
[[presence_rules]]
owner = "sip:Bob@example.com"
watcher = "Example.NET"
decision = "block"
[[presence_rules]]
owner = "sip:carol@example.com"
watcher = "sip:Alice@example.org"
decision = "reject"
)");
  ASSERT_TRUE(result.ok()) << result.error();
  EXPECT_EQ(result->presence_rules,
            (std::vector<PresenceRule>{
                {"sip:Bob@example.com", "sip:Alice@example.org", WatcherDecision::Allow},
                {"sip:Bob@example.com", "example.net", WatcherDecision::BlockPolite},
                {"sip:carol@example.com", "sip:Alice@example.org", WatcherDecision::BlockReject},
            }));
  EXPECT_EQ(result->presence_rules[1].toString(), "sip:Bob@example.com block example.net");
}

TEST(PoolFileTest, RefusesBadPresenceRules) {
  const std::string head = "domains = [\"example.com\"]\n[[presence_rules]]\n";
  EXPECT_EQ(errorOf(head + "owner = \"sip:bob@example.org\"\nwatcher = \"example.net\"\ndecision = \"allow\"\n"),
            "pool.toml:3: presence_rules[1].owner: example.org is not one of the pool's domains (domains = "
            "[example.com])");
  EXPECT_EQ(errorOf(head + "owner = \"bob@example.com\"\nwatcher = \"example.net\"\ndecision = \"allow\"\n"),
            "pool.toml:3: presence_rules[1].owner: 'bob@example.com' is not a user's SIP URI (sip:user@domain)");
  EXPECT_EQ(errorOf(head + "owner = \"sip:bob@example.com\"\nwatcher = \"alice@example.net\"\ndecision = \"allow\"\n"),
            "pool.toml:4: presence_rules[1].watcher: 'alice@example.net' is not a user's SIP URI (sip:user@domain), "
            "nor a domain");
  EXPECT_EQ(errorOf(head + "owner = \"sip:bob@example.com\"\nwatcher = \"10.0.0.5\"\ndecision = \"allow\"\n"),
            "pool.toml:4: presence_rules[1].watcher: a domain is a host name, not an IP address: '10.0.0.5', nor a "
            "user's SIP URI (sip:user@domain)");
  EXPECT_EQ(
      errorOf(head + "owner = \"sip:bob@example.com\"\nwatcher = \"sip:bob@EXAMPLE.com\"\ndecision = \"block\"\n"),
      "pool.toml:4: presence_rules[1].watcher: sip:bob@example.com is the owner (a user always sees their own "
      "presence)");
  EXPECT_EQ(errorOf(head + "owner = \"sip:bob@example.com\"\nwatcher = \"example.net\"\ndecision = \"deny\"\n"),
            "pool.toml:5: presence_rules[1].decision: expected allow, block or reject, got 'deny'");
  EXPECT_EQ(errorOf(head + "owner = \"sip:bob@example.com\"\nwatcher = \"example.net\"\n"),
            "pool.toml:2: presence_rules[1].decision: required");
  EXPECT_EQ(
      errorOf(head + "owner = \"sip:bob@example.com\"\nwatcher = \"example.net\"\ndecision = \"allow\"\nwho = 1\n"),
      "pool.toml:6: presence_rules[1].who: unknown key (known here: owner, watcher, decision)");
  EXPECT_EQ(errorOf(head + "owner = \"sip:bob@example.com\"\nwatcher = \"example.net\"\ndecision = \"allow\"\n" +
                    "[[presence_rules]]\nowner = \"sip:bob@example.com\"\nwatcher = \"Example.net\"\n" +
                    "decision = \"block\"\n"),
            "pool.toml:6: presence_rules[2]: two rules for the same owner and watcher (sip:bob@example.com, "
            "example.net): also presence_rules[1] at line 2");
  EXPECT_EQ(errorOf("presence_rules = 1\n"),
            "pool.toml:1: presence_rules: must be an array of tables ([[presence_rules]])");
}

TEST(PoolFileTest, CheckPoolSettingsChecksPresenceRules) {
  PoolSettings pool;
  pool.domains = {"example.com"};
  pool.presence_rules.push_back(PresenceRule{"sip:bob@EXAMPLE.com", "Example.ORG", WatcherDecision::Allow});
  Result<PoolSettings, std::string> checked = checkPoolSettings(pool);
  ASSERT_TRUE(checked.ok()) << checked.error();
  EXPECT_EQ(checked->presence_rules[0], (PresenceRule{"sip:bob@example.com", "example.org", WatcherDecision::Allow}));

  pool.presence_rules.push_back(PresenceRule{"sip:bob@example.com", "example.org", WatcherDecision::BlockReject});
  checked = checkPoolSettings(pool);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error(),
            "presence_rules[2]: two rules for the same owner and watcher (sip:bob@example.com, example.org): also "
            "presence_rules[1]");
  pool.presence_rules.pop_back();
  pool.presence_rules[0].owner = "sip:bob@example.net";
  checked = checkPoolSettings(pool);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error(), "presence_rules[1]: owner: example.net is not one of the pool's domains");
  pool.presence_rules[0].owner = "bob";
  EXPECT_EQ(checkPoolSettings(pool).error(),
            "presence_rules[1]: owner: 'bob' is not a user's SIP URI (sip:user@domain)");
}

TEST(PoolFileTest, WatchersAndDecisionNames) {
  EXPECT_EQ(*checkWatcher("SIP:Alice@Example.ORG"), "sip:Alice@example.org");
  EXPECT_EQ(*checkWatcher("Example.ORG"), "example.org");
  EXPECT_FALSE(checkWatcher("sips:alice@example.org").ok());
  EXPECT_FALSE(checkWatcher("").ok());
  for (const WatcherDecision decision :
       {WatcherDecision::Allow, WatcherDecision::BlockPolite, WatcherDecision::BlockReject}) {
    EXPECT_EQ(watcherDecisionFromName(watcherDecisionName(decision)), decision);
  }
  EXPECT_EQ(watcherDecisionName(WatcherDecision::BlockPolite), "block");
  EXPECT_EQ(watcherDecisionFromName("Allow"), std::nullopt);
}

TEST(PoolFileTest, RouteAndHostText) {
  const Route route{"*", "example.com", "::1", RouteTransport::Tls, 5061, true, true, 0};
  EXPECT_EQ(route.toString(), "*@example.com [phone-uri] -> tls [::1]:5061 [replace-host]");
  EXPECT_EQ((AuthorizedHost{"10.0.0.5", true, false, true, 0}).toString(),
            "10.0.0.5 [outbound-only, treat-as-authenticated]");
  EXPECT_EQ((AuthorizedHost{"10.0.0.5", false, false, false, 0}).toString(), "10.0.0.5");
}

}  // namespace
}  // namespace tandem::config
