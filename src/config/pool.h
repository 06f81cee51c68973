#pragma once

// The pool settings (pool scope: shared by every front-end of a pool) as value
// types, and the pool file (TOML) that `tandemctl pool apply` reads and
// `tandemctl pool export` prints. docs/configuration.md describes every key.
//
// The values here are canonical once they passed parsePoolText or one of the
// check* functions below: domains and host names lower case, IP literals in
// their canonical text ("0:0::1" -> "::1"), ports filled in.
//
// Parsing never throws: a broken file is an error value whose text names the
// file, the line and the key ("pool.toml:12: routes[1].transport: ...").

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace tandem::config {

enum class RouteTransport : uint8_t { Tcp, Tls, Udp };

// "tcp", "tls", "udp".
std::string_view routeTransportName(RouteTransport transport);
std::optional<RouteTransport> routeTransportFromName(std::string_view name);
// SIP's default port: 5061 for tls, 5060 otherwise.
uint16_t defaultPort(RouteTransport transport);

// What makes two routes the same route: at most one route per key
// (LCS: "static routes cannot include the same matching URI").
struct RouteKey {
  std::string user;  // "*" or a user part
  std::string domain;
  bool phone_uri = false;

  bool operator==(const RouteKey&) const = default;
  // "*@example.com", "*@example.com [phone-uri]".
  std::string toString() const;
};

// A static route (LCS Routing tab). Routes are tried in order; the first
// whose key matches the Request-URI wins.
struct Route {
  std::string user = "*";  // "*" (any user) or one user part
  std::string domain;      // the Request-URI host it matches (a host name)
  std::string next_hop;    // FQDN or IP literal
  RouteTransport transport = RouteTransport::Tcp;
  uint16_t port = 5060;
  bool phone_uri = false;     // true: matches only phone URIs (user=phone / tel)
  bool replace_host = false;  // true: the Request-URI host becomes the next hop
  int line = 0;               // where the entry starts in a pool file; 0 otherwise
  // No port was given and next_hop is an FQDN: the next hop's SRV records
  // decide (RFC 3263 §4.2) and `port` (5060, tls 5061) is the fallback when
  // there are none. Always false for an IP next hop.
  bool srv = false;

  RouteKey key() const { return RouteKey{user, domain, phone_uri}; }
  // Every setting equal (`line` is not a setting).
  bool operator==(const Route& other) const;
  // "*@example.com -> tcp 10.0.0.5:5060", flags in brackets.
  std::string toString() const;
};

// An authorized host (LCS Host Authorization tab).
struct AuthorizedHost {
  std::string host;  // FQDN or IP literal
  bool outbound_only = false;
  bool throttle_as_server = true;
  bool treat_as_authenticated = true;
  int line = 0;  // where the entry starts in a pool file; 0 otherwise

  bool operator==(const AuthorizedHost& other) const;  // `line` ignored
  // "10.0.0.5 [throttle-as-server, treat-as-authenticated]".
  std::string toString() const;
};

// A user as a pool file lists it. The password exists only while a file is
// being applied; the store keeps digest hashes, never the password.
struct UserEntry {
  std::string uri;              // canonical "sip:user@domain"
  std::string password;         // empty: keep the stored one (a new user needs one)
  std::optional<bool> enabled;  // nullopt: leave as is (new users are enabled)
  int line = 0;

  bool operator==(const UserEntry& other) const;  // `line` ignored
};

enum class PresenceAuthorize : uint8_t { Ask, SameDomain, All };

// "ask", "same-domain", "all".
std::string_view presenceAuthorizeName(PresenceAuthorize authorize);
std::optional<PresenceAuthorize> presenceAuthorizeFromName(std::string_view name);

struct PresenceSettings {
  PresenceAuthorize authorize = PresenceAuthorize::Ask;
  bool operator==(const PresenceSettings&) const = default;
};

// What an owner decided about a watcher of their presence (federation.md
// §3.1): allow, or block — politely (the watcher sees the owner offline) or
// by rejecting the subscription. store/presence.h names these
// store::WatcherDecision / store::PresenceRule; store/presence_policy.h
// applies them.
enum class WatcherDecision : uint8_t { Allow, BlockPolite, BlockReject };

// "allow", "block", "reject" (the pool file's and tandemctl's words).
std::string_view watcherDecisionName(WatcherDecision decision);
std::optional<WatcherDecision> watcherDecisionFromName(std::string_view name);

// A presence authorization rule: pool scope, per presentity. At most one
// rule per (owner, watcher).
struct PresenceRule {
  std::string owner;    // "sip:bob@example.com" (a local user's URI)
  std::string watcher;  // "sip:alice@example.com", or a domain "example.org" (matches every watcher of that domain)
  WatcherDecision decision = WatcherDecision::Allow;
  bool operator==(const PresenceRule&) const = default;

  // "sip:bob@example.com allow sip:alice@example.org" (as tandemctl says it).
  std::string toString() const;
};

// Request throttling per source address (LCS "Throttle as server"): client
// limits for everyone, server limits for authorized hosts with
// throttle_as_server. Over a request limit: 503 with Retry-After; over the
// connection limit: the new connection is closed at once.
struct ThrottlingSettings {
  uint32_t client_rate = 50;           // new requests per second (token bucket refill)
  uint32_t client_burst = 100;         // bucket size
  uint32_t client_transactions = 100;  // server transactions under way at once
  uint32_t server_rate = 5000;
  uint32_t server_burst = 10000;
  uint32_t server_transactions = 20000;
  uint32_t client_connections = 128;  // inbound TCP/TLS connections held at once per address (NAT: many users)
  uint32_t server_connections = 1024;
  bool operator==(const ThrottlingSettings&) const = default;
};

// The keys of [throttling], in file order, with their members.
struct ThrottlingKey {
  std::string_view name;
  uint32_t ThrottlingSettings::*member;
};
inline constexpr std::array<ThrottlingKey, 8> kThrottlingKeys = {{
    {"client_rate", &ThrottlingSettings::client_rate},
    {"client_burst", &ThrottlingSettings::client_burst},
    {"client_transactions", &ThrottlingSettings::client_transactions},
    {"server_rate", &ThrottlingSettings::server_rate},
    {"server_burst", &ThrottlingSettings::server_burst},
    {"server_transactions", &ThrottlingSettings::server_transactions},
    {"client_connections", &ThrottlingSettings::client_connections},
    {"server_connections", &ThrottlingSettings::server_connections},
}};

struct PoolSettings {
  std::vector<std::string> domains;              // lower case, unique
  std::vector<Route> routes;                     // in match order; keys unique
  std::vector<AuthorizedHost> authorized_hosts;  // hosts unique
  std::vector<UserEntry> users;                  // URIs unique, each in one of `domains`
  std::vector<PresenceRule> presence_rules;      // (owner, watcher) unique, owners in one of `domains`
  PresenceSettings presence;
  ThrottlingSettings throttling;

  bool operator==(const PoolSettings&) const = default;
};

// A user's address of record split in its parts.
struct UserAddress {
  std::string user;    // case kept (user parts compare case-sensitively)
  std::string domain;  // lower case
  std::string uri() const { return "sip:" + user + "@" + domain; }
};

// The pool file at `file`; errors name it as given.
Result<PoolSettings, std::string> parsePoolFile(const std::filesystem::path& file);
// Pool file text already in memory; `name` stands for the file in errors.
Result<PoolSettings, std::string> parsePoolText(std::string_view text, std::string_view name);

// The pool file form of `settings` (what `tandemctl pool export` prints):
// parsePoolText of it gives `settings` back, passwords aside (none is printed).
std::string formatPoolFile(const PoolSettings& settings);

// Field checks shared by the parser, the store and tandemctl. Each returns the
// canonical value, or the problem as text without a key ("'x y' is not ...").

// A SIP domain: a host name, not an IP literal; lower-cased.
Result<std::string, std::string> checkDomain(std::string_view text);
// A user part: letters, digits and -_.!~*'()&=+$, (no escapes, no ';', '?', '/').
Result<std::string, std::string> checkUserPart(std::string_view text);
// A route's user: "*" or a user part.
Result<std::string, std::string> checkRouteUser(std::string_view text);
// A next hop: an FQDN or an IP literal (IPv6 without brackets).
Result<std::string, std::string> checkNextHop(std::string_view text);
// An authorized host: an FQDN or an IP literal, not 0.0.0.0, ::, broadcast or multicast.
Result<std::string, std::string> checkAuthorizedHost(std::string_view text);
// "sip:user@domain" (the scheme in any case; no password, port or parameters).
Result<UserAddress, std::string> parseUserUri(std::string_view text);
// A whole route / host made canonical; the problem names the field ("next_hop: ...").
Result<Route, std::string> checkRoute(Route route);
Result<AuthorizedHost, std::string> checkHost(AuthorizedHost host);
// A presence rule's watcher: "sip:user@domain" (canonical as parseUserUri)
// or a domain name (lower-cased).
Result<std::string, std::string> checkWatcher(std::string_view text);
// A presence rule made canonical: the owner a user's SIP URI, the watcher as
// checkWatcher, not the owner themself; the problem names the field ("owner: ...").
Result<PresenceRule, std::string> checkPresenceRule(PresenceRule rule);
// Whole settings made canonical with the pool file's rules (domains unique,
// route keys unique, hosts unique, user URIs unique and in one of the
// domains, presence rules unique per owner and watcher, owners in one of the
// domains); the problem names the entry ("routes[2]: next_hop: ...").
Result<PoolSettings, std::string> checkPoolSettings(PoolSettings settings);

}  // namespace tandem::config
