#include "store/sqlite_store.h"

#include <algorithm>
#include <array>
#include <utility>

#include "store/pool_plan.h"
#include "store/presence_policy.h"

namespace tandem::store {

using sqlite::Statement;
using sqlite::Transaction;

// Every statement the store runs, prepared once in open().
struct SqliteStore::Statements {
  Statement data_version;
  Statement select_counter;
  Statement bump_counter;
  Statement select_domains;
  Statement domain_exists;
  Statement domain_users;
  Statement insert_domain;
  Statement delete_domain;
  Statement select_routes;
  Statement insert_route;
  Statement delete_routes;
  Statement select_hosts;
  Statement insert_host;
  Statement update_host;
  Statement delete_host;
  Statement select_users;
  Statement select_user;
  Statement insert_user;
  Statement update_user;
  Statement delete_user;
  Statement select_setting;
  Statement upsert_setting;
  Statement select_bindings;
  Statement upsert_binding;
  Statement delete_binding;
  Statement purge_bindings;
  Statement select_rules;
  Statement select_rules_of;
  Statement select_rule;
  Statement upsert_rule;
  Statement delete_rule;
  Statement select_pending;
  Statement select_pending_of;
  Statement upsert_pending;
  Statement delete_pending;
  Statement select_publications;
  Statement select_publications_of;
  Statement upsert_publication;
  Statement delete_publication;
  Statement purge_publications;
  Statement select_subscriptions;
  Statement upsert_subscription;
  Statement delete_subscription;
  Statement purge_subscriptions;
};

namespace {

constexpr std::string_view kAuthorizeKey = "presence.authorize";

// The SQL of every prepared statement. Routes keep their match order in
// `position`; a new route goes after the last.
template <class S>
constexpr auto statementSql() {
  return std::to_array<std::pair<Statement S::*, std::string_view>>({
      {&S::data_version, "PRAGMA data_version"},
      {&S::select_counter, "SELECT counter FROM pool_version WHERE id = 1"},
      {&S::bump_counter, "UPDATE pool_version SET counter = counter + 1 WHERE id = 1 RETURNING counter"},
      {&S::select_domains, "SELECT name FROM domains ORDER BY id"},
      {&S::domain_exists, "SELECT count(*) FROM domains WHERE name = ?"},
      {&S::domain_users, "SELECT count(*), min(user_part) FROM users WHERE domain = ?"},
      {&S::insert_domain, "INSERT INTO domains (name) VALUES (?)"},
      {&S::delete_domain, "DELETE FROM domains WHERE name = ?"},
      {&S::select_routes,
       "SELECT user_part, domain, phone_uri, next_hop, transport, port, replace_host, srv FROM routes ORDER BY "
       "position"},
      {&S::insert_route,
       "INSERT INTO routes (position, user_part, domain, phone_uri, next_hop, transport, port, replace_host, srv) "
       "VALUES ((SELECT coalesce(max(position), 0) + 1 FROM routes), ?, ?, ?, ?, ?, ?, ?, ?)"},
      {&S::delete_routes, "DELETE FROM routes"},
      {&S::select_hosts,
       "SELECT host, outbound_only, throttle_as_server, treat_as_authenticated FROM authorized_hosts ORDER BY id"},
      {&S::insert_host,
       "INSERT INTO authorized_hosts (host, outbound_only, throttle_as_server, treat_as_authenticated) "
       "VALUES (?, ?, ?, ?)"},
      {&S::update_host,
       "UPDATE authorized_hosts SET outbound_only = ?, throttle_as_server = ?, treat_as_authenticated = ? "
       "WHERE host = ?"},
      {&S::delete_host, "DELETE FROM authorized_hosts WHERE host = ?"},
      {&S::select_users,
       "SELECT user_part, domain, enabled, ha1_md5, ha1_sha256 FROM users ORDER BY domain, user_part"},
      {&S::select_user,
       "SELECT user_part, domain, enabled, ha1_md5, ha1_sha256 FROM users WHERE user_part = ? AND domain = lower(?)"},
      {&S::insert_user, "INSERT INTO users (user_part, domain, enabled, ha1_md5, ha1_sha256) VALUES (?, ?, ?, ?, ?)"},
      {&S::update_user, "UPDATE users SET enabled = ?, ha1_md5 = ?, ha1_sha256 = ? WHERE user_part = ? AND domain = ?"},
      {&S::delete_user, "DELETE FROM users WHERE user_part = ? AND domain = ?"},
      {&S::select_setting, "SELECT value FROM settings WHERE key = ?"},
      {&S::upsert_setting,
       "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"},
      {&S::select_bindings,
       "SELECT user_part, domain, contact, q, expires_at, call_id, cseq, path, received, user_agent FROM bindings "
       "WHERE expires_at > ? ORDER BY domain, user_part, contact"},
      {&S::upsert_binding,
       "INSERT INTO bindings (user_part, domain, contact, q, expires_at, call_id, cseq, path, received, user_agent) "
       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_part, domain, contact) DO UPDATE SET "
       "q = excluded.q, expires_at = excluded.expires_at, call_id = excluded.call_id, cseq = excluded.cseq, "
       "path = excluded.path, received = excluded.received, user_agent = excluded.user_agent"},
      {&S::delete_binding, "DELETE FROM bindings WHERE user_part = ? AND domain = ? AND contact = ?"},
      {&S::purge_bindings, "DELETE FROM bindings WHERE expires_at <= ?"},
      {&S::select_rules, "SELECT owner_user, owner_domain, watcher, decision FROM presence_rules"},
      {&S::select_rules_of,
       "SELECT owner_user, owner_domain, watcher, decision FROM presence_rules WHERE owner_user = ? AND owner_domain = "
       "?"},
      {&S::select_rule,
       "SELECT decision FROM presence_rules WHERE owner_user = ? AND owner_domain = ? AND watcher = ?"},
      {&S::upsert_rule,
       "INSERT INTO presence_rules (owner_user, owner_domain, watcher, decision) VALUES (?, ?, ?, ?) "
       "ON CONFLICT (owner_user, owner_domain, watcher) DO UPDATE SET decision = excluded.decision"},
      {&S::delete_rule, "DELETE FROM presence_rules WHERE owner_user = ? AND owner_domain = ? AND watcher = ?"},
      {&S::select_pending, "SELECT owner_user, owner_domain, watcher, since FROM pending_watchers"},
      {&S::select_pending_of,
       "SELECT owner_user, owner_domain, watcher, since FROM pending_watchers WHERE owner_user = ? AND owner_domain = "
       "?"},
      {&S::upsert_pending,
       "INSERT INTO pending_watchers (owner_user, owner_domain, watcher, since) VALUES (?, ?, ?, ?) "
       "ON CONFLICT (owner_user, owner_domain, watcher) DO UPDATE SET since = excluded.since"},
      {&S::delete_pending, "DELETE FROM pending_watchers WHERE owner_user = ? AND owner_domain = ? AND watcher = ?"},
      {&S::select_publications,
       "SELECT user_part, domain, etag, expires_at, content_type, body FROM publications WHERE expires_at > ? "
       "ORDER BY domain, user_part, etag"},
      {&S::select_publications_of,
       "SELECT user_part, domain, etag, expires_at, content_type, body FROM publications "
       "WHERE user_part = ? AND domain = ? AND expires_at > ? ORDER BY etag"},
      {&S::upsert_publication,
       "INSERT INTO publications (user_part, domain, etag, expires_at, content_type, body) VALUES (?, ?, ?, ?, ?, ?) "
       "ON CONFLICT (user_part, domain, etag) DO UPDATE SET expires_at = excluded.expires_at, "
       "content_type = excluded.content_type, body = excluded.body"},
      {&S::delete_publication, "DELETE FROM publications WHERE user_part = ? AND domain = ? AND etag = ?"},
      {&S::purge_publications, "DELETE FROM publications WHERE expires_at <= ?"},
      {&S::select_subscriptions,
       "SELECT id, user_part, domain, watcher, event, call_id, local_tag, remote_tag, remote_target, route_set, "
       "local_cseq, remote_cseq, expires_at, state, accept, version FROM subscriptions WHERE expires_at > ? "
       "ORDER BY id"},
      {&S::upsert_subscription,
       "INSERT INTO subscriptions (id, user_part, domain, watcher, event, call_id, local_tag, remote_tag, "
       "remote_target, route_set, local_cseq, remote_cseq, expires_at, state, accept, version) "
       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
       "user_part = excluded.user_part, domain = excluded.domain, watcher = excluded.watcher, "
       "event = excluded.event, call_id = excluded.call_id, local_tag = excluded.local_tag, "
       "remote_tag = excluded.remote_tag, remote_target = excluded.remote_target, route_set = excluded.route_set, "
       "local_cseq = excluded.local_cseq, remote_cseq = excluded.remote_cseq, expires_at = excluded.expires_at, "
       "state = excluded.state, accept = excluded.accept, version = excluded.version"},
      {&S::delete_subscription, "DELETE FROM subscriptions WHERE id = ?"},
      {&S::purge_subscriptions, "DELETE FROM subscriptions WHERE expires_at <= ?"},
  });
}

// A subscription's route set in one column: each value followed by LF; in a
// value, a backslash is written as two and LF as backslash-n (header values
// hold no LF, but the store keeps whatever it is given).
std::string encodeRouteSet(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& value : values) {
    for (const char c : value) {
      if (c == '\\') {
        out += "\\\\";
      } else if (c == '\n') {
        out += "\\n";
      } else {
        out += c;
      }
    }
    out += '\n';
  }
  return out;
}

std::vector<std::string> decodeRouteSet(std::string_view text) {
  std::vector<std::string> values;
  std::string value;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      values.push_back(std::move(value));
      value.clear();
    } else if (c == '\\' && i + 1 < text.size()) {
      ++i;
      value += text[i] == 'n' ? '\n' : text[i];
    } else {
      value += c;
    }
  }
  return values;
}

std::string userUri(const std::string& user, const std::string& domain) { return "sip:" + user + "@" + domain; }

PresenceRule ruleFromRow(const Statement::Use& row) {
  return PresenceRule{userUri(row.text(0), row.text(1)), row.text(2),
                      config::watcherDecisionFromName(row.text(3)).value_or(WatcherDecision::BlockPolite)};
}

PendingWatcher pendingFromRow(const Statement::Use& row) {
  return PendingWatcher{userUri(row.text(0), row.text(1)), row.text(2), row.integer(3)};
}

Publication publicationFromRow(const Statement::Use& row) {
  return Publication{userUri(row.text(0), row.text(1)), row.text(2), row.integer(3), row.text(4), row.text(5)};
}

Subscription subscriptionFromRow(const Statement::Use& row) {
  Subscription s;
  s.id = row.text(0);
  s.presentity = userUri(row.text(1), row.text(2));
  s.watcher = row.text(3);
  s.event = row.text(4);
  s.call_id = row.text(5);
  s.local_tag = row.text(6);
  s.remote_tag = row.text(7);
  s.remote_target = row.text(8);
  s.route_set = decodeRouteSet(row.text(9));
  s.local_cseq = static_cast<uint32_t>(row.integer(10));
  s.remote_cseq = static_cast<uint32_t>(row.integer(11));
  s.expires_at = row.integer(12);
  s.state = row.text(13);
  s.accept = row.text(14);
  s.version = static_cast<uint32_t>(row.integer(15));
  return s;
}

UserRecord userFromRow(const Statement::Use& row) {
  UserRecord user;
  user.user = row.text(0);
  user.domain = row.text(1);
  user.uri = "sip:" + user.user + "@" + user.domain;
  user.enabled = row.boolean(2);
  user.ha1_md5 = row.text(3);
  user.ha1_sha256 = row.text(4);
  return user;
}

// Reads every row of `use` with `make`.
template <class T, class Make>
Result<std::vector<T>, std::string> readAll(Statement::Use&& use, Make make) {
  std::vector<T> out;
  for (;;) {
    Result<bool, std::string> row = use.step();
    if (!row) {
      return fail(row.error());
    }
    if (!*row) {
      return out;
    }
    out.push_back(make(use));
  }
}

// The schema version recorded in the database (0 for a new one). A database
// with tables but no schema_version is someone else's.
Result<int, std::string> readSchemaVersion(sqlite::Database& db) {
  Result<Statement, std::string> tables =
      db.prepare("SELECT count(*), sum(name = 'schema_version') FROM sqlite_schema WHERE type = 'table'");
  if (!tables) {
    return fail(tables.error());
  }
  Statement::Use use = tables->use();
  Result<bool, std::string> row = use.step();
  if (!row) {
    return fail(row.error());
  }
  if (use.integer(0) == 0) {
    return 0;
  }
  if (use.integer(1) == 0) {
    return fail(std::string("not a Tandem store (it has tables but no schema_version)"));
  }
  Result<Statement, std::string> version = db.prepare("SELECT coalesce(max(version), 0) FROM schema_version");
  if (!version) {
    return fail(version.error());
  }
  Statement::Use version_use = version->use();
  if (Result<bool, std::string> version_row = version_use.step(); !version_row) {
    return fail(version_row.error());
  }
  return static_cast<int>(version_use.integer(0));
}

// The schema version, refused when newer than `latest`.
Result<int, std::string> checkedSchemaVersion(sqlite::Database& db, int latest) {
  Result<int, std::string> version = readSchemaVersion(db);
  if (version && *version > latest) {
    return fail("database schema version " + std::to_string(*version) + " is newer than this tandemd (" +
                std::to_string(latest) + ")");
  }
  return version;
}

// Brings the schema to the last of `migrations` in one transaction; returns
// the version the database has then. Takes the write lock only when there is
// something to migrate (then reads the version again under it: another
// process may have migrated meanwhile).
Result<int, std::string> migrate(sqlite::Database& db, std::span<const std::string_view> migrations) {
  const int latest = static_cast<int>(migrations.size());
  if (Result<int, std::string> seen = checkedSchemaVersion(db, latest); !seen || *seen == latest) {
    return seen;
  }
  Result<Transaction, std::string> transaction = Transaction::begin(db, Transaction::Kind::Write);
  if (!transaction) {
    return fail(transaction.error());
  }
  Result<int, std::string> version = checkedSchemaVersion(db, latest);
  if (!version || *version == latest) {
    return version;  // nothing written; the transaction rolls back
  }
  if (*version == 0) {
    if (Status<std::string> created =
            db.exec("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, "
                    "applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))");
        !created) {
      return fail(created.error());
    }
  }
  for (int next = *version + 1; next <= latest; ++next) {
    Status<std::string> applied = db.exec(migrations[static_cast<size_t>(next - 1)]);
    if (applied) {
      applied = db.exec("INSERT INTO schema_version (version) VALUES (" + std::to_string(next) + ")");
    }
    if (!applied) {
      return fail("schema migration " + std::to_string(next) + " failed: " + applied.error());
    }
  }
  if (Status<std::string> committed = transaction->commit(); !committed) {
    return fail(committed.error());
  }
  return latest;
}

// Connection settings; journal_mode needs no transaction around it.
Status<std::string> configure(sqlite::Database& db) {
  for (const std::string& pragma : {std::string("PRAGMA busy_timeout = ") + std::to_string(SqliteStore::kBusyTimeoutMs),
                                    std::string("PRAGMA foreign_keys = ON"), std::string("PRAGMA journal_mode = WAL"),
                                    std::string("PRAGMA synchronous = FULL")}) {
    if (Status<std::string> done = db.exec(pragma); !done) {
      return done;
    }
  }
  return {};
}

}  // namespace

SqliteStore::SqliteStore(std::filesystem::path file, sqlite::Database db, int schema_version)
    : file_(std::move(file)),
      db_(std::move(db)),
      schema_version_(schema_version),
      statements_(std::make_unique<Statements>()) {}

SqliteStore::~SqliteStore() {
  statements_.reset();  // finalize every statement before the connection closes
}

std::string SqliteStore::error(std::string_view problem) const {
  return "store " + file_.string() + ": " + std::string(problem);
}

StoreResult<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::filesystem::path& file,
                                                            std::span<const std::string_view> migrations) {
  const std::string prefix = "store " + file.string() + ": ";
  const std::filesystem::path folder = file.has_parent_path() ? file.parent_path() : ".";
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) {
    return fail(prefix + "the folder " + folder.string() + " does not exist (create it first)");
  }
  if (std::filesystem::is_directory(file, ec)) {
    return fail(prefix + "is a folder, not a database file");
  }
  Result<sqlite::Database, std::string> db = sqlite::Database::open(file);
  if (!db) {
    return fail(prefix + "cannot open it: " + db.error());
  }
  if (Status<std::string> configured = configure(*db); !configured) {
    return fail(prefix + "cannot use it: " + configured.error());
  }
  Result<int, std::string> version = migrate(*db, migrations);
  if (!version) {
    return fail(prefix + version.error());
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(file, std::move(db.value()), *version));
  if (StoreStatus prepared = store->prepareStatements(); !prepared) {
    return fail(prepared.error());
  }
  return store;
}

StoreStatus SqliteStore::prepareStatements() {
  for (const auto& [member, sql] : statementSql<Statements>()) {
    Result<Statement, std::string> statement = db_.prepare(sql);
    if (!statement) {
      return fail(error("cannot prepare '" + std::string(sql) + "': " + statement.error()));
    }
    (*statements_).*member = std::move(statement.value());
  }
  return {};
}

// --- Reading ----------------------------------------------------------------

StoreResult<uint64_t> SqliteStore::readCounter() {
  Statement::Use use = statements_->select_counter.use();
  Result<bool, std::string> row = use.step();
  if (!row || !*row) {
    return fail(error(row ? "the pool_version row is missing" : row.error()));
  }
  return static_cast<uint64_t>(use.integer(0));
}

StoreResult<std::vector<std::string>> SqliteStore::readDomains() {
  auto domains =
      readAll<std::string>(statements_->select_domains.use(), [](const Statement::Use& row) { return row.text(0); });
  return domains ? std::move(domains) : fail(error(domains.error()));
}

StoreResult<std::vector<config::Route>> SqliteStore::readRoutes() {
  auto routes = readAll<config::Route>(statements_->select_routes.use(), [](const Statement::Use& row) {
    config::Route route;
    route.user = row.text(0);
    route.domain = row.text(1);
    route.phone_uri = row.boolean(2);
    route.next_hop = row.text(3);
    route.transport = config::routeTransportFromName(row.text(4)).value_or(config::RouteTransport::Tcp);
    route.port = static_cast<uint16_t>(row.integer(5));
    route.replace_host = row.boolean(6);
    route.srv = row.boolean(7);
    return route;
  });
  return routes ? std::move(routes) : fail(error(routes.error()));
}

StoreResult<std::vector<config::AuthorizedHost>> SqliteStore::readHosts() {
  auto hosts = readAll<config::AuthorizedHost>(statements_->select_hosts.use(), [](const Statement::Use& row) {
    return config::AuthorizedHost{row.text(0), row.boolean(1), row.boolean(2), row.boolean(3), 0};
  });
  return hosts ? std::move(hosts) : fail(error(hosts.error()));
}

StoreResult<std::vector<UserRecord>> SqliteStore::readUsers() {
  auto users = readAll<UserRecord>(statements_->select_users.use(), userFromRow);
  return users ? std::move(users) : fail(error(users.error()));
}

StoreResult<std::optional<UserRecord>> SqliteStore::readUser(std::string_view user, std::string_view domain) {
  Statement::Use use = statements_->select_user.use();
  use.bind(user).bind(domain);
  Result<bool, std::string> row = use.step();
  if (!row) {
    return fail(error(row.error()));
  }
  return *row ? std::optional<UserRecord>(userFromRow(use)) : std::nullopt;
}

StoreResult<config::PresenceSettings> SqliteStore::readPresence() {
  Statement::Use use = statements_->select_setting.use();
  use.bind(kAuthorizeKey);
  Result<bool, std::string> row = use.step();
  if (!row) {
    return fail(error(row.error()));
  }
  config::PresenceSettings presence;
  if (*row) {
    presence.authorize = config::presenceAuthorizeFromName(use.text(0)).value_or(presence.authorize);
  }
  return presence;
}

// Each [throttling] key is a settings row "throttling.<key>"; a missing row
// keeps the default.
StoreResult<config::ThrottlingSettings> SqliteStore::readThrottling() {
  config::ThrottlingSettings throttling;
  for (const config::ThrottlingKey& key : config::kThrottlingKeys) {
    Statement::Use use = statements_->select_setting.use();
    use.bind("throttling." + std::string(key.name));
    Result<bool, std::string> row = use.step();
    if (!row) {
      return fail(error(row.error()));
    }
    if (*row && use.integer(0) > 0) {
      throttling.*key.member = static_cast<uint32_t>(use.integer(0));
    }
  }
  return throttling;
}

StoreResult<bool> SqliteStore::domainExists(std::string_view domain) {
  Statement::Use use = statements_->domain_exists.use();
  use.bind(domain);
  Result<bool, std::string> row = use.step();
  if (!row) {
    return fail(error(row.error()));
  }
  return use.integer(0) > 0;
}

StoreResult<PoolSnapshot> SqliteStore::readSnapshot() {
  StoreResult<uint64_t> version = readCounter();
  StoreResult<std::vector<std::string>> domains = readDomains();
  StoreResult<std::vector<config::Route>> routes = readRoutes();
  StoreResult<std::vector<config::AuthorizedHost>> hosts = readHosts();
  StoreResult<std::vector<UserRecord>> users = readUsers();
  StoreResult<config::PresenceSettings> presence = readPresence();
  StoreResult<config::ThrottlingSettings> throttling = readThrottling();
  StoreResult<std::vector<PresenceRule>> rules = readPresenceRules(std::nullopt);
  if (!version || !domains || !routes || !hosts || !users || !presence || !throttling || !rules) {
    // Every reader fails the same way (the database is unusable): report one.
    return fail(!version      ? version.error()
                : !domains    ? domains.error()
                : !routes     ? routes.error()
                : !hosts      ? hosts.error()
                : !users      ? users.error()
                : !presence   ? presence.error()
                : !throttling ? throttling.error()
                              : rules.error());
  }
  PoolSnapshot snapshot;
  snapshot.version = *version;
  snapshot.settings.domains = std::move(domains.value());
  snapshot.settings.routes = std::move(routes.value());
  snapshot.settings.authorized_hosts = std::move(hosts.value());
  snapshot.settings.presence = *presence;
  snapshot.settings.throttling = *throttling;
  snapshot.settings.presence_rules = std::move(rules.value());
  for (const UserRecord& user : *users) {
    snapshot.settings.users.push_back(
        config::UserEntry{user.uri, "", user.enabled ? std::nullopt : std::optional<bool>(false), 0});
  }
  snapshot.users = UserDirectory(std::move(users.value()));
  return snapshot;
}

StoreResult<PoolSnapshot> SqliteStore::loadPool() {
  Result<Transaction, std::string> transaction = Transaction::begin(db_, Transaction::Kind::Read);
  if (!transaction) {
    return fail(error(transaction.error()));
  }
  StoreResult<PoolSnapshot> snapshot = readSnapshot();
  if (snapshot) {
    if (Status<std::string> done = transaction->commit(); !done) {
      return fail(error(done.error()));
    }
  }
  return snapshot;
}

StoreResult<uint64_t> SqliteStore::changeCounter() {
  int64_t data_version = 0;
  {
    Statement::Use use = statements_->data_version.use();
    Result<bool, std::string> row = use.step();
    if (!row || !*row) {
      return fail(error(row ? "PRAGMA data_version returned nothing" : row.error()));
    }
    data_version = use.integer(0);
  }
  if (counter_known_ && data_version == data_version_) {
    return counter_;
  }
  StoreResult<uint64_t> counter = readCounter();
  if (counter) {
    counter_known_ = true;
    data_version_ = data_version;
    counter_ = *counter;
  }
  return counter;
}

StoreResult<std::vector<std::string>> SqliteStore::listDomains() { return readDomains(); }
StoreResult<std::vector<config::Route>> SqliteStore::listRoutes() { return readRoutes(); }
StoreResult<std::vector<config::AuthorizedHost>> SqliteStore::listHosts() { return readHosts(); }
StoreResult<std::vector<UserRecord>> SqliteStore::listUsers() { return readUsers(); }

StoreResult<std::optional<UserRecord>> SqliteStore::getUser(std::string_view uri) {
  Result<config::UserAddress, std::string> address = config::parseUserUri(uri);
  if (!address) {
    return fail(address.error());
  }
  return readUser(address->user, address->domain);
}

StoreResult<std::optional<UserRecord>> SqliteStore::findUser(std::string_view user, std::string_view domain) {
  return readUser(user, domain);
}

// --- Writing ----------------------------------------------------------------

namespace {

StoreStatus runStatement(Statement::Use use) { return use.run(); }

}  // namespace

StoreResult<uint64_t> SqliteStore::bumpCounter() {
  Statement::Use use = statements_->bump_counter.use();
  Result<bool, std::string> row = use.step();
  if (!row || !*row) {
    return fail(error(row ? "the pool_version row is missing" : row.error()));
  }
  return static_cast<uint64_t>(use.integer(0));
}

StoreResult<ChangeSummary> SqliteStore::write(const Body& body) {
  Result<Transaction, std::string> transaction = Transaction::begin(db_, Transaction::Kind::Write);
  if (!transaction) {
    return fail(error(transaction.error()));
  }
  ChangeSummary summary;
  if (StoreStatus done = body(summary); !done) {
    return fail(done.error());
  }
  StoreResult<uint64_t> counter = summary.empty() ? readCounter() : bumpCounter();
  if (!counter) {
    return fail(counter.error());
  }
  if (Status<std::string> committed = transaction->commit(); !committed) {
    return fail(error(committed.error()));
  }
  summary.version = *counter;
  // Our own commit does not move data_version; keep the cache exact.
  if (counter_known_) {
    counter_ = *counter;
  }
  return summary;
}

StoreStatus SqliteStore::insertDomain(const std::string& domain) {
  Statement::Use use = statements_->insert_domain.use();
  use.bind(domain);
  StoreStatus done = use.run();
  return done ? done : fail(error(done.error()));
}

StoreStatus SqliteStore::deleteDomain(const std::string& domain) {
  Statement::Use use = statements_->delete_domain.use();
  use.bind(domain);
  StoreStatus done = use.run();
  return done ? done : fail(error(done.error()));
}

StoreStatus SqliteStore::insertRoute(const config::Route& route) {
  Statement::Use use = statements_->insert_route.use();
  use.bind(route.user)
      .bind(route.domain)
      .bind(route.phone_uri)
      .bind(route.next_hop)
      .bind(config::routeTransportName(route.transport))
      .bind(static_cast<int64_t>(route.port))
      .bind(route.replace_host)
      .bind(route.srv);
  StoreStatus done = use.run();
  return done ? done : fail(error(done.error()));
}

StoreStatus SqliteStore::replaceRoutes(const std::vector<config::Route>& routes) {
  if (StoreStatus cleared = runStatement(statements_->delete_routes.use()); !cleared) {
    return fail(error(cleared.error()));
  }
  for (const config::Route& route : routes) {
    if (StoreStatus inserted = insertRoute(route); !inserted) {
      return inserted;
    }
  }
  return {};
}

StoreStatus SqliteStore::insertHost(const config::AuthorizedHost& host) {
  Statement::Use use = statements_->insert_host.use();
  use.bind(host.host).bind(host.outbound_only).bind(host.throttle_as_server).bind(host.treat_as_authenticated);
  StoreStatus done = use.run();
  return done ? done : fail(error(done.error()));
}

StoreStatus SqliteStore::updateHost(const config::AuthorizedHost& host) {
  Statement::Use use = statements_->update_host.use();
  use.bind(host.outbound_only).bind(host.throttle_as_server).bind(host.treat_as_authenticated).bind(host.host);
  StoreStatus done = use.run();
  return done ? done : fail(error(done.error()));
}

StoreStatus SqliteStore::deleteHost(const std::string& host) {
  Statement::Use use = statements_->delete_host.use();
  use.bind(host);
  StoreStatus done = use.run();
  return done ? done : fail(error(done.error()));
}

StoreStatus SqliteStore::insertUser(const UserRecord& user) {
  Statement::Use use = statements_->insert_user.use();
  use.bind(user.user).bind(user.domain).bind(user.enabled).bind(user.ha1_md5).bind(user.ha1_sha256);
  StoreStatus done = use.run();
  return done ? done : fail(error(done.error()));
}

StoreStatus SqliteStore::updateUser(const UserRecord& user) {
  Statement::Use use = statements_->update_user.use();
  use.bind(user.enabled).bind(user.ha1_md5).bind(user.ha1_sha256).bind(user.user).bind(user.domain);
  StoreStatus done = use.run();
  return done ? done : fail(error(done.error()));
}

StoreStatus SqliteStore::writePresenceSettings(const config::PresenceSettings& presence) {
  Statement::Use use = statements_->upsert_setting.use();
  use.bind(kAuthorizeKey).bind(config::presenceAuthorizeName(presence.authorize));
  StoreStatus done = use.run();
  return done ? done : fail(error(done.error()));
}

StoreStatus SqliteStore::writeThrottling(const config::ThrottlingSettings& throttling) {
  for (const config::ThrottlingKey& key : config::kThrottlingKeys) {
    Statement::Use use = statements_->upsert_setting.use();
    use.bind("throttling." + std::string(key.name)).bind(std::to_string(throttling.*key.member));
    if (StoreStatus done = use.run(); !done) {
      return fail(error(done.error()));
    }
  }
  return {};
}

// Domains first (users refer to them), dropped domains last (after their
// users could have moved); each step runs only while all before it succeeded.
StoreStatus SqliteStore::execute(const PoolPlan& plan) {
  StoreStatus done;
  for (const std::string& domain : plan.add_domains) {
    done = done ? insertDomain(domain) : done;
  }
  for (const UserRecord& user : plan.add_users) {
    done = done ? insertUser(user) : done;
  }
  for (const UserRecord& user : plan.update_users) {
    done = done ? updateUser(user) : done;
  }
  if (plan.routes) {
    done = done ? replaceRoutes(*plan.routes) : done;
  }
  for (const std::string& host : plan.remove_hosts) {
    done = done ? deleteHost(host) : done;
  }
  for (const config::AuthorizedHost& host : plan.update_hosts) {
    done = done ? updateHost(host) : done;
  }
  for (const config::AuthorizedHost& host : plan.add_hosts) {
    done = done ? insertHost(host) : done;
  }
  for (const config::PresenceRule& rule : plan.remove_rules) {
    done = done ? deletePresenceRule(rule) : done;
  }
  for (const config::PresenceRule& rule : plan.put_rules) {
    done = done ? putPresenceRule(rule) : done;
  }
  for (const std::string& domain : plan.remove_domains) {
    done = done ? deleteDomain(domain) : done;
  }
  if (plan.presence) {
    done = done ? writePresenceSettings(*plan.presence) : done;
  }
  if (plan.throttling) {
    done = done ? writeThrottling(*plan.throttling) : done;
  }
  return done;
}

StoreResult<ChangeSummary> SqliteStore::applyPool(const config::PoolSettings& settings) {
  Result<config::PoolSettings, std::string> desired = config::checkPoolSettings(settings);
  if (!desired) {
    return fail(desired.error());
  }
  return write([&](ChangeSummary& summary) -> StoreStatus {
    StoreResult<PoolSnapshot> current = readSnapshot();
    if (!current) {
      return fail(current.error());
    }
    Result<PoolPlan, std::string> plan = planPool(*current, *desired);
    if (!plan) {
      return fail(plan.error());
    }
    if (StoreStatus done = execute(*plan); !done) {
      return done;
    }
    summary.changes = std::move(plan->changes);
    return {};
  });
}

StoreResult<ChangeSummary> SqliteStore::addDomain(std::string_view text) {
  Result<std::string, std::string> domain = config::checkDomain(text);
  if (!domain) {
    return fail(domain.error());
  }
  return write([&](ChangeSummary& summary) -> StoreStatus {
    StoreResult<bool> exists = domainExists(*domain);
    if (!exists) {
      return fail(exists.error());
    }
    if (*exists) {
      return fail("domain " + *domain + " already exists");
    }
    summary.changes.push_back("domain added: " + *domain);
    return insertDomain(*domain);
  });
}

StoreResult<ChangeSummary> SqliteStore::removeDomain(std::string_view text) {
  Result<std::string, std::string> domain = config::checkDomain(text);
  if (!domain) {
    return fail(domain.error());
  }
  return write([&](ChangeSummary& summary) -> StoreStatus {
    StoreResult<bool> exists = domainExists(*domain);
    if (!exists) {
      return fail(exists.error());
    }
    if (!*exists) {
      return fail("no domain " + *domain);
    }
    StoreStatus empty = checkNoUsersIn(*domain);
    if (!empty) {
      return empty;
    }
    summary.changes.push_back("domain removed: " + *domain);
    return deleteDomain(*domain);
  });
}

StoreStatus SqliteStore::checkNoUsersIn(const std::string& domain) {
  Statement::Use use = statements_->domain_users.use();
  use.bind(domain);
  Result<bool, std::string> row = use.step();
  if (!row) {
    return fail(error(row.error()));
  }
  const int64_t count = use.integer(0);
  if (count == 0) {
    return {};
  }
  return fail("domain " + domain + " cannot be removed: " + std::to_string(count) + " user(s) are homed there (sip:" +
              use.text(1) + "@" + domain + (count > 1 ? ", ...)" : ")") + "; remove them first");
}

StoreResult<ChangeSummary> SqliteStore::addRoute(const config::Route& input) {
  Result<config::Route, std::string> route = config::checkRoute(input);
  if (!route) {
    return fail("route " + route.error());
  }
  return write([&](ChangeSummary& summary) -> StoreStatus {
    StoreResult<std::vector<config::Route>> routes = readRoutes();
    if (!routes) {
      return fail(routes.error());
    }
    for (const config::Route& existing : *routes) {
      if (existing.key() == route->key()) {
        return fail("a route with the same matching key (user, domain, phone_uri) exists: " + existing.toString());
      }
    }
    summary.changes.push_back("route added: " + route->toString());
    return insertRoute(*route);
  });
}

StoreResult<ChangeSummary> SqliteStore::removeRoute(const config::RouteKey& input) {
  config::Route probe;
  probe.user = input.user;
  probe.domain = input.domain;
  probe.phone_uri = input.phone_uri;
  probe.next_hop = "localhost";  // only the key is checked here
  Result<config::Route, std::string> key = config::checkRoute(probe);
  if (!key) {
    return fail("route " + key.error());
  }
  return write([&](ChangeSummary& summary) -> StoreStatus {
    StoreResult<std::vector<config::Route>> routes = readRoutes();
    if (!routes) {
      return fail(routes.error());
    }
    const auto found =
        std::find_if(routes->begin(), routes->end(), [&](const config::Route& r) { return r.key() == key->key(); });
    if (found == routes->end()) {
      return fail("no route " + key->key().toString());
    }
    summary.changes.push_back("route removed: " + found->toString());
    routes->erase(found);
    return replaceRoutes(*routes);
  });
}

StoreResult<ChangeSummary> SqliteStore::addHost(const config::AuthorizedHost& input) {
  Result<config::AuthorizedHost, std::string> host = config::checkHost(input);
  if (!host) {
    return fail(host.error());
  }
  return write([&](ChangeSummary& summary) -> StoreStatus {
    StoreResult<std::vector<config::AuthorizedHost>> hosts = readHosts();
    if (!hosts) {
      return fail(hosts.error());
    }
    if (std::any_of(hosts->begin(), hosts->end(), [&](const auto& h) { return h.host == host->host; })) {
      return fail("host " + host->host + " is already authorized (remove it first to change its flags)");
    }
    summary.changes.push_back("host added: " + host->toString());
    return insertHost(*host);
  });
}

StoreResult<ChangeSummary> SqliteStore::removeHost(std::string_view text) {
  Result<std::string, std::string> host = config::checkNextHop(text);
  if (!host) {
    return fail(host.error());
  }
  return write([&](ChangeSummary& summary) -> StoreStatus {
    StoreResult<std::vector<config::AuthorizedHost>> hosts = readHosts();
    if (!hosts) {
      return fail(hosts.error());
    }
    const auto found = std::find_if(hosts->begin(), hosts->end(), [&](const auto& h) { return h.host == *host; });
    if (found == hosts->end()) {
      return fail("host " + *host + " is not an authorized host");
    }
    summary.changes.push_back("host removed: " + found->toString());
    return deleteHost(*host);
  });
}

StoreResult<ChangeSummary> SqliteStore::addUser(std::string_view uri, std::string_view password) {
  Result<config::UserAddress, std::string> address = config::parseUserUri(uri);
  if (!address) {
    return fail(address.error());
  }
  if (password.empty()) {
    return fail(std::string("the password must not be empty"));
  }
  return write([&](ChangeSummary& summary) -> StoreStatus {
    StoreResult<bool> domain = domainExists(address->domain);
    if (!domain) {
      return fail(domain.error());
    }
    if (!*domain) {
      return fail(address->domain + " is not one of the pool's domains (add it first: domain add " + address->domain +
                  ")");
    }
    StoreResult<std::optional<UserRecord>> existing = readUser(address->user, address->domain);
    if (!existing) {
      return fail(existing.error());
    }
    if (existing->has_value()) {
      return fail("user " + address->uri() + " already exists");
    }
    summary.changes.push_back("user added: " + address->uri());
    return insertUser(makeUser(*address, password, true));
  });
}

StoreResult<ChangeSummary> SqliteStore::removeUser(std::string_view uri) {
  Result<config::UserAddress, std::string> address = config::parseUserUri(uri);
  if (!address) {
    return fail(address.error());
  }
  return write([&](ChangeSummary& summary) -> StoreStatus {
    Statement::Use use = statements_->delete_user.use();
    use.bind(address->user).bind(address->domain);
    if (StoreStatus done = use.run(); !done) {
      return fail(error(done.error()));
    }
    if (db_.changes() == 0) {
      return fail("no user " + address->uri());
    }
    summary.changes.push_back("user removed: " + address->uri());
    return {};
  });
}

StoreResult<ChangeSummary> SqliteStore::setUserEnabled(std::string_view uri, bool enabled) {
  Result<config::UserAddress, std::string> address = config::parseUserUri(uri);
  if (!address) {
    return fail(address.error());
  }
  return write([&](ChangeSummary& summary) -> StoreStatus {
    StoreResult<std::optional<UserRecord>> existing = readUser(address->user, address->domain);
    if (!existing) {
      return fail(existing.error());
    }
    if (!existing->has_value()) {
      return fail("no user " + address->uri());
    }
    UserRecord user = **existing;
    if (user.enabled == enabled) {
      return {};
    }
    user.enabled = enabled;
    summary.changes.push_back(std::string(enabled ? "user enabled: " : "user disabled: ") + user.uri);
    return updateUser(user);
  });
}

// --- Registrations ----------------------------------------------------------

StoreResult<std::vector<Binding>> SqliteStore::loadBindings(int64_t now) {
  Statement::Use use = statements_->select_bindings.use();
  use.bind(now);
  auto bindings = readAll<Binding>(std::move(use), [](const Statement::Use& row) {
    Binding binding;
    binding.user = row.text(0);
    binding.domain = row.text(1);
    binding.contact = row.text(2);
    binding.q = static_cast<uint16_t>(row.integer(3));
    binding.expires_at = row.integer(4);
    binding.call_id = row.text(5);
    binding.cseq = static_cast<uint32_t>(row.integer(6));
    binding.path = row.text(7);
    binding.received = row.text(8);
    binding.user_agent = row.text(9);
    return binding;
  });
  return bindings ? std::move(bindings) : fail(error(bindings.error()));
}

StoreStatus SqliteStore::writeBindings(const std::vector<BindingChange>& changes) {
  if (changes.empty()) {
    return {};
  }
  Result<Transaction, std::string> transaction = Transaction::begin(db_, Transaction::Kind::Write);
  if (!transaction) {
    return fail(error(transaction.error()));
  }
  for (const BindingChange& change : changes) {
    const Binding& b = change.binding;
    Status<std::string> done;
    if (change.kind == BindingChange::Kind::Upsert) {
      Statement::Use use = statements_->upsert_binding.use();
      use.bind(b.user).bind(b.domain).bind(b.contact).bind(int64_t{b.q}).bind(b.expires_at).bind(b.call_id);
      use.bind(int64_t{b.cseq}).bind(b.path).bind(b.received).bind(b.user_agent);
      done = use.run();
    } else {
      Statement::Use use = statements_->delete_binding.use();
      use.bind(b.user).bind(b.domain).bind(b.contact);
      done = use.run();
    }
    if (!done) {
      return fail(error("binding of sip:" + b.user + "@" + b.domain + " not written: " + done.error()));
    }
  }
  if (Status<std::string> committed = transaction->commit(); !committed) {
    return fail(error(committed.error()));
  }
  return {};
}

StoreResult<size_t> SqliteStore::purgeExpiredBindings(int64_t now) {
  Statement::Use use = statements_->purge_bindings.use();
  use.bind(now);
  if (Status<std::string> done = use.run(); !done) {
    return fail(error(done.error()));
  }
  return static_cast<size_t>(db_.changes());
}

// --- Presence -----------------------------------------------------------------

namespace {

// A URI the store keys by user (an owner, a presentity), or the problem.
Result<config::UserAddress, std::string> userKey(std::string_view what, std::string_view uri) {
  Result<config::UserAddress, std::string> address = config::parseUserUri(uri);
  if (!address) {
    return fail(std::string(what) + ": " + address.error());
  }
  return address;
}

// By owner, then watcher, as strings (presence_policy.h's rulesOf relies on it).
template <class T>
void sortByOwner(std::vector<T>& rows) {
  std::sort(rows.begin(), rows.end(),
            [](const T& a, const T& b) { return a.owner != b.owner ? a.owner < b.owner : a.watcher < b.watcher; });
}

}  // namespace

StoreResult<std::vector<PresenceRule>> SqliteStore::readPresenceRules(const std::optional<config::UserAddress>& owner) {
  Statement::Use use = owner ? statements_->select_rules_of.use() : statements_->select_rules.use();
  if (owner) {
    use.bind(owner->user).bind(owner->domain);
  }
  auto rules = readAll<PresenceRule>(std::move(use), ruleFromRow);
  if (!rules) {
    return fail(error(rules.error()));
  }
  sortByOwner(*rules);
  return rules;
}

StoreResult<std::vector<PendingWatcher>> SqliteStore::readPendingWatchers(
    const std::optional<config::UserAddress>& owner) {
  Statement::Use use = owner ? statements_->select_pending_of.use() : statements_->select_pending.use();
  if (owner) {
    use.bind(owner->user).bind(owner->domain);
  }
  auto pending = readAll<PendingWatcher>(std::move(use), pendingFromRow);
  if (!pending) {
    return fail(error(pending.error()));
  }
  sortByOwner(*pending);
  return pending;
}

StoreResult<std::vector<Publication>> SqliteStore::readPublications(int64_t now) {
  Statement::Use use = statements_->select_publications.use();
  use.bind(now);
  auto publications = readAll<Publication>(std::move(use), publicationFromRow);
  return publications ? std::move(publications) : fail(error(publications.error()));
}

StoreResult<std::vector<Subscription>> SqliteStore::readSubscriptions(int64_t now) {
  Statement::Use use = statements_->select_subscriptions.use();
  use.bind(now);
  auto subscriptions = readAll<Subscription>(std::move(use), subscriptionFromRow);
  return subscriptions ? std::move(subscriptions) : fail(error(subscriptions.error()));
}

StoreResult<std::vector<PresenceRule>> SqliteStore::listPresenceRules(std::string_view owner) {
  if (owner.empty()) {
    return readPresenceRules(std::nullopt);
  }
  Result<config::UserAddress, std::string> address = config::parseUserUri(owner);
  if (!address) {
    return fail(address.error());
  }
  return readPresenceRules(*address);
}

StoreResult<std::vector<PendingWatcher>> SqliteStore::listPendingWatchers(std::string_view owner) {
  if (owner.empty()) {
    return readPendingWatchers(std::nullopt);
  }
  Result<config::UserAddress, std::string> address = config::parseUserUri(owner);
  if (!address) {
    return fail(address.error());
  }
  return readPendingWatchers(*address);
}

StoreResult<std::vector<Publication>> SqliteStore::listPublications(std::string_view presentity, int64_t now) {
  Result<config::UserAddress, std::string> address = config::parseUserUri(presentity);
  if (!address) {
    return fail(address.error());
  }
  Statement::Use use = statements_->select_publications_of.use();
  use.bind(address->user).bind(address->domain).bind(now);
  auto publications = readAll<Publication>(std::move(use), publicationFromRow);
  return publications ? std::move(publications) : fail(error(publications.error()));
}

StoreResult<std::optional<WatcherDecision>> SqliteStore::readRuleDecision(const config::UserAddress& owner,
                                                                          std::string_view watcher) {
  Statement::Use use = statements_->select_rule.use();
  use.bind(owner.user).bind(owner.domain).bind(watcher);
  Result<bool, std::string> row = use.step();
  if (!row) {
    return fail(error(row.error()));
  }
  if (!*row) {
    return std::optional<WatcherDecision>();
  }
  return std::optional<WatcherDecision>(
      config::watcherDecisionFromName(use.text(0)).value_or(WatcherDecision::BlockPolite));
}

StoreStatus SqliteStore::putPresenceRule(const PresenceRule& rule) {
  Result<config::UserAddress, std::string> owner = userKey("presence rule owner", rule.owner);
  if (!owner) {
    return fail(owner.error());
  }
  {
    Statement::Use use = statements_->upsert_rule.use();
    use.bind(owner->user).bind(owner->domain).bind(rule.watcher).bind(config::watcherDecisionName(rule.decision));
    if (StoreStatus done = use.run(); !done) {
      return fail(error("presence rule " + rule.toString() + " not written: " + done.error()));
    }
  }
  StoreResult<std::vector<PendingWatcher>> pending = readPendingWatchers(*owner);
  if (!pending) {
    return fail(pending.error());
  }
  for (const PendingWatcher& waiting : *pending) {
    if (!watcherMatches(rule.watcher, waiting.watcher)) {
      continue;
    }
    Statement::Use use = statements_->delete_pending.use();
    use.bind(owner->user).bind(owner->domain).bind(waiting.watcher);
    if (StoreStatus done = use.run(); !done) {
      return fail(error(done.error()));
    }
  }
  return {};
}

StoreStatus SqliteStore::deletePresenceRule(const PresenceRule& rule) {
  Result<config::UserAddress, std::string> owner = userKey("presence rule owner", rule.owner);
  if (!owner) {
    return fail(owner.error());
  }
  Statement::Use use = statements_->delete_rule.use();
  use.bind(owner->user).bind(owner->domain).bind(rule.watcher);
  StoreStatus done = use.run();
  return done ? done : fail(error(done.error()));
}

StoreResult<ChangeSummary> SqliteStore::setPresenceRule(const PresenceRule& input) {
  Result<PresenceRule, std::string> rule = config::checkPresenceRule(input);
  if (!rule) {
    return fail("presence rule " + rule.error());
  }
  const config::UserAddress owner = *config::parseUserUri(rule->owner);
  return write([&](ChangeSummary& summary) -> StoreStatus {
    StoreResult<std::optional<UserRecord>> user = readUser(owner.user, owner.domain);
    if (!user) {
      return fail(user.error());
    }
    if (!user->has_value()) {
      return fail("no user " + owner.uri() + " (presence rules belong to users homed here)");
    }
    StoreResult<std::optional<WatcherDecision>> found = readRuleDecision(owner, rule->watcher);
    if (!found) {
      return fail(found.error());
    }
    const std::optional<WatcherDecision> old = *found;
    if (old == rule->decision) {
      return {};
    }
    summary.changes.push_back(old ? "presence rule changed: " + rule->toString() + " (was " +
                                        std::string(config::watcherDecisionName(*old)) + ")"
                                  : "presence rule added: " + rule->toString());
    return putPresenceRule(*rule);
  });
}

StoreResult<ChangeSummary> SqliteStore::removePresenceRule(std::string_view owner_text, std::string_view watcher) {
  Result<PresenceRule, std::string> key =
      config::checkPresenceRule(PresenceRule{std::string(owner_text), std::string(watcher), WatcherDecision::Allow});
  if (!key) {
    return fail("presence rule " + key.error());
  }
  const config::UserAddress owner = *config::parseUserUri(key->owner);
  return write([&](ChangeSummary& summary) -> StoreStatus {
    StoreResult<std::optional<WatcherDecision>> found = readRuleDecision(owner, key->watcher);
    if (!found) {
      return fail(found.error());
    }
    if (!found->has_value()) {
      return fail("no presence rule of " + key->owner + " for " + key->watcher);
    }
    PresenceRule removed = *key;
    removed.decision = **found;
    summary.changes.push_back("presence rule removed: " + removed.toString());
    return deletePresenceRule(removed);
  });
}

StoreResult<PresenceLoad> SqliteStore::loadPresence(int64_t now) {
  Result<Transaction, std::string> transaction = Transaction::begin(db_, Transaction::Kind::Read);
  if (!transaction) {
    return fail(error(transaction.error()));
  }
  StoreResult<std::vector<Publication>> publications = readPublications(now);
  StoreResult<std::vector<Subscription>> subscriptions = readSubscriptions(now);
  StoreResult<std::vector<PendingWatcher>> pending = readPendingWatchers(std::nullopt);
  if (!publications || !subscriptions || !pending) {
    return fail(!publications ? publications.error() : !subscriptions ? subscriptions.error() : pending.error());
  }
  if (Status<std::string> done = transaction->commit(); !done) {
    return fail(error(done.error()));
  }
  return PresenceLoad{std::move(publications.value()), std::move(subscriptions.value()), std::move(pending.value())};
}

StoreStatus SqliteStore::writePresenceChange(const PresenceChange& change) {
  using Kind = PresenceChange::Kind;
  const bool publication = change.kind == Kind::PutPublication || change.kind == Kind::DeletePublication;
  const bool subscription = change.kind == Kind::PutSubscription || change.kind == Kind::DeleteSubscription;
  if (change.kind == Kind::DeleteSubscription) {
    Statement::Use use = statements_->delete_subscription.use();
    use.bind(change.subscription.id);
    StoreStatus done = use.run();
    return done ? done : fail(error("subscription not deleted: " + done.error()));
  }
  const std::string& uri = publication    ? change.publication.presentity
                           : subscription ? change.subscription.presentity
                                          : change.pending.owner;
  const std::string what = publication    ? "publication of " + uri
                           : subscription ? "subscription to " + uri
                                          : "pending watcher of " + uri;
  Result<config::UserAddress, std::string> user = userKey(what, uri);
  if (!user) {
    return fail(user.error());
  }
  StoreStatus done;
  switch (change.kind) {
    case Kind::PutPublication: {
      const Publication& p = change.publication;
      Statement::Use use = statements_->upsert_publication.use();
      use.bind(user->user).bind(user->domain).bind(p.etag).bind(p.expires_at).bind(p.content_type).bind(p.body);
      done = use.run();
      break;
    }
    case Kind::DeletePublication: {
      Statement::Use use = statements_->delete_publication.use();
      use.bind(user->user).bind(user->domain).bind(change.publication.etag);
      done = use.run();
      break;
    }
    case Kind::PutSubscription: {
      const Subscription& s = change.subscription;
      Statement::Use use = statements_->upsert_subscription.use();
      use.bind(s.id).bind(user->user).bind(user->domain).bind(s.watcher).bind(s.event).bind(s.call_id);
      use.bind(s.local_tag).bind(s.remote_tag).bind(s.remote_target).bind(encodeRouteSet(s.route_set));
      use.bind(int64_t{s.local_cseq}).bind(int64_t{s.remote_cseq}).bind(s.expires_at).bind(s.state).bind(s.accept);
      use.bind(int64_t{s.version});
      done = use.run();
      break;
    }
    case Kind::PutPending: {
      Statement::Use use = statements_->upsert_pending.use();
      use.bind(user->user).bind(user->domain).bind(change.pending.watcher).bind(change.pending.since);
      done = use.run();
      break;
    }
    case Kind::DeletePending: {
      Statement::Use use = statements_->delete_pending.use();
      use.bind(user->user).bind(user->domain).bind(change.pending.watcher);
      done = use.run();
      break;
    }
    case Kind::DeleteSubscription:
      break;  // above
  }
  return done ? done : fail(error(what + " not written: " + done.error()));
}

StoreStatus SqliteStore::writePresence(const std::vector<PresenceChange>& changes) {
  if (changes.empty()) {
    return {};
  }
  Result<Transaction, std::string> transaction = Transaction::begin(db_, Transaction::Kind::Write);
  if (!transaction) {
    return fail(error(transaction.error()));
  }
  for (const PresenceChange& change : changes) {
    if (StoreStatus done = writePresenceChange(change); !done) {
      return done;  // the transaction rolls back: nothing of the batch is written
    }
  }
  if (Status<std::string> committed = transaction->commit(); !committed) {
    return fail(error(committed.error()));
  }
  return {};
}

StoreResult<size_t> SqliteStore::purgeExpiredPresence(int64_t now) {
  Result<Transaction, std::string> transaction = Transaction::begin(db_, Transaction::Kind::Write);
  if (!transaction) {
    return fail(error(transaction.error()));
  }
  size_t purged = 0;
  for (Statement* purge : {&statements_->purge_publications, &statements_->purge_subscriptions}) {
    Statement::Use use = purge->use();
    use.bind(now);
    if (Status<std::string> done = use.run(); !done) {
      return fail(error(done.error()));
    }
    purged += static_cast<size_t>(db_.changes());
  }
  if (Status<std::string> committed = transaction->commit(); !committed) {
    return fail(error(committed.error()));
  }
  return purged;
}

}  // namespace tandem::store
