#include "config/pool.h"
#include "config/toml_helpers.h"

#include "common/text.h"

#include <arpa/inet.h>

#include <toml++/toml.h>
#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <span>
#include <sstream>
#include <unordered_map>

#include "config/server_config.h"

namespace tandem::config {
namespace {

using Keys = std::span<const std::string_view>;

constexpr std::array<std::string_view, 7> kRootKeys = {"domains",        "routes",   "authorized_hosts", "users",
                                                       "presence_rules", "presence", "throttling"};
constexpr std::array<std::string_view, 7> kRouteKeys = {"user", "domain",    "next_hop",    "transport",
                                                        "port", "phone_uri", "replace_host"};
constexpr std::array<std::string_view, 4> kHostKeys = {"host", "outbound_only", "throttle_as_server",
                                                       "treat_as_authenticated"};
constexpr std::array<std::string_view, 3> kUserKeys = {"uri", "password", "enabled"};
constexpr std::array<std::string_view, 1> kPresenceKeys = {"authorize"};
constexpr std::array<std::string_view, 3> kPresenceRuleKeys = {"owner", "watcher", "decision"};
constexpr std::array<std::string_view, 3> kRouteTransportNames = {"tcp", "tls", "udp"};
constexpr std::array<std::string_view, 3> kAuthorizeNames = {"ask", "same-domain", "all"};
constexpr std::array<std::string_view, 3> kDecisionNames = {"allow", "block", "reject"};

// Characters of a user part Tandem accepts (RFC 3261 unreserved and
// user-unreserved, without the escapes and the ones that start parameters).
constexpr std::string_view kUserPunctuation = "-_.!~*'()&=+$,";

std::string join(Keys keys) {
  std::string out;
  for (std::string_view key : keys) {
    out += out.empty() ? "" : ", ";
    out += key;
  }
  return out;
}

bool contains(Keys keys, std::string_view key) { return std::find(keys.begin(), keys.end(), key) != keys.end(); }

std::string singleQuoted(std::string_view text) { return "'" + std::string(text) + "'"; }

// Canonical text of an IP literal; empty when `text` is not one. `bytes`
// receives the address (4 or 16 bytes) and `v6` its family.
std::string canonicalIp(std::string_view text, unsigned char (&bytes)[16], bool& v6) {
  const std::string copy(text);
  char out[INET6_ADDRSTRLEN];
  v6 = false;
  if (inet_pton(AF_INET, copy.c_str(), bytes) == 1) {
    return inet_ntop(AF_INET, bytes, out, sizeof out);
  }
  if (inet_pton(AF_INET6, copy.c_str(), bytes) == 1) {
    v6 = true;
    return inet_ntop(AF_INET6, bytes, out, sizeof out);
  }
  return {};
}

// An FQDN (lower-cased) or an IP literal (canonical); empty when neither.
std::string canonicalHost(std::string_view text) {
  unsigned char bytes[16];
  bool v6 = false;
  std::string ip = canonicalIp(text, bytes, v6);
  if (!ip.empty()) {
    return ip;
  }
  return isHostName(text) ? asciiLower(text) : std::string();
}

// The problem of a rule whose watcher is its owner.
std::string ownWatcher(const std::string& owner) {
  return owner + " is the owner (a user always sees their own presence)";
}

using detail::expectedName;
using detail::lineOf;
using detail::typeName;

// Walks a parsed pool file. Every problem is recorded with its line; the
// settings are meaningful only when there is none.
class PoolReader {
 public:
  explicit PoolReader(std::string_view name) : name_(name) {}

  void read(const toml::table& root) {
    checkKeys(root, "", kRootKeys);
    readDomains(root);
    readRoutes(root);
    readHosts(root);
    readUsers(root);
    readPresenceRules(root);
    readPresence(root);
    readThrottling(root);
  }

  void error(int line, std::string_view key, std::string_view problem) {
    std::string text = name_;
    if (line > 0) {
      text += ":" + std::to_string(line);
    }
    text += ": ";
    if (!key.empty()) {
      text += std::string(key) + ": ";
    }
    text += problem;
    errors_.push_back(Problem{line, std::move(text)});
  }

  // The first problem in file order, or the settings.
  Result<PoolSettings, std::string> result() {
    if (errors_.empty()) {
      return std::move(settings_);
    }
    const auto first = std::min_element(errors_.begin(), errors_.end(),
                                        [](const Problem& a, const Problem& b) { return a.line < b.line; });
    return fail(first->text);
  }

 private:
  struct Problem {
    int line;
    std::string text;
  };

  static std::string path(std::string_view prefix, std::string_view key) {
    return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
  }

  static std::string indexed(std::string_view name, size_t index) {
    return std::string(name) + "[" + std::to_string(index + 1) + "]";
  }

  void checkKeys(const toml::table& table, std::string_view prefix, Keys known) {
    for (auto&& [key, node] : table) {
      if (!contains(known, key.str())) {
        error(static_cast<int>(key.source().begin.line), path(prefix, key.str()),
              "unknown key (known here: " + join(known) + ")");
      }
    }
  }

  static int lineOfKey(const toml::table& table, std::string_view key) {
    const toml::node* node = table.get(key);
    return node == nullptr ? lineOf(table) : lineOf(*node);
  }

  template <class T>
  std::optional<T> get(const toml::table& table, std::string_view prefix, std::string_view key) {
    const toml::node* node = table.get(key);
    if (node == nullptr) {
      return std::nullopt;
    }
    if (const auto* value = node->as<T>()) {
      return value->get();
    }
    error(lineOf(*node), path(prefix, key),
          "must be " + std::string(expectedName<T>()) + ", got " + std::string(typeName(node->type())));
    return std::nullopt;
  }

  template <class T>
  std::optional<T> require(const toml::table& table, std::string_view prefix, std::string_view key) {
    if (!table.contains(key)) {
      error(lineOf(table), path(prefix, key), "required");
      return std::nullopt;
    }
    return get<T>(table, prefix, key);
  }

  // Applies a field check: the canonical value, or an error at the key's line.
  std::optional<std::string> checked(const toml::table& table, std::string_view prefix, std::string_view key,
                                     const std::optional<std::string>& value,
                                     Result<std::string, std::string> (*check)(std::string_view)) {
    if (!value) {
      return std::nullopt;
    }
    Result<std::string, std::string> result = check(*value);
    if (!result) {
      error(lineOfKey(table, key), path(prefix, key), result.error());
      return std::nullopt;
    }
    return std::move(result.value());
  }

  // The entries of an array of tables ([[name]]); empty when absent or wrong.
  std::vector<const toml::table*> tables(const toml::table& root, std::string_view name) {
    const toml::node* node = root.get(name);
    if (node == nullptr) {
      return {};
    }
    const toml::array* array = node->as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      error(lineOf(*node), name, "must be an array of tables ([[" + std::string(name) + "]])");
      return {};
    }
    std::vector<const toml::table*> out;
    for (const toml::node& entry : *array) {
      out.push_back(entry.as_table());
    }
    return out;
  }

  void readDomains(const toml::table& root) {
    const toml::node* node = root.get("domains");
    if (node == nullptr) {
      return;
    }
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      error(lineOf(*node), "domains", "must be an array of strings, got " + std::string(typeName(node->type())));
      return;
    }
    for (size_t i = 0; i < array->size(); ++i) {
      readDomain(*array->get(i), indexed("domains", i));
    }
  }

  void readDomain(const toml::node& node, const std::string& key) {
    const auto* text = node.as_string();
    if (text == nullptr) {
      error(lineOf(node), key, "must be a string, got " + std::string(typeName(node.type())));
      return;
    }
    Result<std::string, std::string> domain = checkDomain(text->get());
    if (!domain) {
      error(lineOf(node), key, domain.error());
    } else if (std::find(settings_.domains.begin(), settings_.domains.end(), *domain) != settings_.domains.end()) {
      error(lineOf(node), key, *domain + " is listed twice");
    } else {
      settings_.domains.push_back(std::move(domain.value()));
    }
  }

  void readRoutes(const toml::table& root) {
    const std::vector<const toml::table*> entries = tables(root, "routes");
    for (size_t i = 0; i < entries.size(); ++i) {
      readRoute(*entries[i], indexed("routes", i));
    }
  }

  std::optional<RouteTransport> readRouteTransport(const toml::table& table, const std::string& prefix) {
    const std::optional<std::string> name = get<std::string>(table, prefix, "transport");
    if (!name) {
      return table.contains("transport") ? std::nullopt : std::optional(RouteTransport::Tcp);
    }
    const std::optional<RouteTransport> transport = routeTransportFromName(*name);
    if (!transport) {
      error(lineOfKey(table, "transport"), prefix + ".transport",
            "expected tcp, tls or udp, got " + singleQuoted(*name));
    }
    return transport;
  }

  std::optional<uint16_t> readPort(const toml::table& table, const std::string& prefix, RouteTransport transport) {
    if (!table.contains("port")) {
      return defaultPort(transport);
    }
    const std::optional<int64_t> port = get<int64_t>(table, prefix, "port");
    if (port && (*port < 1 || *port > 65535)) {
      error(lineOfKey(table, "port"), prefix + ".port", "must be between 1 and 65535, got " + std::to_string(*port));
      return std::nullopt;
    }
    return port ? std::optional<uint16_t>(static_cast<uint16_t>(*port)) : std::nullopt;
  }

  void readRoute(const toml::table& table, const std::string& prefix) {
    checkKeys(table, prefix, kRouteKeys);
    const std::optional<std::string> user =
        checked(table, prefix, "user", get<std::string>(table, prefix, "user").value_or("*"), &checkRouteUser);
    const std::optional<std::string> domain =
        checked(table, prefix, "domain", require<std::string>(table, prefix, "domain"), &checkDomain);
    const std::optional<std::string> next_hop =
        checked(table, prefix, "next_hop", require<std::string>(table, prefix, "next_hop"), &checkNextHop);
    const std::optional<RouteTransport> transport = readRouteTransport(table, prefix);
    const std::optional<uint16_t> port = transport ? readPort(table, prefix, *transport) : std::nullopt;
    const std::optional<bool> phone_uri = get<bool>(table, prefix, "phone_uri");
    const std::optional<bool> replace_host = get<bool>(table, prefix, "replace_host");
    if (!user || !domain || !next_hop || !transport || !port) {
      return;
    }
    Route route{
        *user,        *domain, *next_hop, *transport, *port, phone_uri.value_or(false), replace_host.value_or(false),
        lineOf(table)};
    route.srv = !table.contains("port") && !isIpLiteral(route.next_hop);
    for (size_t i = 0; i < settings_.routes.size(); ++i) {
      if (settings_.routes[i].key() == route.key()) {
        error(route.line, prefix,
              "two routes with the same matching key (user, domain, phone_uri): " + route.key().toString() +
                  " is also routes[" + std::to_string(i + 1) + "] at line " + std::to_string(settings_.routes[i].line));
        return;
      }
    }
    settings_.routes.push_back(std::move(route));
  }

  void readHosts(const toml::table& root) {
    const std::vector<const toml::table*> entries = tables(root, "authorized_hosts");
    for (size_t i = 0; i < entries.size(); ++i) {
      readHost(*entries[i], indexed("authorized_hosts", i));
    }
  }

  void readHost(const toml::table& table, const std::string& prefix) {
    checkKeys(table, prefix, kHostKeys);
    const std::optional<std::string> host =
        checked(table, prefix, "host", require<std::string>(table, prefix, "host"), &checkAuthorizedHost);
    AuthorizedHost entry;
    entry.outbound_only = get<bool>(table, prefix, "outbound_only").value_or(entry.outbound_only);
    entry.throttle_as_server = get<bool>(table, prefix, "throttle_as_server").value_or(entry.throttle_as_server);
    entry.treat_as_authenticated =
        get<bool>(table, prefix, "treat_as_authenticated").value_or(entry.treat_as_authenticated);
    entry.line = lineOf(table);
    if (!host) {
      return;
    }
    entry.host = *host;
    const auto& hosts = settings_.authorized_hosts;
    const auto same =
        std::find_if(hosts.begin(), hosts.end(), [&](const AuthorizedHost& h) { return h.host == *host; });
    if (same != hosts.end()) {
      error(lineOfKey(table, "host"), prefix + ".host",
            *host + " is listed twice (also authorized_hosts[" + std::to_string(same - hosts.begin() + 1) +
                "] at line " + std::to_string(same->line) + ")");
      return;
    }
    settings_.authorized_hosts.push_back(std::move(entry));
  }

  void readUsers(const toml::table& root) {
    const std::vector<const toml::table*> entries = tables(root, "users");
    for (size_t i = 0; i < entries.size(); ++i) {
      readUser(*entries[i], indexed("users", i));
    }
  }

  // "sip:alice@example.com" in one of the file's domains, or nullopt (reported).
  std::optional<std::string> readUserUri(const toml::table& table, const std::string& prefix,
                                         std::string_view key = "uri") {
    const std::optional<std::string> text = require<std::string>(table, prefix, key);
    if (!text) {
      return std::nullopt;
    }
    const int line = lineOfKey(table, key);
    Result<UserAddress, std::string> address = parseUserUri(*text);
    if (!address) {
      error(line, path(prefix, key), address.error());
      return std::nullopt;
    }
    const auto& domains = settings_.domains;
    if (std::find(domains.begin(), domains.end(), address->domain) == domains.end()) {
      error(line, path(prefix, key),
            address->domain + " is not one of the pool's domains (domains = [" +
                join(std::vector<std::string_view>(domains.begin(), domains.end())) + "])");
      return std::nullopt;
    }
    return address->uri();
  }

  void readUser(const toml::table& table, const std::string& prefix) {
    checkKeys(table, prefix, kUserKeys);
    const std::optional<std::string> uri = readUserUri(table, prefix);
    const std::optional<std::string> password = get<std::string>(table, prefix, "password");
    if (password && password->empty()) {
      error(lineOfKey(table, "password"), prefix + ".password",
            "must not be empty (leave it out to keep the stored one)");
    }
    const std::optional<bool> enabled = get<bool>(table, prefix, "enabled");
    if (!uri) {
      return;
    }
    const auto [same, added] = user_index_.emplace(*uri, settings_.users.size());
    if (!added) {
      error(lineOfKey(table, "uri"), prefix + ".uri",
            *uri + " is listed twice (also users[" + std::to_string(same->second + 1) + "] at line " +
                std::to_string(settings_.users[same->second].line) + ")");
      return;
    }
    settings_.users.push_back(UserEntry{*uri, password.value_or(""), enabled, lineOf(table)});
  }

  void readPresenceRules(const toml::table& root) {
    const std::vector<const toml::table*> entries = tables(root, "presence_rules");
    for (size_t i = 0; i < entries.size(); ++i) {
      readPresenceRule(*entries[i], indexed("presence_rules", i));
    }
  }

  std::optional<WatcherDecision> readDecision(const toml::table& table, const std::string& prefix) {
    const std::optional<std::string> name = require<std::string>(table, prefix, "decision");
    if (!name) {
      return std::nullopt;
    }
    const std::optional<WatcherDecision> decision = watcherDecisionFromName(*name);
    if (!decision) {
      error(lineOfKey(table, "decision"), prefix + ".decision",
            "expected allow, block or reject, got " + singleQuoted(*name));
    }
    return decision;
  }

  void readPresenceRule(const toml::table& table, const std::string& prefix) {
    checkKeys(table, prefix, kPresenceRuleKeys);
    const std::optional<std::string> owner = readUserUri(table, prefix, "owner");
    const std::optional<std::string> watcher =
        checked(table, prefix, "watcher", require<std::string>(table, prefix, "watcher"), &checkWatcher);
    const std::optional<WatcherDecision> decision = readDecision(table, prefix);
    if (!owner || !watcher || !decision) {
      return;
    }
    PresenceRule rule{*owner, *watcher, *decision};
    if (rule.watcher == rule.owner) {
      error(lineOfKey(table, "watcher"), prefix + ".watcher", ownWatcher(rule.owner));
      return;
    }
    const auto [same, added] = rule_index_.emplace(rule.owner + "\n" + rule.watcher, settings_.presence_rules.size());
    if (!added) {
      error(lineOf(table), prefix,
            "two rules for the same owner and watcher (" + rule.owner + ", " + rule.watcher +
                "): also presence_rules[" + std::to_string(same->second + 1) + "] at line " +
                std::to_string(rule_lines_[same->second]));
      return;
    }
    settings_.presence_rules.push_back(std::move(rule));
    rule_lines_.push_back(lineOf(table));
  }

  void readPresence(const toml::table& root) {
    const toml::node* node = root.get("presence");
    if (node == nullptr) {
      return;
    }
    const toml::table* table = node->as_table();
    if (table == nullptr) {
      error(lineOf(*node), "presence", "must be a table ([presence]), got " + std::string(typeName(node->type())));
      return;
    }
    checkKeys(*table, "presence", kPresenceKeys);
    if (const std::optional<std::string> name = get<std::string>(*table, "presence", "authorize")) {
      const std::optional<PresenceAuthorize> authorize = presenceAuthorizeFromName(*name);
      if (!authorize) {
        error(lineOfKey(*table, "authorize"), "presence.authorize",
              "expected ask, same-domain or all, got " + singleQuoted(*name));
        return;
      }
      settings_.presence.authorize = *authorize;
    }
  }

  void readThrottling(const toml::table& root) {
    const toml::node* node = root.get("throttling");
    if (node == nullptr) {
      return;
    }
    const toml::table* table = node->as_table();
    if (table == nullptr) {
      error(lineOf(*node), "throttling", "must be a table ([throttling]), got " + std::string(typeName(node->type())));
      return;
    }
    std::array<std::string_view, kThrottlingKeys.size()> names{};
    for (size_t i = 0; i < kThrottlingKeys.size(); ++i) {
      names[i] = kThrottlingKeys[i].name;
    }
    checkKeys(*table, "throttling", names);
    for (const ThrottlingKey& key : kThrottlingKeys) {
      const toml::node* value = table->get(key.name);
      if (value == nullptr) {
        continue;
      }
      const std::optional<int64_t> number = value->value<int64_t>();
      if (!value->is_integer() || !number || *number < 1 || *number > 1000000) {
        error(lineOfKey(*table, key.name), "throttling." + std::string(key.name),
              "must be an integer from 1 to 1000000");
        continue;
      }
      settings_.throttling.*key.member = static_cast<uint32_t>(*number);
    }
  }

  std::string name_;
  PoolSettings settings_;
  std::unordered_map<std::string, size_t> user_index_;  // URI -> index in settings_.users (files list many users)
  std::unordered_map<std::string, size_t> rule_index_;  // owner "\n" watcher -> index in settings_.presence_rules
  std::vector<int> rule_lines_;                         // the line of each of settings_.presence_rules
  std::vector<Problem> errors_;
};

// A TOML basic string.
std::string tomlString(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string_view boolText(bool value) { return value ? "true" : "false"; }

void formatRoute(std::ostringstream& out, const Route& route) {
  out << "\n[[routes]]\n"
      << "user = " << tomlString(route.user) << "\n"
      << "domain = " << tomlString(route.domain) << "\n"
      << "next_hop = " << tomlString(route.next_hop) << "\n"
      << "transport = " << tomlString(routeTransportName(route.transport)) << "\n"
      << (route.srv ? std::string("# port: none, the next hop's SRV records decide (RFC 3263)\n")
                    : "port = " + std::to_string(route.port) + "\n")
      << "phone_uri = " << boolText(route.phone_uri) << "\n"
      << "replace_host = " << boolText(route.replace_host) << "\n";
}

void formatHost(std::ostringstream& out, const AuthorizedHost& host) {
  out << "\n[[authorized_hosts]]\n"
      << "host = " << tomlString(host.host) << "\n"
      << "outbound_only = " << boolText(host.outbound_only) << "\n"
      << "throttle_as_server = " << boolText(host.throttle_as_server) << "\n"
      << "treat_as_authenticated = " << boolText(host.treat_as_authenticated) << "\n";
}

void formatUser(std::ostringstream& out, const UserEntry& user) {
  out << "\n[[users]]\n"
      << "uri = " << tomlString(user.uri) << "\n";
  if (user.enabled.has_value()) {
    out << "enabled = " << boolText(*user.enabled) << "\n";
  }
}

void formatPresenceRule(std::ostringstream& out, const PresenceRule& rule) {
  out << "\n[[presence_rules]]\n"
      << "owner = " << tomlString(rule.owner) << "\n"
      << "watcher = " << tomlString(rule.watcher) << "\n"
      << "decision = " << tomlString(watcherDecisionName(rule.decision)) << "\n";
}

std::string flagList(const std::vector<std::string_view>& flags) {
  if (flags.empty()) {
    return {};
  }
  std::string out = " [";
  for (size_t i = 0; i < flags.size(); ++i) {
    out += i == 0 ? "" : ", ";
    out += flags[i];
  }
  return out + "]";
}

}  // namespace

std::string_view routeTransportName(RouteTransport transport) {
  return kRouteTransportNames[static_cast<size_t>(transport)];
}

std::optional<RouteTransport> routeTransportFromName(std::string_view name) {
  for (size_t i = 0; i < kRouteTransportNames.size(); ++i) {
    if (kRouteTransportNames[i] == name) {
      return static_cast<RouteTransport>(i);
    }
  }
  return std::nullopt;
}

uint16_t defaultPort(RouteTransport transport) { return transport == RouteTransport::Tls ? 5061 : 5060; }

std::string_view presenceAuthorizeName(PresenceAuthorize authorize) {
  return kAuthorizeNames[static_cast<size_t>(authorize)];
}

std::optional<PresenceAuthorize> presenceAuthorizeFromName(std::string_view name) {
  for (size_t i = 0; i < kAuthorizeNames.size(); ++i) {
    if (kAuthorizeNames[i] == name) {
      return static_cast<PresenceAuthorize>(i);
    }
  }
  return std::nullopt;
}

std::string_view watcherDecisionName(WatcherDecision decision) { return kDecisionNames[static_cast<size_t>(decision)]; }

std::optional<WatcherDecision> watcherDecisionFromName(std::string_view name) {
  for (size_t i = 0; i < kDecisionNames.size(); ++i) {
    if (kDecisionNames[i] == name) {
      return static_cast<WatcherDecision>(i);
    }
  }
  return std::nullopt;
}

std::string PresenceRule::toString() const {
  return owner + " " + std::string(watcherDecisionName(decision)) + " " + watcher;
}

std::string RouteKey::toString() const { return user + "@" + domain + (phone_uri ? " [phone-uri]" : ""); }

bool Route::operator==(const Route& other) const {
  return key() == other.key() && next_hop == other.next_hop && transport == other.transport && port == other.port &&
         replace_host == other.replace_host && srv == other.srv;
}

std::string Route::toString() const {
  return key().toString() + " -> " + std::string(routeTransportName(transport)) + " " +
         (next_hop.find(':') == std::string::npos ? next_hop : "[" + next_hop + "]") +
         (srv ? " (SRV)" : ":" + std::to_string(port)) + (replace_host ? " [replace-host]" : "");
}

bool AuthorizedHost::operator==(const AuthorizedHost& other) const {
  return host == other.host && outbound_only == other.outbound_only && throttle_as_server == other.throttle_as_server &&
         treat_as_authenticated == other.treat_as_authenticated;
}

std::string AuthorizedHost::toString() const {
  std::vector<std::string_view> flags;
  if (outbound_only) {
    flags.push_back("outbound-only");
  }
  if (throttle_as_server) {
    flags.push_back("throttle-as-server");
  }
  if (treat_as_authenticated) {
    flags.push_back("treat-as-authenticated");
  }
  return host + flagList(flags);
}

bool UserEntry::operator==(const UserEntry& other) const {
  return uri == other.uri && password == other.password && enabled == other.enabled;
}

Result<std::string, std::string> checkDomain(std::string_view text) {
  if (isIpLiteral(text)) {
    return fail("a domain is a host name, not an IP address: " + singleQuoted(text));
  }
  if (!isHostName(text)) {
    return fail(singleQuoted(text) + " is not a domain name (letters, digits, '-' and '.')");
  }
  return asciiLower(text);
}

Result<std::string, std::string> checkUserPart(std::string_view text) {
  const bool ok = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kUserPunctuation.find(c) != std::string_view::npos;
  });
  if (!ok) {
    return fail(singleQuoted(text) + " is not a user part (letters, digits and " + std::string(kUserPunctuation) + ")");
  }
  return std::string(text);
}

Result<std::string, std::string> checkRouteUser(std::string_view text) {
  if (text == "*") {
    return std::string(text);
  }
  Result<std::string, std::string> user = checkUserPart(text);
  if (!user) {
    return fail("expected \"*\" or a user part: " + user.error());
  }
  return user;
}

Result<std::string, std::string> checkNextHop(std::string_view text) {
  std::string host = canonicalHost(text);
  if (host.empty()) {
    return fail(singleQuoted(text) + " is not an FQDN or IP address (IPv6 without brackets)");
  }
  return host;
}

Result<std::string, std::string> checkAuthorizedHost(std::string_view text) {
  unsigned char bytes[16];
  bool v6 = false;
  const std::string ip = canonicalIp(text, bytes, v6);
  if (ip.empty()) {
    return checkNextHop(text);
  }
  const bool unspecified = ip == "0.0.0.0" || ip == "::";
  const bool multicast = v6 ? bytes[0] == 0xff : (bytes[0] & 0xf0) == 0xe0;
  if (unspecified || multicast || ip == "255.255.255.255") {
    return fail(ip + " cannot be an authorized host (unspecified, broadcast and multicast addresses are refused)");
  }
  return ip;
}

Result<UserAddress, std::string> parseUserUri(std::string_view text) {
  const std::string problem = singleQuoted(text) + " is not a user's SIP URI (sip:user@domain)";
  if (text.size() < 4 || asciiLower(text.substr(0, 4)) != "sip:") {
    return fail(problem);
  }
  const std::string_view rest = text.substr(4);
  const size_t at = rest.find('@');
  if (at == std::string_view::npos) {
    return fail(problem);
  }
  Result<std::string, std::string> user = checkUserPart(rest.substr(0, at));
  if (!user) {
    return fail(problem + ": " + user.error());
  }
  Result<std::string, std::string> domain = checkDomain(rest.substr(at + 1));
  if (!domain) {
    return fail(problem + ": " + domain.error());
  }
  return UserAddress{std::move(user.value()), std::move(domain.value())};
}

Result<Route, std::string> checkRoute(Route route) {
  Result<std::string, std::string> user = checkRouteUser(route.user);
  if (!user) {
    return fail("user: " + user.error());
  }
  Result<std::string, std::string> domain = checkDomain(route.domain);
  if (!domain) {
    return fail("domain: " + domain.error());
  }
  Result<std::string, std::string> next_hop = checkNextHop(route.next_hop);
  if (!next_hop) {
    return fail("next_hop: " + next_hop.error());
  }
  if (route.port == 0) {
    return fail(std::string("port: must be between 1 and 65535, got 0"));
  }
  route.user = std::move(user.value());
  route.domain = std::move(domain.value());
  route.next_hop = std::move(next_hop.value());
  route.srv = route.srv && !isIpLiteral(route.next_hop);
  return route;
}

Result<AuthorizedHost, std::string> checkHost(AuthorizedHost host) {
  Result<std::string, std::string> name = checkAuthorizedHost(host.host);
  if (!name) {
    return fail("host: " + name.error());
  }
  host.host = std::move(name.value());
  return host;
}

Result<std::string, std::string> checkWatcher(std::string_view text) {
  if (text.find_first_of(":@") != std::string_view::npos) {
    Result<UserAddress, std::string> address = parseUserUri(text);
    if (!address) {
      return fail(address.error() + ", nor a domain");
    }
    return address->uri();
  }
  Result<std::string, std::string> domain = checkDomain(text);
  if (!domain) {
    return fail(domain.error() + ", nor a user's SIP URI (sip:user@domain)");
  }
  return domain;
}

Result<PresenceRule, std::string> checkPresenceRule(PresenceRule rule) {
  Result<UserAddress, std::string> owner = parseUserUri(rule.owner);
  if (!owner) {
    return fail("owner: " + owner.error());
  }
  Result<std::string, std::string> watcher = checkWatcher(rule.watcher);
  if (!watcher) {
    return fail("watcher: " + watcher.error());
  }
  rule.owner = owner->uri();
  rule.watcher = std::move(watcher.value());
  if (rule.watcher == rule.owner) {
    return fail("watcher: " + ownWatcher(rule.owner));
  }
  return rule;
}

namespace {

std::string entry(std::string_view name, size_t index) {
  return std::string(name) + "[" + std::to_string(index + 1) + "]";
}

Status<std::string> checkDomains(std::vector<std::string>& domains) {
  for (size_t i = 0; i < domains.size(); ++i) {
    Result<std::string, std::string> domain = checkDomain(domains[i]);
    if (!domain) {
      return fail(entry("domains", i) + ": " + domain.error());
    }
    domains[i] = std::move(domain.value());
    if (std::find(domains.begin(), domains.begin() + static_cast<std::ptrdiff_t>(i), domains[i]) !=
        domains.begin() + static_cast<std::ptrdiff_t>(i)) {
      return fail(entry("domains", i) + ": " + domains[i] + " is listed twice");
    }
  }
  return {};
}

Status<std::string> checkRoutes(std::vector<Route>& routes) {
  for (size_t i = 0; i < routes.size(); ++i) {
    Result<Route, std::string> route = checkRoute(routes[i]);
    if (!route) {
      return fail(entry("routes", i) + ": " + route.error());
    }
    routes[i] = std::move(route.value());
    for (size_t j = 0; j < i; ++j) {
      if (routes[j].key() == routes[i].key()) {
        return fail(entry("routes", i) + ": two routes with the same matching key (user, domain, phone_uri): " +
                    routes[i].key().toString() + " is also " + entry("routes", j));
      }
    }
  }
  return {};
}

Status<std::string> checkHosts(std::vector<AuthorizedHost>& hosts) {
  for (size_t i = 0; i < hosts.size(); ++i) {
    Result<AuthorizedHost, std::string> host = checkHost(hosts[i]);
    if (!host) {
      return fail(entry("authorized_hosts", i) + ": " + host.error());
    }
    hosts[i] = std::move(host.value());
    for (size_t j = 0; j < i; ++j) {
      if (hosts[j].host == hosts[i].host) {
        return fail(entry("authorized_hosts", i) + ": host: " + hosts[i].host + " is listed twice (also " +
                    entry("authorized_hosts", j) + ")");
      }
    }
  }
  return {};
}

Status<std::string> checkUsers(std::vector<UserEntry>& users, const std::vector<std::string>& domains) {
  std::unordered_map<std::string, size_t> seen;  // URI -> index
  for (size_t i = 0; i < users.size(); ++i) {
    Result<UserAddress, std::string> address = parseUserUri(users[i].uri);
    if (!address) {
      return fail(entry("users", i) + ": uri: " + address.error());
    }
    if (std::find(domains.begin(), domains.end(), address->domain) == domains.end()) {
      return fail(entry("users", i) + ": uri: " + address->domain + " is not one of the pool's domains");
    }
    users[i].uri = address->uri();
    const auto [same, added] = seen.emplace(users[i].uri, i);
    if (!added) {
      return fail(entry("users", i) + ": uri: " + users[i].uri + " is listed twice (also " +
                  entry("users", same->second) + ")");
    }
  }
  return {};
}

Status<std::string> checkPresenceRules(std::vector<PresenceRule>& rules, const std::vector<std::string>& domains) {
  std::unordered_map<std::string, size_t> seen;  // owner "\n" watcher -> index
  for (size_t i = 0; i < rules.size(); ++i) {
    Result<PresenceRule, std::string> rule = checkPresenceRule(rules[i]);
    if (!rule) {
      return fail(entry("presence_rules", i) + ": " + rule.error());
    }
    rules[i] = std::move(rule.value());
    const std::string domain = rules[i].owner.substr(rules[i].owner.find('@') + 1);
    if (std::find(domains.begin(), domains.end(), domain) == domains.end()) {
      return fail(entry("presence_rules", i) + ": owner: " + domain + " is not one of the pool's domains");
    }
    const auto [same, added] = seen.emplace(rules[i].owner + "\n" + rules[i].watcher, i);
    if (!added) {
      return fail(entry("presence_rules", i) + ": two rules for the same owner and watcher (" + rules[i].owner + ", " +
                  rules[i].watcher + "): also " + entry("presence_rules", same->second));
    }
  }
  return {};
}

}  // namespace

Result<PoolSettings, std::string> checkPoolSettings(PoolSettings settings) {
  Status<std::string> status = checkDomains(settings.domains);
  if (status) {
    status = checkRoutes(settings.routes);
  }
  if (status) {
    status = checkHosts(settings.authorized_hosts);
  }
  if (status) {
    status = checkUsers(settings.users, settings.domains);
  }
  if (status) {
    status = checkPresenceRules(settings.presence_rules, settings.domains);
  }
  if (!status) {
    return fail(status.error());
  }
  return settings;
}

Result<PoolSettings, std::string> parsePoolText(std::string_view text, std::string_view name) {
  PoolReader reader(name);
  try {
    const toml::table root = toml::parse(text, std::string(name));
    reader.read(root);
  } catch (const toml::parse_error& e) {
    reader.error(static_cast<int>(e.source().begin.line), "", "TOML syntax: " + std::string(e.description()));
  }
  return reader.result();
}

Result<PoolSettings, std::string> parsePoolFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return fail(file.string() + ": cannot read the pool file: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parsePoolText(text.str(), file.string());
}

std::string formatPoolFile(const PoolSettings& settings) {
  std::ostringstream out;
  out << "# Tandem pool settings (tandemctl pool export). Passwords are never exported:\n"
      << "# applying this file keeps every user's stored password.\n\n"
      << "domains = [";
  for (size_t i = 0; i < settings.domains.size(); ++i) {
    out << (i == 0 ? "" : ", ") << tomlString(settings.domains[i]);
  }
  out << "]\n";
  for (const Route& route : settings.routes) {
    formatRoute(out, route);
  }
  for (const AuthorizedHost& host : settings.authorized_hosts) {
    formatHost(out, host);
  }
  for (const UserEntry& user : settings.users) {
    formatUser(out, user);
  }
  for (const PresenceRule& rule : settings.presence_rules) {
    formatPresenceRule(out, rule);
  }
  out << "\n[presence]\nauthorize = " << tomlString(presenceAuthorizeName(settings.presence.authorize)) << "\n";
  out << "\n[throttling]\n";
  for (const ThrottlingKey& key : kThrottlingKeys) {
    out << key.name << " = " << settings.throttling.*key.member << "\n";
  }
  return out.str();
}

}  // namespace tandem::config
