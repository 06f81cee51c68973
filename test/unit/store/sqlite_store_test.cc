#include "store/sqlite_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "store/digest.h"
#include "store/sqlite.h"

namespace tandem::store {
namespace {

namespace fs = std::filesystem;
using config::AuthorizedHost;
using config::PoolSettings;
using config::Route;
using config::RouteKey;
using config::RouteTransport;
using config::UserEntry;
using Lines = std::vector<std::string>;

class TempFolder {
 public:
  TempFolder() {
    std::string pattern = (fs::temp_directory_path() / "tandem-store-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempFolder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

Route route(std::string user, std::string domain, std::string next_hop, bool phone_uri = false) {
  return Route{std::move(user), std::move(domain), std::move(next_hop), RouteTransport::Tcp, 5060, phone_uri, false, 0};
}

PoolSettings briefPool() {
  PoolSettings pool;
  pool.domains = {"example.com"};
  pool.routes = {route("*", "example.com", "10.0.0.5")};
  pool.authorized_hosts = {AuthorizedHost{"10.0.0.5", false, true, true, 0}};
  pool.users = {UserEntry{"sip:alice@example.com", "alice-secret", std::nullopt, 0},
                UserEntry{"sip:bob@example.com", "bob-secret", std::nullopt, 0}};
  return pool;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  fs::path file() const { return folder_.path() / "tandem.db"; }

  std::unique_ptr<SqliteStore> openStore() {
    StoreResult<std::unique_ptr<SqliteStore>> store = SqliteStore::open(file());
    EXPECT_TRUE(store.ok()) << store.error();
    return store ? std::move(store.value()) : nullptr;
  }

  // Runs SQL on the file through a connection of its own.
  void sql(const std::string& text) {
    Result<sqlite::Database, std::string> db = sqlite::Database::open(file());
    ASSERT_TRUE(db.ok()) << db.error();
    Status<std::string> done = db->exec(text);
    ASSERT_TRUE(done.ok()) << done.error();
  }

  static Lines apply(Store& store, const PoolSettings& pool) {
    StoreResult<ChangeSummary> summary = store.applyPool(pool);
    EXPECT_TRUE(summary.ok()) << summary.error();
    return summary ? summary->changes : Lines{"<error>"};
  }

  static std::string errorOf(const StoreResult<ChangeSummary>& result) {
    EXPECT_FALSE(result.ok());
    return result ? std::string() : result.error();
  }

  TempFolder folder_;
};

TEST_F(SqliteStoreTest, CreatesAndMigratesAnEmptyDatabase) {
  std::unique_ptr<SqliteStore> store = openStore();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->schemaVersion(), sqlite::latestSchemaVersion());
  StoreResult<PoolSnapshot> snapshot = store->loadPool();
  ASSERT_TRUE(snapshot.ok()) << snapshot.error();
  EXPECT_EQ(snapshot->version, 0u);
  EXPECT_EQ(snapshot->settings, PoolSettings{});
  EXPECT_EQ(snapshot->users.size(), 0u);

  Result<sqlite::Database, std::string> db = sqlite::Database::open(file());
  ASSERT_TRUE(db.ok());
  Result<sqlite::Statement, std::string> mode = db->prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode.ok());
  sqlite::Statement::Use use = mode->use();
  ASSERT_TRUE(*use.step());
  EXPECT_EQ(use.text(0), "wal");
}

TEST_F(SqliteStoreTest, ReopeningKeepsTheData) {
  {
    std::unique_ptr<SqliteStore> store = openStore();
    apply(*store, briefPool());
  }
  std::unique_ptr<SqliteStore> store = openStore();
  StoreResult<PoolSnapshot> snapshot = store->loadPool();
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(snapshot->settings.domains, Lines{"example.com"});
  EXPECT_EQ(snapshot->users.size(), 2u);
  EXPECT_EQ(snapshot->version, 1u);
}

TEST_F(SqliteStoreTest, MigratesAnOlderSchemaAndRefusesANewerOne) {
  const std::vector<std::string_view> v1(sqlite::migrations().begin(), sqlite::migrations().end());
  std::vector<std::string_view> v2 = v1;
  v2.push_back("CREATE TABLE later_feature (x INTEGER)");
  {
    StoreResult<std::unique_ptr<SqliteStore>> store = SqliteStore::open(file(), v1);
    ASSERT_TRUE(store.ok()) << store.error();
    EXPECT_TRUE((*store)->addDomain("example.com").ok());
  }
  {
    StoreResult<std::unique_ptr<SqliteStore>> store = SqliteStore::open(file(), v2);
    ASSERT_TRUE(store.ok()) << store.error();
    EXPECT_EQ((*store)->schemaVersion(), static_cast<int>(v2.size()));
    EXPECT_EQ(*(*store)->listDomains(), Lines{"example.com"});  // data kept
  }
  StoreResult<std::unique_ptr<SqliteStore>> older = SqliteStore::open(file(), v1);
  ASSERT_FALSE(older.ok());
  EXPECT_EQ(older.error(), "store " + file().string() + ": database schema version " + std::to_string(v2.size()) +
                               " is newer than this tandemd (" + std::to_string(v1.size()) + ")");
}

TEST_F(SqliteStoreTest, AFailedMigrationChangesNothing) {
  const std::vector<std::string_view> broken = {sqlite::migrations()[0], "CREATE TABLE oops (", "bad"};
  StoreResult<std::unique_ptr<SqliteStore>> store = SqliteStore::open(file(), broken);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().find("schema migration 2 failed"), std::string::npos) << store.error();
  // Nothing was committed: the database is still empty and opens normally.
  std::unique_ptr<SqliteStore> fresh = openStore();
  ASSERT_NE(fresh, nullptr);
  EXPECT_EQ(fresh->schemaVersion(), sqlite::latestSchemaVersion());
}

TEST_F(SqliteStoreTest, RefusesWhatIsNotATandemStore) {
  sql("CREATE TABLE something_else (x)");
  StoreResult<std::unique_ptr<SqliteStore>> store = SqliteStore::open(file());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error(), "store " + file().string() + ": not a Tandem store (it has tables but no schema_version)");
}

TEST_F(SqliteStoreTest, RefusesAFileThatIsNotADatabase) {
  std::ofstream(file()) << "this is not a database, it is a text file that is long enough to have a header\n";
  StoreResult<std::unique_ptr<SqliteStore>> store = SqliteStore::open(file());
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().find("store " + file().string() + ": "), std::string::npos) << store.error();
  EXPECT_NE(store.error().find("file is not a database"), std::string::npos) << store.error();
}

TEST_F(SqliteStoreTest, MissingFolderIsAClearError) {
  const fs::path missing = folder_.path() / "var" / "tandem.db";
  StoreResult<std::unique_ptr<SqliteStore>> store = SqliteStore::open(missing);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error(), "store " + missing.string() + ": the folder " + (folder_.path() / "var").string() +
                               " does not exist (create it first)");
  StoreResult<std::unique_ptr<SqliteStore>> folder = SqliteStore::open(folder_.path());
  ASSERT_FALSE(folder.ok());
  EXPECT_NE(folder.error().find("is a folder, not a database file"), std::string::npos);
}

TEST(StoreOpenTest, UrlsAndServerFileStores) {
  StoreResult<std::unique_ptr<Store>> postgres = open("postgresql://tandem@db.example.com/pool1");
  ASSERT_FALSE(postgres.ok());
  EXPECT_EQ(postgres.error(),
            "PostgreSQL pools arrive with the Enterprise Edition issue; use store = \"sqlite:PATH\" for now");
  StoreResult<std::unique_ptr<Store>> from_config =
      open(config::Store{config::Store::Kind::Postgresql, "postgresql://x"});
  ASSERT_FALSE(from_config.ok());
  EXPECT_EQ(from_config.error(), postgres.error());
  StoreResult<std::unique_ptr<Store>> unknown = open("mysql://x");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().find("unknown store 'mysql://x'"), std::string::npos);

  TempFolder folder;
  StoreResult<std::unique_ptr<Store>> sqlite = open("sqlite:" + (folder.path() / "a.db").string());
  ASSERT_TRUE(sqlite.ok()) << sqlite.error();
  StoreResult<std::unique_ptr<Store>> configured =
      open(config::Store{config::Store::Kind::Sqlite, (folder.path() / "b.db").string()});
  ASSERT_TRUE(configured.ok()) << configured.error();
}

TEST_F(SqliteStoreTest, ApplyReportsEachChangeAndIsIdempotent) {
  std::unique_ptr<SqliteStore> store = openStore();
  EXPECT_EQ(apply(*store, briefPool()),
            (Lines{"domain added: example.com", "route added: *@example.com -> tcp 10.0.0.5:5060",
                   "host added: 10.0.0.5 [throttle-as-server, treat-as-authenticated]",
                   "user added: sip:alice@example.com", "user added: sip:bob@example.com"}));
  const uint64_t version = *store->changeCounter();
  EXPECT_EQ(apply(*store, briefPool()), Lines{});
  EXPECT_EQ(*store->changeCounter(), version);

  // Export -> apply: the exported form (no passwords) changes nothing either.
  StoreResult<PoolSnapshot> snapshot = store->loadPool();
  ASSERT_TRUE(snapshot.ok());
  Result<PoolSettings, std::string> exported = config::parsePoolText(config::formatPoolFile(snapshot->settings), "x");
  ASSERT_TRUE(exported.ok()) << exported.error();
  EXPECT_EQ(apply(*store, *exported), Lines{});
  EXPECT_EQ(*store->changeCounter(), version);
}

TEST_F(SqliteStoreTest, ApplyReplacesDomainsRoutesAndHostsButKeepsUnlistedUsers) {
  std::unique_ptr<SqliteStore> store = openStore();
  apply(*store, briefPool());
  PoolSettings next;
  next.domains = {"example.com", "example.org"};
  next.routes = {route("*", "example.org", "gw.example.net"), route("*", "example.com", "10.0.0.6")};
  next.authorized_hosts = {AuthorizedHost{"10.0.0.5", true, true, true, 0},
                           AuthorizedHost{"gw.example.net", false, true, false, 0}};
  next.users = {UserEntry{"sip:alice@example.com", "new-secret", false, 0},
                UserEntry{"sip:bob@example.com", "bob-secret", std::nullopt, 0},
                UserEntry{"sip:carol@example.org", "carol-secret", std::nullopt, 0}};
  next.presence.authorize = config::PresenceAuthorize::All;
  next.throttling.client_rate = 20;
  EXPECT_EQ(apply(*store, next),
            (Lines{"domain added: example.org", "route added: *@example.org -> tcp gw.example.net:5060",
                   "route changed: *@example.com -> tcp 10.0.0.6:5060 (was *@example.com -> tcp 10.0.0.5:5060)",
                   "host changed: 10.0.0.5 [outbound-only, throttle-as-server, treat-as-authenticated] (was 10.0.0.5 "
                   "[throttle-as-server, treat-as-authenticated])",
                   "host added: gw.example.net [throttle-as-server]", "user password changed: sip:alice@example.com",
                   "user disabled: sip:alice@example.com", "user added: sip:carol@example.org",
                   "presence.authorize changed: ask -> all", "throttling.client_rate changed: 50 -> 20"}));
  StoreResult<PoolSnapshot> snapshot = store->loadPool();
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(snapshot->settings.routes, next.routes);  // the file's order
  EXPECT_EQ(snapshot->settings.authorized_hosts, next.authorized_hosts);
  EXPECT_EQ(snapshot->settings.presence.authorize, config::PresenceAuthorize::All);
  EXPECT_EQ(snapshot->settings.throttling, next.throttling);

  // A file without users keeps every user; dropping example.org then fails
  // because carol is homed there, and nothing of the file is applied.
  PoolSettings fewer;
  fewer.domains = {"example.com"};
  StoreResult<ChangeSummary> refused = store->applyPool(fewer);
  EXPECT_EQ(errorOf(refused),
            "domain example.org cannot be removed: 1 user(s) are homed there (sip:carol@example.org); remove them "
            "first (tandemctl user remove)");
  EXPECT_EQ(store->loadPool()->settings, snapshot->settings);
  ASSERT_TRUE(store->removeUser("sip:carol@example.org").ok());
  EXPECT_EQ(apply(*store, fewer),
            (Lines{"domain removed: example.org", "route removed: *@example.org -> tcp gw.example.net:5060",
                   "route removed: *@example.com -> tcp 10.0.0.6:5060",
                   "host removed: 10.0.0.5 [outbound-only, throttle-as-server, treat-as-authenticated]",
                   "host removed: gw.example.net [throttle-as-server]", "presence.authorize changed: all -> ask",
                   "throttling.client_rate changed: 20 -> 50"}));
  EXPECT_EQ(store->listUsers()->size(), 2u);
}

TEST_F(SqliteStoreTest, ApplyDetectsReorderedRoutes) {
  std::unique_ptr<SqliteStore> store = openStore();
  PoolSettings pool;
  pool.routes = {route("alice", "example.com", "10.0.0.5"), route("*", "example.com", "10.0.0.6")};
  apply(*store, pool);
  std::swap(pool.routes[0], pool.routes[1]);
  EXPECT_EQ(apply(*store, pool), Lines{"routes reordered"});
  EXPECT_EQ(*store->listRoutes(), pool.routes);
}

TEST_F(SqliteStoreTest, ApplyIsOneTransaction) {
  std::unique_ptr<SqliteStore> store = openStore();
  apply(*store, briefPool());
  const uint64_t version = *store->changeCounter();
  PoolSettings pool = briefPool();
  pool.domains.push_back("example.org");
  pool.routes.push_back(route("*", "example.org", "10.0.0.7"));
  pool.users.push_back(UserEntry{"sip:dave@example.org", "", std::nullopt, 0});  // new, no password
  EXPECT_EQ(errorOf(store->applyPool(pool)), "users[3]: sip:dave@example.org is a new user: its password is required");
  EXPECT_EQ(*store->listDomains(), Lines{"example.com"});
  EXPECT_EQ(store->listRoutes()->size(), 1u);
  EXPECT_EQ(*store->changeCounter(), version);
}

TEST_F(SqliteStoreTest, ApplyChecksTheSettings) {
  std::unique_ptr<SqliteStore> store = openStore();
  PoolSettings pool;
  pool.routes = {route("*", "example.com", "10.0.0.5"), route("*", "EXAMPLE.com", "10.0.0.6")};
  EXPECT_EQ(errorOf(store->applyPool(pool)),
            "routes[2]: two routes with the same matching key (user, domain, phone_uri): *@example.com is also "
            "routes[1]");
  pool.routes = {route("*", "example.com", "not a host")};
  EXPECT_NE(errorOf(store->applyPool(pool)).find("routes[1]: next_hop: "), std::string::npos);
}

TEST_F(SqliteStoreTest, PasswordsAreStoredAsDigestHashesOnly) {
  std::unique_ptr<SqliteStore> store = openStore();
  ASSERT_TRUE(store->addDomain("example.com").ok());
  ASSERT_TRUE(store->addUser("sip:Mufasa@example.com", "Circle of Life").ok());
  StoreResult<std::optional<UserRecord>> user = store->getUser("sip:Mufasa@EXAMPLE.COM");
  ASSERT_TRUE(user.ok() && user->has_value());
  const UserRecord& record = **user;
  EXPECT_EQ(record.uri, "sip:Mufasa@example.com");
  EXPECT_EQ(record.user, "Mufasa");
  EXPECT_EQ(record.domain, "example.com");
  EXPECT_TRUE(record.enabled);
  EXPECT_EQ(record.ha1_md5, digestHex(DigestAlgorithm::Md5, "Mufasa:example.com:Circle of Life"));
  EXPECT_EQ(record.ha1_sha256, digestHex(DigestAlgorithm::Sha256, "Mufasa:example.com:Circle of Life"));
  EXPECT_EQ(record.ha1_md5.size(), 32u);
  EXPECT_EQ(record.ha1_sha256.size(), 64u);

  // The clear password is nowhere in the file.
  store.reset();
  std::ifstream in(file(), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes.find("Circle of Life"), std::string::npos);
  EXPECT_NE(bytes.find(record.ha1_md5), std::string::npos);
}

TEST_F(SqliteStoreTest, SamePasswordAgainChangesNothing) {
  std::unique_ptr<SqliteStore> store = openStore();
  apply(*store, briefPool());
  const UserRecord before = **store->getUser("sip:alice@example.com");
  PoolSettings pool = briefPool();
  EXPECT_EQ(apply(*store, pool), Lines{});
  pool.users[0].password = "changed";
  EXPECT_EQ(apply(*store, pool), Lines{"user password changed: sip:alice@example.com"});
  const UserRecord after = **store->getUser("sip:alice@example.com");
  EXPECT_NE(after.ha1_md5, before.ha1_md5);
  EXPECT_EQ(after.ha1_md5, ha1(DigestAlgorithm::Md5, "alice", "example.com", "changed"));
}

TEST_F(SqliteStoreTest, RoutesAreUniquePerMatchingKeyAndKeepTheirOrder) {
  std::unique_ptr<SqliteStore> store = openStore();
  EXPECT_EQ(store->addRoute(route("*", "example.com", "10.0.0.5"))->changes,
            Lines{"route added: *@example.com -> tcp 10.0.0.5:5060"});
  EXPECT_EQ(errorOf(store->addRoute(route("*", "Example.COM", "10.0.0.6"))),
            "a route with the same matching key (user, domain, phone_uri) exists: *@example.com -> tcp "
            "10.0.0.5:5060");
  EXPECT_TRUE(store->addRoute(route("*", "example.com", "10.0.0.6", true)).ok());
  EXPECT_TRUE(store->addRoute(route("bob", "example.com", "10.0.0.7")).ok());
  std::vector<Route> routes = *store->listRoutes();
  ASSERT_EQ(routes.size(), 3u);
  EXPECT_EQ(routes[0].next_hop, "10.0.0.5");
  EXPECT_EQ(routes[1].next_hop, "10.0.0.6");
  EXPECT_EQ(routes[2].next_hop, "10.0.0.7");

  EXPECT_EQ(store->removeRoute(RouteKey{"*", "example.com", false})->changes,
            Lines{"route removed: *@example.com -> tcp 10.0.0.5:5060"});
  EXPECT_EQ(errorOf(store->removeRoute(RouteKey{"*", "example.com", false})), "no route *@example.com");
  EXPECT_TRUE(store->addRoute(route("*", "example.com", "10.0.0.8")).ok());  // appended
  routes = *store->listRoutes();
  ASSERT_EQ(routes.size(), 3u);
  EXPECT_EQ(routes[0].next_hop, "10.0.0.6");
  EXPECT_EQ(routes[2].next_hop, "10.0.0.8");
  EXPECT_NE(errorOf(store->addRoute(route("*", "example.com", "bad host!"))).find("route next_hop: "),
            std::string::npos);
  // An FQDN route without a port (SRV decides) keeps that through the store.
  Route srv = route("*", "example.org", "b.example.org");
  srv.srv = true;
  EXPECT_EQ(store->addRoute(srv)->changes, Lines{"route added: *@example.org -> tcp b.example.org (SRV)"});
  routes = *store->listRoutes();
  EXPECT_TRUE(routes.back().srv);
  EXPECT_EQ(routes.back(), srv);
}

TEST_F(SqliteStoreTest, HostsDomainsAndUsers) {
  std::unique_ptr<SqliteStore> store = openStore();
  EXPECT_EQ(store->addHost(AuthorizedHost{"GW.example.net", false, false, true, 0})->changes,
            Lines{"host added: gw.example.net [treat-as-authenticated]"});
  EXPECT_EQ(errorOf(store->addHost(AuthorizedHost{"gw.example.net", true, true, true, 0})),
            "host gw.example.net is already authorized (remove it first to change its flags)");
  EXPECT_NE(errorOf(store->addHost(AuthorizedHost{"0.0.0.0", false, false, false, 0})).find("cannot be an authorized"),
            std::string::npos);
  EXPECT_EQ(errorOf(store->removeHost("10.9.9.9")), "host 10.9.9.9 is not an authorized host");
  EXPECT_TRUE(store->removeHost("gw.EXAMPLE.net").ok());
  EXPECT_TRUE(store->listHosts()->empty());

  EXPECT_EQ(errorOf(store->addUser("sip:alice@example.com", "pw")),
            "example.com is not one of the pool's domains (add it first: domain add example.com)");
  EXPECT_TRUE(store->addDomain("Example.com").ok());
  EXPECT_EQ(errorOf(store->addDomain("example.com")), "domain example.com already exists");
  EXPECT_TRUE(store->addUser("sip:alice@example.com", "pw").ok());
  EXPECT_EQ(errorOf(store->addUser("sip:alice@example.com", "pw2")), "user sip:alice@example.com already exists");
  EXPECT_EQ(errorOf(store->addUser("sip:bob@example.com", "")), "the password must not be empty");
  EXPECT_EQ(errorOf(store->removeDomain("example.com")),
            "domain example.com cannot be removed: 1 user(s) are homed there (sip:alice@example.com); remove them "
            "first");
  EXPECT_EQ(store->setUserEnabled("sip:alice@example.com", false)->changes,
            Lines{"user disabled: sip:alice@example.com"});
  EXPECT_TRUE(store->setUserEnabled("sip:alice@example.com", false)->empty());
  EXPECT_FALSE((*store->getUser("sip:alice@example.com"))->enabled);
  EXPECT_EQ(errorOf(store->setUserEnabled("sip:nobody@example.com", true)), "no user sip:nobody@example.com");
  EXPECT_TRUE(store->removeUser("sip:alice@example.com").ok());
  EXPECT_EQ(errorOf(store->removeUser("sip:alice@example.com")), "no user sip:alice@example.com");
  EXPECT_FALSE(store->getUser("sip:alice@example.com")->has_value());
  EXPECT_TRUE(store->removeDomain("example.com").ok());
  EXPECT_EQ(errorOf(store->removeDomain("example.com")), "no domain example.com");
}

TEST_F(SqliteStoreTest, ChangeCounterBumpsOnceForEveryWriteThatChangesSomething) {
  std::unique_ptr<SqliteStore> store = openStore();
  EXPECT_EQ(*store->changeCounter(), 0u);
  EXPECT_EQ(store->addDomain("example.com")->version, 1u);
  EXPECT_EQ(*store->changeCounter(), 1u);
  EXPECT_EQ(store->applyPool(briefPool())->version, 2u);  // many changes, one bump
  EXPECT_EQ(store->applyPool(briefPool())->version, 2u);  // no change, no bump
  EXPECT_FALSE(store->addDomain("example.com").ok());     // refused, no bump
  EXPECT_EQ(*store->changeCounter(), 2u);
  EXPECT_TRUE(store->addRoute(route("bob", "example.com", "10.0.0.9")).ok());
  EXPECT_EQ(*store->changeCounter(), 3u);
  EXPECT_EQ(store->loadPool()->version, 3u);
}

TEST_F(SqliteStoreTest, ChangeCounterSeesOtherConnectionsCommits) {
  std::unique_ptr<SqliteStore> server = openStore();  // e.g. tandemd
  std::unique_ptr<SqliteStore> admin = openStore();   // e.g. tandemctl
  EXPECT_EQ(*server->changeCounter(), 0u);
  EXPECT_EQ(*server->changeCounter(), 0u);  // cached: nothing committed elsewhere
  ASSERT_TRUE(admin->applyPool(briefPool()).ok());
  EXPECT_EQ(*server->changeCounter(), 1u);
  ASSERT_TRUE(admin->addHost(AuthorizedHost{"10.0.0.9", false, true, true, 0}).ok());
  ASSERT_TRUE(server->addDomain("example.org").ok());  // its own write
  EXPECT_EQ(*server->changeCounter(), 3u);
  EXPECT_EQ(*admin->changeCounter(), 3u);
  StoreResult<PoolSnapshot> snapshot = server->loadPool();
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(snapshot->version, 3u);
  EXPECT_EQ(snapshot->settings.authorized_hosts.size(), 2u);
}

TEST_F(SqliteStoreTest, ReadersDoNotBlockAWriterAndWritersWait) {
  std::unique_ptr<SqliteStore> writer = openStore();
  // A reader in the middle of a read transaction (WAL: the writer goes on).
  Result<sqlite::Database, std::string> reader = sqlite::Database::open(file());
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(reader->exec("BEGIN; SELECT count(*) FROM domains;").ok());
  EXPECT_TRUE(writer->addDomain("example.com").ok());
  ASSERT_TRUE(reader->exec("COMMIT").ok());
}

TEST_F(SqliteStoreTest, SnapshotFindsUsers) {
  std::unique_ptr<SqliteStore> store = openStore();
  PoolSettings pool = briefPool();
  pool.domains.push_back("example.org");
  pool.users.push_back(UserEntry{"sip:Alice@example.org", "x", false, 0});
  apply(*store, pool);
  StoreResult<PoolSnapshot> snapshot = store->loadPool();
  ASSERT_TRUE(snapshot.ok());
  const UserRecord* alice = snapshot->findUser("alice", "EXAMPLE.com");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->uri, "sip:alice@example.com");
  EXPECT_EQ(snapshot->findUser("ALICE", "example.com"), nullptr);  // user parts are case-sensitive
  EXPECT_EQ(snapshot->findUser("alice", "example.org"), nullptr);
  const UserRecord* other = snapshot->findUser("Alice", "example.org");
  ASSERT_NE(other, nullptr);
  EXPECT_FALSE(other->enabled);
  EXPECT_EQ(snapshot->findUser("alice", "example.net"), nullptr);
  EXPECT_TRUE(snapshot->isLocalDomain("Example.ORG"));
  EXPECT_FALSE(snapshot->isLocalDomain("example.net"));
  // The settings list users for export; a disabled one says so.
  ASSERT_EQ(snapshot->settings.users.size(), 3u);
  EXPECT_EQ(snapshot->settings.users[2].uri, "sip:Alice@example.org");
  EXPECT_EQ(snapshot->settings.users[2].enabled, std::optional<bool>(false));
  EXPECT_TRUE(snapshot->settings.users[2].password.empty());
  EXPECT_EQ(store->findUser("bob", "Example.Com")->value().uri, "sip:bob@example.com");
}

TEST(UserDirectoryTest, HoldsTensOfThousandsOfUsers) {
  std::vector<UserRecord> users;
  for (int i = 0; i < 50000; ++i) {
    const std::string domain = i % 2 == 0 ? "example.com" : "example.org";
    users.push_back(UserRecord{"", "user" + std::to_string(i), domain, true, "", ""});
  }
  const UserDirectory directory(std::move(users));
  EXPECT_EQ(directory.size(), 50000u);
  ASSERT_NE(directory.find("user49999", "example.org"), nullptr);
  EXPECT_EQ(directory.find("user49999", "example.com"), nullptr);
  EXPECT_NE(directory.find("user0", "EXAMPLE.COM"), nullptr);
}

}  // namespace
}  // namespace tandem::store
