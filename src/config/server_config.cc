#include "config/server_config.h"
#include "config/toml_helpers.h"

#include <arpa/inet.h>

#include <toml++/toml.h>
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <span>
#include <sstream>

namespace tandem::config {
namespace {

using Keys = std::span<const std::string_view>;

constexpr std::array<std::string_view, 10> kRootKeys = {"server", "connections", "tls",  "limits", "log",
                                                        "timers", "registrar",   "auth", "dns",    "presence"};
constexpr std::array<std::string_view, 6> kPresenceKeys = {"min_expires",     "max_expires",       "default_expires",
                                                           "notify_interval", "max_subscriptions", "max_watchers"};
constexpr std::array<std::string_view, 4> kRegistrarKeys = {"min_expires", "max_expires", "default_expires",
                                                            "max_contacts"};
constexpr std::array<std::string_view, 4> kAuthKeys = {"algorithms", "nonce_lifetime", "failure_limit",
                                                       "failure_window"};
constexpr std::array<std::string_view, 5> kServerKeys = {"fqdn", "store", "admin", "pool_fqdn", "workers"};
constexpr std::array<std::string_view, 3> kConnectionKeys = {"address", "transport", "port"};
constexpr std::array<std::string_view, 4> kTlsKeys = {"certificate", "private_key", "trusted_roots", "fips"};
constexpr std::array<std::string_view, 4> kLimitsKeys = {"max_message_size", "tcp_idle_timeout", "tcp_max_connections",
                                                         "max_im_body"};
constexpr std::array<std::string_view, 7> kDnsKeys = {"servers", "timeout",      "tries", "min_ttl",
                                                      "max_ttl", "negative_ttl", "stale"};
constexpr std::array<std::string_view, 4> kTimersKeys = {"t1", "t2", "t4", "c"};
constexpr std::array<std::string_view, 1> kLogKeys = {"level"};
constexpr std::array<std::string_view, 7> kLogLevels = {"trace", "debug", "info", "warn", "error", "critical", "off"};
constexpr std::array<std::string_view, 4> kTransportNames = {"udp", "tcp", "tls", "mtls"};

constexpr std::string_view kDefaultStore = "sqlite:var/tandem.db";
constexpr std::string_view kDefaultAdmin = "127.0.0.1:8081";

std::string join(Keys keys) {
  std::string out;
  for (std::string_view key : keys) {
    if (!out.empty()) {
      out += ", ";
    }
    out += key;
  }
  return out;
}

bool contains(Keys keys, std::string_view key) { return std::find(keys.begin(), keys.end(), key) != keys.end(); }

using detail::expectedName;
using detail::lineOf;
using detail::typeName;

// Canonical text of an IP literal ("0:0::1" -> "::1"); empty when not one.
std::string canonicalIp(std::string_view text) {
  const std::string copy(text);
  unsigned char bytes[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, copy.c_str(), bytes) == 1) {
    return inet_ntop(AF_INET, bytes, out, sizeof out);
  }
  if (inet_pton(AF_INET6, copy.c_str(), bytes) == 1) {
    return inet_ntop(AF_INET6, bytes, out, sizeof out);
  }
  return {};
}

bool isIpv6(std::string_view address) { return address.find(':') != std::string_view::npos; }
bool isWildcard(std::string_view address) { return address == "*" || address == "0.0.0.0" || address == "::"; }

// Two connections would fight for the same socket: same port, same socket
// kind (tls and mtls are TCP too) and overlapping addresses. "*" is both
// families; "0.0.0.0" and "::" are one family each.
bool overlaps(const Connection& a, const Connection& b) {
  const bool a_udp = a.transport == Transport::Udp;
  const bool b_udp = b.transport == Transport::Udp;
  if (a.port != b.port || a_udp != b_udp) {
    return false;
  }
  if (a.address == b.address || a.address == "*" || b.address == "*") {
    return true;
  }
  const bool same_family = isIpv6(a.address) == isIpv6(b.address);
  return same_family && (isWildcard(a.address) || isWildcard(b.address));
}

std::optional<uint16_t> parsePort(std::string_view text) {
  if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  const int value = std::stoi(std::string(text));
  if (value < 1 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(value);
}

// "127.0.0.1:8081" or "[::1]:8081".
std::optional<HostPort> parseHostPort(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view host = text.substr(0, colon);
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) {
    host = host.substr(1, host.size() - 2);
  }
  const std::optional<uint16_t> port = parsePort(text.substr(colon + 1));
  std::string address = canonicalIp(host);
  if (!port || address.empty() || isIpv6(address) != bracketed) {
    return std::nullopt;
  }
  return HostPort{std::move(address), *port};
}

// A DNS server: "IP", "IP:port" or "[v6]:port" (a bare IPv6 literal is the
// address alone, port 53).
bool isDnsServer(std::string_view text) {
  if (text.starts_with('[')) {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || !isIpv6(canonicalIp(text.substr(1, close - 1)))) {
      return false;
    }
    const std::string_view rest = text.substr(close + 1);
    return rest.empty() || (rest.starts_with(':') && parsePort(rest.substr(1)).has_value());
  }
  const std::string canonical = canonicalIp(text);
  if (!canonical.empty()) {
    return true;  // IPv4, or IPv6 without brackets and port
  }
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos || text.find(':', colon + 1) != std::string_view::npos) {
    return false;
  }
  const std::string host = canonicalIp(text.substr(0, colon));
  return !host.empty() && !isIpv6(host) && parsePort(text.substr(colon + 1)).has_value();
}

// Walks the parsed document and collects findings; the config it fills is
// complete only when no error was found.
class Reader {
 public:
  Reader(std::string display_file, std::filesystem::path folder)
      : display_file_(std::move(display_file)), folder_(std::move(folder)) {}

  CheckResult read(const toml::table& root, std::filesystem::path absolute_file) {
    result_.config.file = std::move(absolute_file);
    checkKeys(root, "", kRootKeys);
    readServer(table(root, "server"), root);
    readConnections(root);
    readTls(table(root, "tls"));
    readLimits(table(root, "limits"));
    readLog(table(root, "log"));
    readTimers(table(root, "timers"));
    readRegistrar(table(root, "registrar"));
    readPresence(table(root, "presence"));
    readAuth(table(root, "auth"));
    readDns(table(root, "dns"));
    checkConnections();
    checkTls();
    std::stable_sort(result_.findings.begin(), result_.findings.end(),
                     [](const Finding& a, const Finding& b) { return a.line < b.line; });
    return std::move(result_);
  }

  void error(int line, std::string key, std::string_view problem) {
    add(Finding::Severity::Error, line, std::move(key), problem);
  }
  void warning(int line, std::string key, std::string_view problem) {
    add(Finding::Severity::Warning, line, std::move(key), problem);
  }
  CheckResult take() { return std::move(result_); }

 private:
  void add(Finding::Severity severity, int line, std::string key, std::string_view problem) {
    std::string message = key.empty() ? std::string(problem) : key + ": " + std::string(problem);
    result_.findings.push_back(Finding{severity, display_file_, line, std::move(key), std::move(message)});
  }

  static std::string path(std::string_view prefix, std::string_view key) {
    return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
  }

  void checkKeys(const toml::table& table, std::string_view prefix, Keys known) {
    for (auto&& [key, node] : table) {
      if (!contains(known, key.str())) {
        error(static_cast<int>(key.source().begin.line), path(prefix, key.str()),
              "unknown key (known here: " + join(known) + ")");
      }
    }
  }

  // An optional sub-table of the root; nullptr when absent or not a table.
  const toml::table* table(const toml::table& root, std::string_view name) {
    const toml::node* node = root.get(name);
    if (node == nullptr) {
      return nullptr;
    }
    if (!node->is_table()) {
      error(lineOf(*node), std::string(name),
            "must be a table ([" + std::string(name) + "]), got " + std::string(typeName(node->type())));
      return nullptr;
    }
    return node->as_table();
  }

  template <class T>
  std::optional<T> get(const toml::table* table, std::string_view prefix, std::string_view key) {
    const toml::node* node = table == nullptr ? nullptr : table->get(key);
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

  // A required key: absent is an error placed at its table (or line 0).
  template <class T>
  std::optional<T> require(const toml::table* table, std::string_view prefix, std::string_view key) {
    if (table == nullptr || !table->contains(key)) {
      error(table == nullptr ? 0 : lineOf(*table), path(prefix, key), "required");
      return std::nullopt;
    }
    return get<T>(table, prefix, key);
  }

  int lineOfKey(const toml::table* table, std::string_view key) const {
    const toml::node* node = table == nullptr ? nullptr : table->get(key);
    return node == nullptr ? (table == nullptr ? 0 : lineOf(*table)) : lineOf(*node);
  }

  std::filesystem::path resolve(std::string_view text) const {
    if (text.empty()) {
      return {};
    }
    std::filesystem::path path(text);
    return (path.is_absolute() ? path : folder_ / path).lexically_normal();
  }

  void readServer(const toml::table* server, const toml::table& root) {
    ServerConfig& config = result_.config;
    if (server == nullptr) {
      if (!root.contains("server")) {
        error(0, "server", "the [server] table is required (it holds fqdn)");
      }
      return;
    }
    checkKeys(*server, "server", kServerKeys);
    if (auto fqdn = require<std::string>(server, "server", "fqdn")) {
      checkFqdn(*fqdn, lineOfKey(server, "fqdn"), "server.fqdn");
      config.fqdn = std::move(*fqdn);
    }
    readStore(get<std::string>(server, "server", "store").value_or(std::string(kDefaultStore)),
              lineOfKey(server, "store"));
    readAdmin(get<std::string>(server, "server", "admin").value_or(std::string(kDefaultAdmin)),
              lineOfKey(server, "admin"));
    if (auto pool_fqdn = get<std::string>(server, "server", "pool_fqdn")) {
      checkFqdn(*pool_fqdn, lineOfKey(server, "pool_fqdn"), "server.pool_fqdn");
      config.pool_fqdn = std::move(*pool_fqdn);
    }
    config.workers = static_cast<unsigned>(bounded(server, "server", "workers", 0, 0, 256));
  }

  void checkFqdn(const std::string& name, int line, std::string key) {
    if (!isHostName(name)) {
      error(line, std::move(key), "'" + name + "' is not a host name (letters, digits, '-' and '.')");
    } else if (name.find('.') == std::string::npos) {
      warning(line, std::move(key), "'" + name + "' is not fully qualified (no domain part)");
    }
  }

  void readStore(std::string_view text, int line) {
    constexpr std::string_view kSqlite = "sqlite:";
    Store& store = result_.config.store;
    if (text.starts_with(kSqlite) && text.size() > kSqlite.size()) {
      store = Store{Store::Kind::Sqlite, resolve(text.substr(kSqlite.size())).string()};
    } else if (text.starts_with("postgresql://") || text.starts_with("postgres://")) {
      store = Store{Store::Kind::Postgresql, std::string(text)};
    } else {
      error(line, "server.store",
            "expected \"sqlite:<path>\" or \"postgresql://...\", got '" + std::string(text) + "'");
    }
  }

  void readAdmin(std::string_view text, int line) {
    if (text.empty()) {
      result_.config.admin.reset();
      return;
    }
    result_.config.admin = parseHostPort(text);
    if (!result_.config.admin) {
      error(
          line, "server.admin",
          "expected \"<ip>:<port>\" (IPv6 as \"[::1]:8081\") or \"\" to turn it off, got '" + std::string(text) + "'");
    }
  }

  void readConnections(const toml::table& root) {
    const toml::node* node = root.get("connections");
    if (node == nullptr) {
      return;
    }
    const toml::array* array = node->as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      error(lineOf(*node), "connections", "must be an array of tables ([[connections]])");
      return;
    }
    for (size_t i = 0; i < array->size(); ++i) {
      readConnection(*array->get(i)->as_table(), "connections[" + std::to_string(i + 1) + "]");
    }
  }

  // An entry with an error is kept with port 0, so entries stay numbered as
  // in the file and the cross checks skip it.
  void readConnection(const toml::table& table, const std::string& prefix) {
    checkKeys(table, prefix, kConnectionKeys);
    Connection connection;
    connection.line = lineOf(table);
    const std::optional<std::string> address = readAddress(table, prefix);
    const std::optional<Transport> transport = readTransport(table, prefix);
    const std::optional<int64_t> port =
        inRange(&table, prefix, "port", require<int64_t>(&table, prefix, "port"), 1, 65535);
    if (address && transport && port) {
      connection.address = *address;
      connection.transport = *transport;
      connection.port = static_cast<uint16_t>(*port);
    }
    result_.config.connections.push_back(std::move(connection));
  }

  std::optional<std::string> readAddress(const toml::table& table, const std::string& prefix) {
    const std::optional<std::string> text = require<std::string>(&table, prefix, "address");
    if (!text || *text == "*") {
      return text;
    }
    std::string canonical = canonicalIp(*text);
    if (canonical.empty()) {
      error(lineOfKey(&table, "address"), prefix + ".address",
            "expected \"*\" or an IPv4/IPv6 literal (IPv6 without brackets), got '" + *text + "'");
      return std::nullopt;
    }
    return canonical;
  }

  std::optional<Transport> readTransport(const toml::table& table, const std::string& prefix) {
    const std::optional<std::string> name = require<std::string>(&table, prefix, "transport");
    const std::optional<Transport> transport = name ? transportFromName(*name) : std::nullopt;
    if (name && !transport) {
      error(lineOfKey(&table, "transport"), prefix + ".transport",
            "expected one of " + join(kTransportNames) + ", got '" + *name + "'");
    }
    return transport;
  }

  void readTls(const toml::table* tls) {
    if (tls == nullptr) {
      return;
    }
    checkKeys(*tls, "tls", kTlsKeys);
    Tls& out = result_.config.tls;
    out.certificate = resolve(get<std::string>(tls, "tls", "certificate").value_or(""));
    out.private_key = resolve(get<std::string>(tls, "tls", "private_key").value_or(""));
    out.trusted_roots = resolve(get<std::string>(tls, "tls", "trusted_roots").value_or(""));
    out.fips = get<bool>(tls, "tls", "fips").value_or(false);
    tls_ = tls;
  }

  // `value` when it lies in [low, high]; an error otherwise.
  std::optional<int64_t> inRange(const toml::table* table, std::string_view prefix, std::string_view key,
                                 std::optional<int64_t> value, int64_t low, int64_t high) {
    if (value && (*value < low || *value > high)) {
      error(lineOfKey(table, key), path(prefix, key),
            "must be between " + std::to_string(low) + " and " + std::to_string(high) + ", got " +
                std::to_string(*value));
      return std::nullopt;
    }
    return value;
  }

  // An optional integer key with a range; absent or wrong keeps `fallback`.
  int64_t bounded(const toml::table* table, std::string_view prefix, std::string_view key, int64_t fallback,
                  int64_t low, int64_t high) {
    return inRange(table, prefix, key, get<int64_t>(table, prefix, key), low, high).value_or(fallback);
  }

  // RFC 3261 §17.1.1.1 timers, in milliseconds.
  void readTimers(const toml::table* timers) {
    if (timers == nullptr) {
      return;
    }
    checkKeys(*timers, "timers", kTimersKeys);
    Timers& out = result_.config.timers;
    out.t1 = std::chrono::milliseconds(bounded(timers, "timers", "t1", out.t1.count(), 50, 10000));
    out.t2 = std::chrono::milliseconds(bounded(timers, "timers", "t2", out.t2.count(), 500, 60000));
    out.t4 = std::chrono::milliseconds(bounded(timers, "timers", "t4", out.t4.count(), 500, 60000));
    if (out.t2 < out.t1) {
      error(lineOfKey(timers, "t2"), "timers.t2", "must not be shorter than timers.t1");
    }
    out.c = std::chrono::milliseconds(bounded(timers, "timers", "c", out.c.count(), 1000, 3600000));
    if (out.c < std::chrono::minutes(3)) {
      warning(lineOfKey(timers, "c"), "timers.c",
              "is shorter than the 3 minutes RFC 3261 §16.6 asks for: ringing calls are cancelled early");
    }
  }

  void readRegistrar(const toml::table* registrar) {
    if (registrar == nullptr) {
      return;
    }
    checkKeys(*registrar, "registrar", kRegistrarKeys);
    Registrar& out = result_.config.registrar;
    out.min_expires = static_cast<uint32_t>(bounded(registrar, "registrar", "min_expires", out.min_expires, 1, 86400));
    out.max_expires =
        static_cast<uint32_t>(bounded(registrar, "registrar", "max_expires", out.max_expires, 60, 31536000));
    out.default_expires =
        static_cast<uint32_t>(bounded(registrar, "registrar", "default_expires", out.default_expires, 1, 31536000));
    out.max_contacts =
        static_cast<uint32_t>(bounded(registrar, "registrar", "max_contacts", out.max_contacts, 1, 1000));
    if (out.max_expires < out.min_expires) {
      error(lineOfKey(registrar, "max_expires"), "registrar.max_expires",
            "must not be shorter than registrar.min_expires");
    }
  }

  void readPresence(const toml::table* presence) {
    if (presence == nullptr) {
      return;
    }
    checkKeys(*presence, "presence", kPresenceKeys);
    Presence& out = result_.config.presence;
    out.min_expires = static_cast<uint32_t>(bounded(presence, "presence", "min_expires", out.min_expires, 1, 86400));
    out.max_expires =
        static_cast<uint32_t>(bounded(presence, "presence", "max_expires", out.max_expires, 60, 31536000));
    out.default_expires =
        static_cast<uint32_t>(bounded(presence, "presence", "default_expires", out.default_expires, 1, 31536000));
    out.notify_interval = std::chrono::milliseconds(
        bounded(presence, "presence", "notify_interval", out.notify_interval.count(), 0, 3600000));
    out.max_subscriptions = static_cast<size_t>(
        bounded(presence, "presence", "max_subscriptions", static_cast<int64_t>(out.max_subscriptions), 1, 100000000));
    out.max_watchers = static_cast<size_t>(
        bounded(presence, "presence", "max_watchers", static_cast<int64_t>(out.max_watchers), 1, 10000000));
    if (out.max_expires < out.min_expires) {
      error(lineOfKey(presence, "max_expires"), "presence.max_expires",
            "must not be shorter than presence.min_expires");
    }
  }

  void readAuth(const toml::table* auth) {
    if (auth == nullptr) {
      return;
    }
    checkKeys(*auth, "auth", kAuthKeys);
    Auth& out = result_.config.auth;
    if (const toml::node* node = auth->get("algorithms"); node != nullptr) {
      const toml::array* list = node->as_array();
      std::vector<std::string> algorithms;
      bool ok = list != nullptr && !list->empty();
      if (list != nullptr) {
        for (const toml::node& item : *list) {
          const auto* text = item.as_string();
          if (text == nullptr || (text->get() != "MD5" && text->get() != "SHA-256") ||
              std::find(algorithms.begin(), algorithms.end(), text->get()) != algorithms.end()) {
            ok = false;
            break;
          }
          algorithms.push_back(text->get());
        }
      }
      if (!ok) {
        error(lineOfKey(auth, "algorithms"), "auth.algorithms",
              "must list \"SHA-256\" and/or \"MD5\", each once, most preferred first");
      } else {
        out.algorithms = std::move(algorithms);
      }
    }
    out.nonce_lifetime =
        std::chrono::seconds(bounded(auth, "auth", "nonce_lifetime", out.nonce_lifetime.count(), 10, 86400));
    out.failure_limit = static_cast<uint32_t>(bounded(auth, "auth", "failure_limit", out.failure_limit, 1, 1000000));
    out.failure_window =
        std::chrono::seconds(bounded(auth, "auth", "failure_window", out.failure_window.count(), 1, 86400));
  }

  // The next-hop resolver (docs/dns.md).
  void readDns(const toml::table* dns) {
    if (dns == nullptr) {
      return;
    }
    checkKeys(*dns, "dns", kDnsKeys);
    DnsSettings& out = result_.config.dns;
    if (const toml::node* node = dns->get("servers"); node != nullptr) {
      if (const toml::array* list = node->as_array(); list == nullptr) {
        error(lineOf(*node), "dns.servers", "must be an array of strings, got " + std::string(typeName(node->type())));
      } else {
        for (size_t i = 0; i < list->size(); ++i) {
          const toml::node& item = *list->get(i);
          const auto* text = item.as_string();
          const std::string key = "dns.servers[" + std::to_string(i + 1) + "]";
          if (text == nullptr) {
            error(lineOf(item), key, "must be a string, got " + std::string(typeName(item.type())));
          } else if (!isDnsServer(text->get())) {
            error(lineOf(item), key,
                  "expected \"<ip>\", \"<ip>:<port>\" or \"[<IPv6>]:<port>\", got '" + text->get() + "'");
          } else {
            out.servers.push_back(text->get());
          }
        }
      }
    }
    out.timeout = std::chrono::milliseconds(bounded(dns, "dns", "timeout", out.timeout.count(), 100, 60000));
    out.tries = static_cast<int>(bounded(dns, "dns", "tries", out.tries, 1, 10));
    out.min_ttl = std::chrono::seconds(bounded(dns, "dns", "min_ttl", out.min_ttl.count(), 1, 3600));
    out.max_ttl = std::chrono::seconds(bounded(dns, "dns", "max_ttl", out.max_ttl.count(), 1, 604800));
    if (out.max_ttl < out.min_ttl) {
      error(lineOfKey(dns, "max_ttl"), "dns.max_ttl", "must not be shorter than dns.min_ttl");
    }
    out.negative_ttl = std::chrono::seconds(bounded(dns, "dns", "negative_ttl", out.negative_ttl.count(), 1, 3600));
    out.stale = std::chrono::seconds(bounded(dns, "dns", "stale", out.stale.count(), 0, 86400));
  }

  void readLimits(const toml::table* limits) {
    if (limits == nullptr) {
      return;
    }
    checkKeys(*limits, "limits", kLimitsKeys);
    Limits& out = result_.config.limits;
    out.max_message_size = static_cast<size_t>(
        bounded(limits, "limits", "max_message_size", static_cast<int64_t>(out.max_message_size), 1024, 1 << 20));
    out.tcp_idle_timeout =
        std::chrono::seconds(bounded(limits, "limits", "tcp_idle_timeout", out.tcp_idle_timeout.count(), 1, 86400));
    out.tcp_max_connections = static_cast<size_t>(
        bounded(limits, "limits", "tcp_max_connections", static_cast<int64_t>(out.tcp_max_connections), 1, 1000000));
    out.max_im_body = static_cast<size_t>(
        bounded(limits, "limits", "max_im_body", static_cast<int64_t>(out.max_im_body), 0, 1 << 20));
  }

  void readLog(const toml::table* log) {
    if (log == nullptr) {
      return;
    }
    checkKeys(*log, "log", kLogKeys);
    if (auto level = get<std::string>(log, "log", "level")) {
      if (contains(kLogLevels, *level)) {
        result_.config.log_level = std::move(*level);
      } else {
        error(lineOfKey(log, "level"), "log.level", "expected one of " + join(kLogLevels) + ", got '" + *level + "'");
      }
    }
  }

  void checkConnections() {
    const std::vector<Connection>& connections = result_.config.connections;
    if (connections.empty()) {
      error(0, "connections", "at least one [[connections]] entry is required");
    }
    for (size_t i = 0; i < connections.size(); ++i) {
      const Connection& c = connections[i];
      const std::string key = "connections[" + std::to_string(i + 1) + "]";
      if (c.port == 0) {
        continue;  // already reported
      }
      for (size_t j = 0; j < i; ++j) {
        if (connections[j].port != 0 && overlaps(connections[j], c)) {
          error(c.line, key,
                "uses the same socket as connections[" + std::to_string(j + 1) + "] (same port and " +
                    (c.transport == Transport::Udp ? "UDP" : "TCP") + ", overlapping address)");
        }
      }
      if (c.transport == Transport::Tls || c.transport == Transport::Mtls) {
        warning(c.line, key,
                std::string(transportName(c.transport)) +
                    " transport arrives with the TLS issue; tandemd cannot open this connection yet");
      }
    }
  }

  bool anyConnection(Transport transport) const {
    const auto& connections = result_.config.connections;
    return std::any_of(connections.begin(), connections.end(),
                       [&](const Connection& c) { return c.transport == transport && c.port != 0; });
  }

  // A TLS file: required (error when missing) if a connection needs it, else
  // only checked when given (warning).
  void checkTlsFile(const std::filesystem::path& file, std::string_view key, bool needed, std::string_view who) {
    const std::string full = "tls." + std::string(key);
    const int line = lineOfKey(tls_, key);
    if (file.empty()) {
      if (needed) {
        error(line, full, "required by the " + std::string(who) + " connections");
      }
      return;
    }
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) {
      const std::string problem = "'" + file.string() + "' does not exist";
      needed ? error(line, full, problem) : warning(line, full, problem);
    }
  }

  void checkTls() {
    const bool mtls = anyConnection(Transport::Mtls);
    const bool tls = mtls || anyConnection(Transport::Tls);
    const Tls& config = result_.config.tls;
    checkTlsFile(config.certificate, "certificate", tls, "tls/mtls");
    checkTlsFile(config.private_key, "private_key", tls, "tls/mtls");
    checkTlsFile(config.trusted_roots, "trusted_roots", mtls, "mtls");
  }

  std::string display_file_;
  std::filesystem::path folder_;
  const toml::table* tls_ = nullptr;
  CheckResult result_;
};

std::optional<std::string> readFile(const std::filesystem::path& file, std::string& error) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string_view transportName(Transport transport) { return kTransportNames[static_cast<size_t>(transport)]; }

std::optional<Transport> transportFromName(std::string_view name) {
  for (size_t i = 0; i < kTransportNames.size(); ++i) {
    if (kTransportNames[i] == name) {
      return static_cast<Transport>(i);
    }
  }
  return std::nullopt;
}

bool isIpLiteral(std::string_view text) { return !canonicalIp(text).empty(); }

bool isHostName(std::string_view text) {
  if (text.empty() || text.size() > 253) {
    return false;
  }
  size_t start = 0;
  while (start <= text.size()) {
    const size_t dot = std::min(text.find('.', start), text.size());
    const std::string_view label = text.substr(start, dot - start);
    const bool chars_ok = std::all_of(label.begin(), label.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    });
    if (label.empty() || label.size() > 63 || !chars_ok || label.front() == '-' || label.back() == '-') {
      return false;
    }
    start = dot + 1;
  }
  return true;
}

std::string Finding::toString() const {
  std::string out = file;
  if (line > 0) {
    out += ":" + std::to_string(line);
  }
  out += severity == Severity::Error ? ": error: " : ": warning: ";
  out += message;
  return out;
}

bool CheckResult::hasErrors() const { return firstError() != nullptr; }

const Finding* CheckResult::firstError() const {
  for (const Finding& finding : findings) {
    if (finding.isError()) {
      return &finding;
    }
  }
  return nullptr;
}

CheckResult checkServerText(std::string_view text, const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(file, ec);
  if (ec) {
    absolute = file;
  }
  Reader reader(file.string(), absolute.parent_path());
  try {
    const toml::table root = toml::parse(text, file.string());
    return reader.read(root, absolute);
  } catch (const toml::parse_error& e) {
    reader.error(static_cast<int>(e.source().begin.line), "", "TOML syntax: " + std::string(e.description()));
    return reader.take();
  }
}

CheckResult checkServerFile(const std::filesystem::path& file) {
  std::string problem;
  const std::optional<std::string> text = readFile(file, problem);
  if (!text) {
    CheckResult result;
    result.findings.push_back(
        Finding{Finding::Severity::Error, file.string(), 0, "", "cannot read the server file: " + problem});
    return result;
  }
  return checkServerText(*text, file);
}

Result<ServerConfig, std::string> loadServerFile(const std::filesystem::path& file) {
  CheckResult result = checkServerFile(file);
  if (const Finding* error = result.firstError()) {
    std::string text = error->file;
    if (error->line > 0) {
      text += ":" + std::to_string(error->line);
    }
    return fail(text + ": " + error->message);
  }
  return std::move(result.config);
}

}  // namespace tandem::config
