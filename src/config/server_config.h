#pragma once

// The server file (TOML): what one machine of a pool needs to start: its
// identity, where the store is, the connections it listens on, TLS and the
// admin listener. docs/configuration.md describes every key.
//
// Loading never throws: a broken file is an error value whose text names the
// file, the line and the key ("server.toml:7: connections[1].port: ...").
// Relative paths are resolved against the folder of the server file.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace tandem::config {

enum class Transport : uint8_t { Udp, Tcp, Tls, Mtls };

// "udp", "tcp", "tls", "mtls".
std::string_view transportName(Transport transport);
std::optional<Transport> transportFromName(std::string_view name);

// One [[connections]] entry: a listening address (LCS "Connections" tab).
struct Connection {
  std::string address;  // "*" (every IPv4 and IPv6 address) or one IP literal
  Transport transport = Transport::Tcp;
  uint16_t port = 0;
  int line = 0;  // where the entry starts in the server file
};

// An IP literal and a port ("127.0.0.1:8081", "[::1]:8081").
struct HostPort {
  std::string address;
  uint16_t port = 0;
};

// [server] store: the pool-scope settings live there.
struct Store {
  enum class Kind : uint8_t { Sqlite, Postgresql };
  Kind kind = Kind::Sqlite;
  // Sqlite: the database file, absolute. Postgresql: the connection URI as written.
  std::string location;
};

struct Tls {
  // Absolute paths; empty when not given.
  std::filesystem::path certificate;
  std::filesystem::path private_key;
  std::filesystem::path trusted_roots;  // PEM file or folder
  bool fips = false;
};

struct Limits {
  size_t max_message_size = 65536;             // bytes, whole message (UDP and stream)
  std::chrono::seconds tcp_idle_timeout{300};  // a silent TCP connection is closed after this
  size_t tcp_max_connections = 4096;           // accepted TCP connections held at once
  size_t max_im_body = 16384;                  // bytes of a page-mode MESSAGE body to a local user; over: 413
};

// The registrar (RFC 3261 §10.3), in seconds.
struct Registrar {
  uint32_t min_expires = 60;        // shorter (not 0): 423 Interval Too Brief
  uint32_t max_expires = 86400;     // longer requests are shortened to this
  uint32_t default_expires = 3600;  // no expires parameter and no Expires header
  uint32_t max_contacts = 16;       // bindings per user
};

// The presence agent (RFC 3856, RFC 6665, RFC 3903).
struct Presence {
  uint32_t min_expires = 60;                        // SUBSCRIBE / PUBLISH shorter (not 0): 423
  uint32_t max_expires = 86400;                     // longer are shortened (IM&P's 7446 s passes as asked)
  uint32_t default_expires = 3600;                  // SUBSCRIBE / PUBLISH without Expires (RFC 3856 §6.4)
  std::chrono::milliseconds notify_interval{5000};  // at most one NOTIFY per subscription this often (RFC 3856 §6.10)
  size_t max_subscriptions = 1000000;               // dialogs held at once; over: 503
  size_t max_watchers = 10000;                      // subscriptions to one presentity; over: 503
};

// Digest authentication (RFC 7616, RFC 8760).
struct Auth {
  std::vector<std::string> algorithms{"SHA-256", "MD5"};  // challenges offered, most preferred first
  std::chrono::seconds nonce_lifetime{300};
  uint32_t failure_limit = 10;  // failed authentications per source and window before 503
  std::chrono::seconds failure_window{60};
};

// RFC 3261 §17.1.1.1: T1 (RTT estimate), T2 (longest retransmission
// interval), T4 (longest time a message lives in the network).
struct Timers {
  std::chrono::milliseconds t1{500};
  std::chrono::milliseconds t2{4000};
  std::chrono::milliseconds t4{5000};
  std::chrono::milliseconds c{180000};  // proxy INVITE Timer C (§16.6 item 11): > 3 minutes
};

// [dns]: the resolver of next hops (RFC 3263; docs/dns.md). The resolver's
// own bounds (cache size, hosts-file TTL) are not settings.
struct DnsSettings {
  std::vector<std::string> servers;         // "IP", "IP:port" or "[v6]:port"; empty: /etc/resolv.conf
  std::chrono::milliseconds timeout{2000};  // per try
  int tries = 2;
  std::chrono::seconds min_ttl{1};       // answers are fresh at least this long
  std::chrono::seconds max_ttl{3600};    // and at most this long
  std::chrono::seconds negative_ttl{5};  // how long a failure is remembered
  std::chrono::seconds stale{30};        // an expired answer is served this long while refreshed (RFC 8767)
};

struct ServerConfig {
  std::filesystem::path file;  // the server file, absolute
  std::string fqdn;
  Store store;
  std::optional<HostPort> admin;  // nullopt: admin = "" (off)
  std::string pool_fqdn;          // empty: Standard Edition
  unsigned workers = 0;           // event loops (threads); 0: one per core
  Timers timers;
  std::vector<Connection> connections;
  Tls tls;
  Limits limits;
  Registrar registrar;
  Presence presence;
  Auth auth;
  DnsSettings dns;
  std::string log_level = "info";  // trace, debug, info, warn, error, critical, off
};

// A problem found in a server file. Errors stop tandemd from starting;
// warnings do not.
struct Finding {
  enum class Severity : uint8_t { Error, Warning };
  Severity severity = Severity::Error;
  std::string file;     // as given by the user
  int line = 0;         // 0 when the problem has no place in the file
  std::string key;      // "connections[2].port"; empty for file-level problems
  std::string message;  // starts with the key when there is one

  bool isError() const { return severity == Severity::Error; }
  // "server.toml:7: error: connections[2].port: must be between 1 and 65535, got 70000"
  std::string toString() const;
};

struct CheckResult {
  ServerConfig config;            // meaningful only when there is no error
  std::vector<Finding> findings;  // in file order, errors and warnings

  bool hasErrors() const;
  const Finding* firstError() const;
};

// Every finding of a server file (tandemd --check).
CheckResult checkServerFile(const std::filesystem::path& file);
// Same for text already in memory; `file` names it in findings and anchors
// relative paths.
CheckResult checkServerText(std::string_view text, const std::filesystem::path& file);

// The configuration, or the first error as one line (file:line: key: problem).
Result<ServerConfig, std::string> loadServerFile(const std::filesystem::path& file);

// Validation shared with tandemctl (pool file hosts, next hops).
bool isIpLiteral(std::string_view text);
bool isHostName(std::string_view text);

}  // namespace tandem::config
