#pragma once

// The embedded store of a Standard Edition server: one SQLite file in WAL
// mode (readers never block the writer; tandemd and tandemctl share the
// file), foreign keys on, synchronous = FULL (a committed write survives a
// crash), a busy timeout so concurrent writers wait instead of failing, and
// every statement prepared once when the store opens.

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite.h"
#include "store/sqlite_schema.h"
#include "store/store.h"

namespace tandem::store {

struct PoolPlan;

class SqliteStore final : public Store {
 public:
  // How long a write waits for another connection's write lock.
  static constexpr int kBusyTimeoutMs = 5000;

  // Opens `file`, creating it when missing (its folder must exist), and
  // brings its schema to the last of `migrations` in one transaction. A
  // database whose schema is newer than that, or that is not a Tandem store,
  // is refused. `migrations` is for tests; the default is this build's.
  static StoreResult<std::unique_ptr<SqliteStore>> open(
      const std::filesystem::path& file, std::span<const std::string_view> migrations = sqlite::migrations());

  ~SqliteStore() override;

  StoreResult<PoolSnapshot> loadPool() override;
  StoreResult<uint64_t> changeCounter() override;
  StoreResult<ChangeSummary> applyPool(const config::PoolSettings& settings) override;

  StoreResult<std::vector<std::string>> listDomains() override;
  StoreResult<ChangeSummary> addDomain(std::string_view domain) override;
  StoreResult<ChangeSummary> removeDomain(std::string_view domain) override;

  StoreResult<std::vector<config::Route>> listRoutes() override;
  StoreResult<ChangeSummary> addRoute(const config::Route& route) override;
  StoreResult<ChangeSummary> removeRoute(const config::RouteKey& key) override;

  StoreResult<std::vector<config::AuthorizedHost>> listHosts() override;
  StoreResult<ChangeSummary> addHost(const config::AuthorizedHost& host) override;
  StoreResult<ChangeSummary> removeHost(std::string_view host) override;

  StoreResult<ChangeSummary> addUser(std::string_view uri, std::string_view password) override;
  StoreResult<ChangeSummary> removeUser(std::string_view uri) override;
  StoreResult<ChangeSummary> setUserEnabled(std::string_view uri, bool enabled) override;
  StoreResult<std::vector<UserRecord>> listUsers() override;
  StoreResult<std::optional<UserRecord>> getUser(std::string_view uri) override;
  StoreResult<std::optional<UserRecord>> findUser(std::string_view user, std::string_view domain) override;

  StoreResult<std::vector<Binding>> loadBindings(int64_t now) override;
  StoreStatus writeBindings(const std::vector<BindingChange>& changes) override;
  StoreResult<size_t> purgeExpiredBindings(int64_t now) override;

  StoreResult<std::vector<PresenceRule>> listPresenceRules(std::string_view owner) override;
  StoreResult<ChangeSummary> setPresenceRule(const PresenceRule& rule) override;
  StoreResult<ChangeSummary> removePresenceRule(std::string_view owner, std::string_view watcher) override;
  StoreResult<std::vector<PendingWatcher>> listPendingWatchers(std::string_view owner) override;
  StoreResult<std::vector<Publication>> listPublications(std::string_view presentity, int64_t now) override;
  StoreResult<PresenceLoad> loadPresence(int64_t now) override;
  StoreStatus writePresence(const std::vector<PresenceChange>& changes) override;
  StoreResult<size_t> purgeExpiredPresence(int64_t now) override;

  // The schema version of the open database.
  int schemaVersion() const { return schema_version_; }

 private:
  struct Statements;
  using Body = std::function<StoreStatus(ChangeSummary&)>;

  SqliteStore(std::filesystem::path file, sqlite::Database db, int schema_version);

  std::string error(std::string_view problem) const;  // "store <file>: <problem>"
  StoreStatus prepareStatements();
  // Runs `body` in a write transaction; bumps the change counter when it
  // reported a change. Rolls everything back when it fails.
  StoreResult<ChangeSummary> write(const Body& body);

  // Readers and writers for use inside a transaction (or alone).
  StoreResult<uint64_t> readCounter();
  StoreResult<uint64_t> bumpCounter();
  StoreResult<std::vector<std::string>> readDomains();
  StoreResult<std::vector<config::Route>> readRoutes();
  StoreResult<std::vector<config::AuthorizedHost>> readHosts();
  StoreResult<std::vector<UserRecord>> readUsers();
  StoreResult<std::optional<UserRecord>> readUser(std::string_view user, std::string_view domain);
  StoreResult<config::PresenceSettings> readPresence();
  // Every owner's rules when `owner` is nullopt; sorted by owner, watcher.
  StoreResult<std::vector<PresenceRule>> readPresenceRules(const std::optional<config::UserAddress>& owner);
  StoreResult<std::vector<PendingWatcher>> readPendingWatchers(const std::optional<config::UserAddress>& owner);
  StoreResult<std::vector<Publication>> readPublications(int64_t now);
  StoreResult<std::vector<Subscription>> readSubscriptions(int64_t now);
  // The owner's decision about exactly `watcher`; nullopt without a rule.
  StoreResult<std::optional<WatcherDecision>> readRuleDecision(const config::UserAddress& owner,
                                                               std::string_view watcher);
  StoreResult<config::ThrottlingSettings> readThrottling();
  StoreResult<PoolSnapshot> readSnapshot();
  StoreResult<bool> domainExists(std::string_view domain);
  StoreStatus checkNoUsersIn(const std::string& domain);

  StoreStatus insertDomain(const std::string& domain);
  StoreStatus deleteDomain(const std::string& domain);
  StoreStatus insertRoute(const config::Route& route);
  StoreStatus replaceRoutes(const std::vector<config::Route>& routes);
  StoreStatus insertHost(const config::AuthorizedHost& host);
  StoreStatus updateHost(const config::AuthorizedHost& host);
  StoreStatus deleteHost(const std::string& host);
  StoreStatus insertUser(const UserRecord& user);
  StoreStatus updateUser(const UserRecord& user);
  StoreStatus writePresenceSettings(const config::PresenceSettings& presence);
  // Inserts or replaces a canonical rule, and deletes the owner's pending
  // watchers it covers (the decision is made).
  StoreStatus putPresenceRule(const PresenceRule& rule);
  StoreStatus deletePresenceRule(const PresenceRule& rule);
  StoreStatus writePresenceChange(const PresenceChange& change);
  StoreStatus writeThrottling(const config::ThrottlingSettings& throttling);
  StoreStatus execute(const PoolPlan& plan);

  std::filesystem::path file_;
  sqlite::Database db_;
  int schema_version_ = 0;
  std::unique_ptr<Statements> statements_;
  // changeCounter(): the counter as last read, valid while PRAGMA
  // data_version (which moves when another connection commits) is unchanged.
  bool counter_known_ = false;
  int64_t data_version_ = 0;
  uint64_t counter_ = 0;
};

}  // namespace tandem::store
