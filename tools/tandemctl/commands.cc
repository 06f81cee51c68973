#include "commands.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <string_view>
#include <vector>

#include "config/pool.h"
#include "sip/message.h"
#include "sip/uri.h"
#include "store/routing_rule.h"

namespace tandem::tandemctl {
namespace {

using Row = std::vector<std::string>;

std::string yesNo(bool value) { return value ? "yes" : "no"; }

// Columns padded to their widest cell, two spaces apart; the first row is the
// header. Printed even without data rows, so scripts can rely on it.
void printTable(const std::vector<Row>& rows) {
  std::vector<size_t> widths;
  for (const Row& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  for (const Row& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line += std::string(widths[i] - row[i].size() + 2, ' ');
      }
    }
    std::printf("%s\n", line.c_str());
  }
}

// One line per change, or "no changes".
int printSummary(const store::StoreResult<store::ChangeSummary>& summary) {
  if (!summary) {
    return refuse(summary.error());
  }
  if (summary->empty()) {
    std::printf("no changes\n");
  }
  for (const std::string& change : summary->changes) {
    std::printf("%s\n", change.c_str());
  }
  return kExitOk;
}

// A pool file's users that are new to the store must bring a password; the
// error names the file and the line (the store would refuse them too, later
// and without the line).
int checkNewUsersHavePasswords(store::Store& store, const config::PoolSettings& settings, const std::string& file) {
  for (size_t i = 0; i < settings.users.size(); ++i) {
    const config::UserEntry& user = settings.users[i];
    if (!user.password.empty()) {
      continue;
    }
    store::StoreResult<std::optional<store::UserRecord>> existing = store.getUser(user.uri);
    if (!existing) {
      return refuse(existing.error());
    }
    if (!existing->has_value()) {
      return refuse(file + ":" + std::to_string(user.line) + ": users[" + std::to_string(i + 1) +
                    "].password: required: " + user.uri + " is a new user");
    }
  }
  return kExitOk;
}

}  // namespace

std::string oneLine(std::string text) {
  std::replace_if(
      text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }, ' ');
  return text;
}

int refuse(const std::string& reason) {
  std::fprintf(stderr, "tandemctl: %s\n", oneLine(reason).c_str());
  return kExitError;
}

int poolApply(store::Store& store, const Arguments& args) {
  Result<config::PoolSettings, std::string> settings = config::parsePoolFile(args.file);
  if (!settings) {
    return refuse(settings.error());
  }
  if (int status = checkNewUsersHavePasswords(store, *settings, args.file); status != kExitOk) {
    return status;
  }
  store::StoreResult<store::ChangeSummary> summary = store.applyPool(*settings);
  if (!summary) {
    return refuse(args.file + ": not applied: " + summary.error());
  }
  return printSummary(summary);
}

int poolExport(store::Store& store, const Arguments&) {
  store::StoreResult<store::PoolSnapshot> snapshot = store.loadPool();
  if (!snapshot) {
    return refuse(snapshot.error());
  }
  std::printf("%s", config::formatPoolFile(snapshot->settings).c_str());
  return kExitOk;
}

int domainAdd(store::Store& store, const Arguments& args) { return printSummary(store.addDomain(args.domain)); }

int domainRemove(store::Store& store, const Arguments& args) { return printSummary(store.removeDomain(args.domain)); }

int domainList(store::Store& store, const Arguments&) {
  store::StoreResult<std::vector<std::string>> domains = store.listDomains();
  if (!domains) {
    return refuse(domains.error());
  }
  for (const std::string& domain : *domains) {
    std::printf("%s\n", domain.c_str());
  }
  return kExitOk;
}

int routeAdd(store::Store& store, const Arguments& args) {
  config::Route route;
  route.user = args.user;
  route.domain = args.domain;
  route.next_hop = args.next_hop;
  route.transport = config::routeTransportFromName(args.transport).value_or(config::RouteTransport::Tcp);
  route.port = args.port == 0 ? config::defaultPort(route.transport) : static_cast<uint16_t>(args.port);
  route.srv = args.port == 0 && !config::isIpLiteral(route.next_hop);  // RFC 3263: SRV decides
  route.phone_uri = args.phone_uri;
  route.replace_host = args.replace_host;
  return printSummary(store.addRoute(route));
}

int routeRemove(store::Store& store, const Arguments& args) {
  return printSummary(store.removeRoute(config::RouteKey{args.user, args.domain, args.phone_uri}));
}

int routeList(store::Store& store, const Arguments&) {
  store::StoreResult<std::vector<config::Route>> routes = store.listRoutes();
  if (!routes) {
    return refuse(routes.error());
  }
  std::vector<Row> rows = {{"#", "USER", "DOMAIN", "PHONE-URI", "NEXT-HOP", "TRANSPORT", "PORT", "REPLACE-HOST"}};
  for (size_t i = 0; i < routes->size(); ++i) {
    const config::Route& r = (*routes)[i];
    rows.push_back({std::to_string(i + 1), r.user, r.domain, yesNo(r.phone_uri), r.next_hop,
                    std::string(config::routeTransportName(r.transport)),
                    r.srv ? "SRV (" + std::to_string(r.port) + ")" : std::to_string(r.port), yesNo(r.replace_host)});
  }
  printTable(rows);
  return kExitOk;
}

int hostAdd(store::Store& store, const Arguments& args) {
  return printSummary(store.addHost(
      config::AuthorizedHost{args.host, args.outbound_only, args.throttle_as_server, args.treat_as_authenticated, 0}));
}

int hostRemove(store::Store& store, const Arguments& args) { return printSummary(store.removeHost(args.host)); }

int hostList(store::Store& store, const Arguments&) {
  store::StoreResult<std::vector<config::AuthorizedHost>> hosts = store.listHosts();
  if (!hosts) {
    return refuse(hosts.error());
  }
  std::vector<Row> rows = {{"HOST", "OUTBOUND-ONLY", "THROTTLE-AS-SERVER", "TREAT-AS-AUTHENTICATED"}};
  for (const config::AuthorizedHost& h : *hosts) {
    rows.push_back({h.host, yesNo(h.outbound_only), yesNo(h.throttle_as_server), yesNo(h.treat_as_authenticated)});
  }
  printTable(rows);
  return kExitOk;
}

int userAdd(store::Store& store, const Arguments& args) { return printSummary(store.addUser(args.uri, args.password)); }

int userRemove(store::Store& store, const Arguments& args) { return printSummary(store.removeUser(args.uri)); }

int userEnable(store::Store& store, const Arguments& args) {
  return printSummary(store.setUserEnabled(args.uri, true));
}

int userDisable(store::Store& store, const Arguments& args) {
  return printSummary(store.setUserEnabled(args.uri, false));
}

int userList(store::Store& store, const Arguments&) {
  store::StoreResult<std::vector<store::UserRecord>> users = store.listUsers();
  if (!users) {
    return refuse(users.error());
  }
  std::vector<Row> rows = {{"URI", "ENABLED"}};
  for (const store::UserRecord& user : *users) {
    rows.push_back({user.uri, yesNo(user.enabled)});
  }
  printTable(rows);
  return kExitOk;
}

// The digest hashes are not printed: an HA1 is as good as the password.
int userShow(store::Store& store, const Arguments& args) {
  store::StoreResult<std::optional<store::UserRecord>> user = store.getUser(args.uri);
  if (!user) {
    return refuse(user.error());
  }
  if (!user->has_value()) {
    return refuse("no user " + args.uri);
  }
  const store::UserRecord& record = **user;
  std::printf("uri:      %s\nuser:     %s\ndomain:   %s (digest realm)\nenabled:  %s\npassword: %s\n",
              record.uri.c_str(), record.user.c_str(), record.domain.c_str(), yesNo(record.enabled).c_str(),
              record.ha1_md5.empty() ? "not set" : "set (MD5 and SHA-256 digest hashes)");
  return kExitOk;
}

namespace {

// Unix seconds as UTC, "2024-05-01T10:00:00Z".
std::string utc(int64_t unix_seconds) {
  const auto time = static_cast<std::time_t>(unix_seconds);
  std::tm parts{};
  char text[32];
  if (::gmtime_r(&time, &parts) == nullptr || std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts) == 0) {
    return std::to_string(unix_seconds);
  }
  return text;
}

int64_t unixNow() { return static_cast<int64_t>(std::time(nullptr)); }

std::string_view authorizeMeaning(config::PresenceAuthorize authorize) {
  switch (authorize) {
    case config::PresenceAuthorize::Ask:
      return "watchers without a rule wait for the owner's decision";
    case config::PresenceAuthorize::SameDomain:
      return "watchers without a rule are allowed from the pool's domains, others wait for the owner's decision";
    case config::PresenceAuthorize::All:
      return "watchers without a rule are allowed";
  }
  return "";
}

// The table under a heading, indented.
void printSection(const char* heading, std::vector<Row> rows) {
  std::printf("%s\n", heading);
  for (Row& row : rows) {
    row.front().insert(0, "  ");
  }
  printTable(rows);
}

// The owner must be a user homed here; otherwise the refusal.
std::optional<int> refuseUnlessUser(store::Store& store, const std::string& uri) {
  store::StoreResult<std::optional<store::UserRecord>> user = store.getUser(uri);
  if (!user) {
    return refuse(user.error());
  }
  if (!user->has_value()) {
    return refuse("no user " + uri);
  }
  return std::nullopt;
}

}  // namespace

int presenceAllow(store::Store& store, const Arguments& args) {
  return printSummary(store.setPresenceRule({args.owner, args.watcher, store::WatcherDecision::Allow}));
}

int presenceBlock(store::Store& store, const Arguments& args) {
  const store::WatcherDecision decision =
      args.reject ? store::WatcherDecision::BlockReject : store::WatcherDecision::BlockPolite;
  return printSummary(store.setPresenceRule({args.owner, args.watcher, decision}));
}

int presenceRemove(store::Store& store, const Arguments& args) {
  return printSummary(store.removePresenceRule(args.owner, args.watcher));
}

int presencePending(store::Store& store, const Arguments& args) {
  if (!args.owner.empty()) {
    if (std::optional<int> refused = refuseUnlessUser(store, args.owner)) {
      return *refused;
    }
  }
  store::StoreResult<std::vector<store::PendingWatcher>> pending = store.listPendingWatchers(args.owner);
  if (!pending) {
    return refuse(pending.error());
  }
  std::vector<Row> rows = {{"OWNER", "WATCHER", "SINCE"}};
  for (const store::PendingWatcher& waiting : *pending) {
    rows.push_back({waiting.owner, waiting.watcher, utc(waiting.since)});
  }
  printTable(rows);
  return kExitOk;
}

int presenceShow(store::Store& store, const Arguments& args) {
  if (std::optional<int> refused = refuseUnlessUser(store, args.owner)) {
    return *refused;
  }
  const int64_t now = unixNow();
  store::StoreResult<store::PoolSnapshot> pool = store.loadPool();
  store::StoreResult<std::vector<store::PresenceRule>> rules = store.listPresenceRules(args.owner);
  store::StoreResult<std::vector<store::PendingWatcher>> pending = store.listPendingWatchers(args.owner);
  store::StoreResult<std::vector<store::Publication>> publications = store.listPublications(args.owner, now);
  if (!pool || !rules || !pending || !publications) {
    return refuse(!pool ? pool.error() : !rules ? rules.error() : !pending ? pending.error() : publications.error());
  }
  const config::PresenceAuthorize authorize = pool->settings.presence.authorize;
  std::printf("owner:      %s\n", config::parseUserUri(args.owner)->uri().c_str());
  std::printf("authorize:  %s (%s)\n", std::string(config::presenceAuthorizeName(authorize)).c_str(),
              std::string(authorizeMeaning(authorize)).c_str());
  std::vector<Row> rule_rows = {{"WATCHER", "DECISION"}};
  for (const store::PresenceRule& rule : *rules) {
    rule_rows.push_back({rule.watcher, std::string(config::watcherDecisionName(rule.decision))});
  }
  printSection("rules:", std::move(rule_rows));
  std::vector<Row> pending_rows = {{"WATCHER", "SINCE"}};
  for (const store::PendingWatcher& waiting : *pending) {
    pending_rows.push_back({waiting.watcher, utc(waiting.since)});
  }
  printSection("pending watchers:", std::move(pending_rows));
  std::vector<Row> publication_rows = {{"ETAG", "EXPIRES", "EXPIRES-IN", "CONTENT-TYPE", "BYTES"}};
  for (const store::Publication& publication : *publications) {
    publication_rows.push_back({publication.etag, utc(publication.expires_at),
                                std::to_string(publication.expires_at - now) + "s", publication.content_type,
                                std::to_string(publication.body.size())});
  }
  printSection("publications:", std::move(publication_rows));
  return kExitOk;
}

namespace {

// The server file names this host (its fqdn, or a connection address) on a
// port it listens on, as the proxy's identity decides (proxy/identity.cc),
// "*" standing for loopback addresses.
bool forThisServer(const config::ServerConfig& server, const sip::Uri& uri) {
  if (!uri.isSip()) {
    return false;
  }
  std::string host(uri.host);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const bool ip = config::isIpLiteral(host);
  if (!ip && !sip::equalsIgnoreCase(host, server.fqdn)) {
    return false;
  }
  if (!ip && !uri.has_port) {
    return true;
  }
  for (const config::Connection& connection : server.connections) {
    const bool tls = connection.transport == config::Transport::Tls || connection.transport == config::Transport::Mtls;
    const uint16_t wanted = uri.has_port ? uri.port : uint16_t(tls ? 5061 : 5060);
    if (connection.port != wanted) {
      continue;
    }
    if (!ip || connection.address == host ||
        (connection.address == "*" && (host.starts_with("127.") || host == "::1"))) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string explainRoute(const config::ServerConfig& server, const store::PoolSnapshot& pool, std::string_view text) {
  const std::string prefix = std::string(text) + ": ";
  auto uri = sip::parseUri(text);
  if (!uri.ok()) {
    return {};
  }
  if (forThisServer(server, *uri)) {
    return prefix + "this server (" + server.fqdn + ") → local service (OPTIONS answered; no user to deliver to)";
  }
  const store::RouteDecision decision = store::decide(pool, *uri);
  if (const auto* user = std::get_if<store::decision::LocalUser>(&decision)) {
    return prefix + (user->enabled() ? "local user (homed here, enabled) → delivered to its registered contacts"
                                     : "local user (homed here, disabled) → refused (480 User is disabled; "
                                       "REGISTER 403)");
  }
  if (std::holds_alternative<store::decision::LocalDomainItself>(decision)) {
    return prefix + "one of our domains, no user part → local service (REGISTER, OPTIONS)";
  }
  if (const auto* match = std::get_if<store::decision::StaticRoute>(&decision)) {
    const config::Route& route = pool.settings.routes[match->index];
    const bool local_domain = pool.isLocalDomain(uri->host);
    std::string out = prefix + (local_domain ? "not a user here → " : "not one of our domains → ");
    out += "route " + std::to_string(match->index + 1) + " (" + route.key().toString() + " → " +
           std::string(config::routeTransportName(route.transport)) + " " +
           (route.next_hop.find(':') == std::string::npos ? route.next_hop : "[" + route.next_hop + "]") +
           (route.srv ? " by SRV, else port " + std::to_string(route.port) : ":" + std::to_string(route.port)) + ", ";
    out += route.replace_host ? "Request-URI rewritten to " + store::replaceHost(text, *uri, route.next_hop)
                              : std::string("Request-URI unchanged");
    out += ")";
    if (!config::isIpLiteral(route.next_hop)) {
      out += "; the FQDN next hop is resolved per request from the DNS cache (RFC 3263; unresolvable: 503)";
    }
    return out;
  }
  const auto& not_found = std::get<store::decision::NotFound>(decision);
  return prefix + "404 Not Found (" +
         (not_found.local_domain ? "user does not exist in " + std::string(uri->host) + " and no static route matches"
                                 : "no user or static route for " + std::string(uri->host)) +
         ")";
}

int where(store::Store& store, const Arguments& args) {
  auto uri = sip::parseUri(args.uri);
  if (!uri.ok()) {
    return refuse("'" + args.uri + "' is not a valid URI: " + std::string(uri.error().reason));
  }
  store::StoreResult<store::PoolSnapshot> pool = store.loadPool();
  if (!pool) {
    return refuse(pool.error());
  }
  std::printf("%s\n", explainRoute(*args.server, *pool, args.uri).c_str());
  return kExitOk;
}

}  // namespace tandem::tandemctl
