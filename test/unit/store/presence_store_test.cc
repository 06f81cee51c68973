// Presence in the SQLite store: rules (pool settings: change counter, pool
// snapshot, pool apply), pending watchers, publications and subscriptions
// (user state: group-committed whole or not at all, read back after
// reopening, purged when expired, gone with their user), and the migration
// of a version 3 database.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "store/sqlite.h"
#include "store/sqlite_store.h"

namespace tandem::store {
namespace {

namespace fs = std::filesystem;
using Kind = PresenceChange::Kind;
using Lines = std::vector<std::string>;

Publication publication(std::string presentity, std::string etag, int64_t expires_at) {
  return Publication{std::move(presentity), std::move(etag), expires_at, "application/pidf+xml",
                     "<?xml version=\"1.0\"?>\n<presence entity=\"pres:bob@example.com\"/>"};
}

Subscription subscription(std::string call_id, std::string presentity, int64_t expires_at) {
  Subscription s;
  s.call_id = std::move(call_id);
  s.local_tag = "t1";
  s.id = s.call_id + "\n" + s.local_tag;
  s.presentity = std::move(presentity);
  s.watcher = "sip:alice@example.org";
  s.event = "presence";
  s.remote_tag = "r1";
  s.remote_target = "sip:alice@192.0.2.7:5070;transport=tcp";
  s.route_set = {"<sip:127.0.0.2;lr>", "<sip:edge.example.org;lr;x=\"a,b\">"};
  s.local_cseq = 4;
  s.remote_cseq = 2;
  s.expires_at = expires_at;
  s.state = "active";
  s.accept = "application/pidf+xml";
  s.version = 3;
  return s;
}

PresenceChange put(Publication p) { return PresenceChange{Kind::PutPublication, std::move(p), {}, {}}; }
PresenceChange put(Subscription s) { return PresenceChange{Kind::PutSubscription, {}, std::move(s), {}}; }
PresenceChange put(PendingWatcher w) { return PresenceChange{Kind::PutPending, {}, {}, std::move(w)}; }

class PresenceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tandem-presence-XXXXXX").string();
    folder_ = ::mkdtemp(pattern.data());
    store_ = open();
    ASSERT_TRUE(store_->addDomain("example.com").ok());
    ASSERT_TRUE(store_->addUser("sip:alice@example.com", "a").ok());
    ASSERT_TRUE(store_->addUser("sip:bob@example.com", "b").ok());
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(folder_, ec);
  }
  fs::path file() const { return folder_ / "tandem.db"; }
  std::unique_ptr<SqliteStore> open() {
    auto store = SqliteStore::open(file());
    EXPECT_TRUE(store.ok()) << store.error();
    return store ? std::move(*store) : nullptr;
  }
  Lines set(const PresenceRule& rule) {
    StoreResult<ChangeSummary> summary = store_->setPresenceRule(rule);
    EXPECT_TRUE(summary.ok()) << summary.error();
    return summary ? summary->changes : Lines{"<error>"};
  }
  PresenceLoad load(int64_t now) {
    StoreResult<PresenceLoad> loaded = store_->loadPresence(now);
    EXPECT_TRUE(loaded.ok()) << loaded.error();
    return loaded ? std::move(*loaded) : PresenceLoad{};
  }
  uint64_t counter() { return *store_->changeCounter(); }

  fs::path folder_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(PresenceStoreTest, StateIsReadBackAfterReopening) {
  const Subscription s = subscription("c1@192.0.2.7", "sip:bob@example.com", 2000);
  const PendingWatcher waiting{"sip:bob@example.com", "sip:carol@example.org", 900};
  ASSERT_TRUE(store_
                  ->writePresence({put(publication("sip:bob@example.com", "e2", 2000)),
                                   put(publication("sip:bob@example.com", "e1", 2500)),
                                   put(publication("sip:alice@example.com", "e9", 2000)), put(s), put(waiting)})
                  .ok());
  const uint64_t before = counter();
  store_ = open();
  const PresenceLoad loaded = load(1000);
  ASSERT_EQ(loaded.publications.size(), 3u);
  EXPECT_EQ(loaded.publications[0], publication("sip:alice@example.com", "e9", 2000));
  EXPECT_EQ(loaded.publications[1], publication("sip:bob@example.com", "e1", 2500));
  EXPECT_EQ(loaded.publications[2].etag, "e2");
  EXPECT_EQ(loaded.subscriptions, std::vector<Subscription>{s});
  EXPECT_EQ(loaded.pending, std::vector<PendingWatcher>{waiting});
  EXPECT_EQ(counter(), before);  // user state does not move the pool's counter
  auto bobs = store_->listPublications("sip:bob@EXAMPLE.com", 1000);
  ASSERT_TRUE(bobs.ok()) << bobs.error();
  ASSERT_EQ(bobs->size(), 2u);
  EXPECT_EQ((*bobs)[0].etag, "e1");
}

TEST_F(PresenceStoreTest, RouteSetsKeepEveryByte) {
  Subscription s = subscription("c1", "sip:bob@example.com", 2000);
  s.route_set = {"", "a\\b", "line\nbreak", "\\n", "last\\"};
  Subscription none = subscription("c2", "sip:bob@example.com", 2000);
  none.route_set.clear();
  ASSERT_TRUE(store_->writePresence({put(s), put(none)}).ok());
  const PresenceLoad loaded = load(1000);
  ASSERT_EQ(loaded.subscriptions.size(), 2u);
  EXPECT_EQ(loaded.subscriptions[0].route_set, s.route_set);
  EXPECT_TRUE(loaded.subscriptions[1].route_set.empty());
}

TEST_F(PresenceStoreTest, PutReplacesAndDeleteRemoves) {
  Subscription s = subscription("c1", "sip:bob@example.com", 2000);
  ASSERT_TRUE(store_->writePresence({put(s), put(publication("sip:bob@example.com", "e1", 2000))}).ok());
  s.local_cseq = 9;
  s.state = "terminated";
  s.route_set.pop_back();
  Publication refreshed = publication("sip:bob@example.com", "e1", 3000);
  refreshed.body = "<presence/>";
  ASSERT_TRUE(store_->writePresence({put(s), put(refreshed)}).ok());
  PresenceLoad loaded = load(1000);
  EXPECT_EQ(loaded.subscriptions, std::vector<Subscription>{s});
  EXPECT_EQ(loaded.publications, std::vector<Publication>{refreshed});

  PresenceChange drop_subscription{Kind::DeleteSubscription, {}, {}, {}};
  drop_subscription.subscription.id = s.id;
  PresenceChange drop_publication{Kind::DeletePublication, {}, {}, {}};
  drop_publication.publication = Publication{"sip:bob@example.com", "e1", 0, "", ""};
  PresenceChange drop_missing{Kind::DeletePending, {}, {}, PendingWatcher{"sip:bob@example.com", "sip:x@y.org", 0}};
  ASSERT_TRUE(store_->writePresence({drop_subscription, drop_publication, drop_missing}).ok());
  loaded = load(1000);
  EXPECT_TRUE(loaded.subscriptions.empty());
  EXPECT_TRUE(loaded.publications.empty());

  ASSERT_TRUE(store_->writePresence({put(PendingWatcher{"sip:bob@example.com", "sip:x@y.org", 5})}).ok());
  ASSERT_TRUE(store_->writePresence({put(PendingWatcher{"sip:bob@example.com", "sip:x@y.org", 7})}).ok());
  EXPECT_EQ(load(0).pending, (std::vector<PendingWatcher>{{"sip:bob@example.com", "sip:x@y.org", 7}}));
  drop_missing.pending.since = 0;
  ASSERT_TRUE(store_->writePresence({drop_missing}).ok());
  EXPECT_TRUE(load(0).pending.empty());
}

TEST_F(PresenceStoreTest, AGroupWriteIsOneTransaction) {
  // The third change names a user who is not homed here: nothing is written.
  StoreStatus written = store_->writePresence({put(publication("sip:bob@example.com", "e1", 2000)),
                                               put(subscription("c1", "sip:alice@example.com", 2000)),
                                               put(publication("sip:mallory@example.com", "e2", 2000))});
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.error().find("publication of sip:mallory@example.com not written"), std::string::npos)
      << written.error();
  PresenceLoad loaded = load(0);
  EXPECT_TRUE(loaded.publications.empty());
  EXPECT_TRUE(loaded.subscriptions.empty());

  // A URI that is not a user's: refused the same way.
  written = store_->writePresence(
      {put(PendingWatcher{"sip:bob@example.com", "sip:x@y.org", 1}), put(subscription("c2", "tel:+15551234", 2000))});
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.error().find("subscription to tel:+15551234: "), std::string::npos) << written.error();
  // A state the schema does not know.
  Subscription odd = subscription("c3", "sip:bob@example.com", 2000);
  odd.state = "sleeping";
  written = store_->writePresence({put(PendingWatcher{"sip:bob@example.com", "sip:x@y.org", 1}), put(odd)});
  ASSERT_FALSE(written.ok());
  EXPECT_NE(written.error().find("CHECK constraint failed"), std::string::npos) << written.error();
  EXPECT_TRUE(load(0).pending.empty());
  EXPECT_TRUE(store_->writePresence({}).ok());
}

TEST_F(PresenceStoreTest, ExpiredStateIsNotLoadedAndIsPurged) {
  ASSERT_TRUE(store_
                  ->writePresence({put(publication("sip:bob@example.com", "old", 1500)),
                                   put(publication("sip:bob@example.com", "new", 3000)),
                                   put(subscription("c1", "sip:bob@example.com", 2000)),
                                   put(subscription("c2", "sip:bob@example.com", 2001)),
                                   put(PendingWatcher{"sip:bob@example.com", "sip:x@y.org", 1})})
                  .ok());
  PresenceLoad loaded = load(2000);
  ASSERT_EQ(loaded.publications.size(), 1u);
  EXPECT_EQ(loaded.publications[0].etag, "new");
  ASSERT_EQ(loaded.subscriptions.size(), 1u);
  EXPECT_EQ(loaded.subscriptions[0].call_id, "c2");
  EXPECT_EQ(store_->listPublications("sip:bob@example.com", 2000)->size(), 1u);

  auto purged = store_->purgeExpiredPresence(2000);
  ASSERT_TRUE(purged.ok()) << purged.error();
  EXPECT_EQ(*purged, 2u);
  loaded = load(0);
  EXPECT_EQ(loaded.publications.size(), 1u);
  EXPECT_EQ(loaded.subscriptions.size(), 1u);
  EXPECT_EQ(loaded.pending.size(), 1u);  // pending watchers wait for their owner
  EXPECT_EQ(*store_->purgeExpiredPresence(2000), 0u);
}

TEST_F(PresenceStoreTest, RemovingAUserRemovesItsPresence) {
  ASSERT_TRUE(store_
                  ->writePresence({put(publication("sip:bob@example.com", "e1", 2000)),
                                   put(subscription("c1", "sip:bob@example.com", 2000)),
                                   put(subscription("c2", "sip:alice@example.com", 2000)),
                                   put(PendingWatcher{"sip:bob@example.com", "sip:x@y.org", 1})})
                  .ok());
  set({"sip:bob@example.com", "example.org", WatcherDecision::Allow});
  set({"sip:alice@example.com", "sip:bob@example.com", WatcherDecision::Allow});
  ASSERT_TRUE(store_->removeUser("sip:bob@example.com").ok());
  const PresenceLoad loaded = load(0);
  EXPECT_TRUE(loaded.publications.empty());
  ASSERT_EQ(loaded.subscriptions.size(), 1u);
  EXPECT_EQ(loaded.subscriptions[0].presentity, "sip:alice@example.com");
  EXPECT_TRUE(loaded.pending.empty());
  // Bob's rules went with him; a rule naming him as a watcher is alice's.
  EXPECT_EQ(*store_->listPresenceRules(""),
            (std::vector<PresenceRule>{{"sip:alice@example.com", "sip:bob@example.com", WatcherDecision::Allow}}));
}

TEST_F(PresenceStoreTest, RulesAreSetReplacedAndRemovedAsPoolSettings) {
  const uint64_t start = counter();
  EXPECT_EQ(set({"sip:bob@EXAMPLE.com", "sip:alice@Example.ORG", WatcherDecision::Allow}),
            Lines{"presence rule added: sip:bob@example.com allow sip:alice@example.org"});
  EXPECT_EQ(counter(), start + 1);
  EXPECT_EQ(set({"sip:bob@example.com", "sip:alice@example.org", WatcherDecision::Allow}), Lines{});
  EXPECT_EQ(counter(), start + 1);  // no change, no bump
  EXPECT_EQ(set({"sip:bob@example.com", "sip:alice@example.org", WatcherDecision::BlockReject}),
            Lines{"presence rule changed: sip:bob@example.com reject sip:alice@example.org (was allow)"});
  EXPECT_EQ(set({"sip:bob@example.com", "example.net", WatcherDecision::BlockPolite}),
            Lines{"presence rule added: sip:bob@example.com block example.net"});
  EXPECT_EQ(set({"sip:alice@example.com", "example.net", WatcherDecision::Allow}),
            Lines{"presence rule added: sip:alice@example.com allow example.net"});
  EXPECT_EQ(counter(), start + 4);

  const std::vector<PresenceRule> all = {
      {"sip:alice@example.com", "example.net", WatcherDecision::Allow},
      {"sip:bob@example.com", "example.net", WatcherDecision::BlockPolite},
      {"sip:bob@example.com", "sip:alice@example.org", WatcherDecision::BlockReject},
  };
  EXPECT_EQ(*store_->listPresenceRules(""), all);
  EXPECT_EQ(*store_->listPresenceRules("sip:bob@example.com"), (std::vector<PresenceRule>{all[1], all[2]}));
  EXPECT_TRUE(store_->listPresenceRules("sip:carol@example.com")->empty());
  EXPECT_FALSE(store_->listPresenceRules("bob").ok());
  // Rules are pool settings: a running tandemd gets them with the snapshot.
  StoreResult<PoolSnapshot> snapshot = store_->loadPool();
  ASSERT_TRUE(snapshot.ok());
  EXPECT_EQ(snapshot->settings.presence_rules, all);
  EXPECT_EQ(snapshot->version, start + 4);

  StoreResult<ChangeSummary> removed = store_->removePresenceRule("sip:bob@example.com", "Example.NET");
  ASSERT_TRUE(removed.ok()) << removed.error();
  EXPECT_EQ(removed->changes, Lines{"presence rule removed: sip:bob@example.com block example.net"});
  EXPECT_EQ(counter(), start + 5);
  removed = store_->removePresenceRule("sip:bob@example.com", "example.net");
  ASSERT_FALSE(removed.ok());
  EXPECT_EQ(removed.error(), "no presence rule of sip:bob@example.com for example.net");
  EXPECT_EQ(counter(), start + 5);
}

TEST_F(PresenceStoreTest, RefusedRulesChangeNothing) {
  const uint64_t start = counter();
  StoreResult<ChangeSummary> refused =
      store_->setPresenceRule({"sip:carol@example.com", "example.org", WatcherDecision::Allow});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), "no user sip:carol@example.com (presence rules belong to users homed here)");
  refused = store_->setPresenceRule({"sip:bob@example.com", "sip:bob@example.com", WatcherDecision::BlockPolite});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(),
            "presence rule watcher: sip:bob@example.com is the owner (a user always sees their own presence)");
  refused = store_->setPresenceRule({"bob", "example.org", WatcherDecision::Allow});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), "presence rule owner: 'bob' is not a user's SIP URI (sip:user@domain)");
  refused = store_->setPresenceRule({"sip:bob@example.com", "exa mple.org", WatcherDecision::Allow});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().rfind("presence rule watcher: 'exa mple.org' is not a domain name", 0), 0u)
      << refused.error();
  EXPECT_EQ(counter(), start);
  EXPECT_TRUE(store_->listPresenceRules("")->empty());
}

TEST_F(PresenceStoreTest, ARuleDecidesThePendingWatchersItCovers) {
  ASSERT_TRUE(store_
                  ->writePresence({put(PendingWatcher{"sip:bob@example.com", "sip:carol@example.org", 1}),
                                   put(PendingWatcher{"sip:bob@example.com", "sip:dave@EXAMPLE.org", 2}),
                                   put(PendingWatcher{"sip:bob@example.com", "sip:erin@example.net", 3}),
                                   put(PendingWatcher{"sip:alice@example.com", "sip:carol@example.org", 4})})
                  .ok());
  set({"sip:bob@example.com", "sip:carol@example.org", WatcherDecision::Allow});
  EXPECT_EQ(store_->listPendingWatchers("sip:bob@example.com")->size(), 2u);
  set({"sip:bob@example.com", "example.org", WatcherDecision::BlockPolite});
  EXPECT_EQ(*store_->listPendingWatchers("sip:bob@example.com"),
            (std::vector<PendingWatcher>{{"sip:bob@example.com", "sip:erin@example.net", 3}}));
  // Alice's watcher waits for alice.
  EXPECT_EQ(*store_->listPendingWatchers("sip:alice@example.com"),
            (std::vector<PendingWatcher>{{"sip:alice@example.com", "sip:carol@example.org", 4}}));
  EXPECT_EQ(store_->listPendingWatchers("")->size(), 2u);
  EXPECT_FALSE(store_->listPendingWatchers("sip:bob").ok());
}

TEST_F(PresenceStoreTest, PoolApplyCarriesTheRules) {
  config::PoolSettings pool;
  pool.domains = {"example.com"};
  pool.users = {config::UserEntry{"sip:carol@example.com", "c", std::nullopt, 0}};
  pool.presence_rules = {
      {"sip:bob@example.com", "example.org", WatcherDecision::Allow},
      {"sip:carol@example.com", "sip:bob@example.com", WatcherDecision::BlockReject},  // carol is new in the file
  };
  ASSERT_TRUE(store_->writePresence({put(PendingWatcher{"sip:bob@example.com", "sip:x@example.org", 1})}).ok());
  StoreResult<ChangeSummary> applied = store_->applyPool(pool);
  ASSERT_TRUE(applied.ok()) << applied.error();
  EXPECT_EQ(applied->changes,
            (Lines{"user added: sip:carol@example.com", "presence rule added: sip:bob@example.com allow example.org",
                   "presence rule added: sip:carol@example.com reject sip:bob@example.com"}));
  EXPECT_TRUE(store_->listPendingWatchers("")->empty());  // decided by the new rule
  EXPECT_TRUE(store_->applyPool(pool)->changes.empty());

  // The export applies as no change (rules come back sorted).
  StoreResult<PoolSnapshot> snapshot = store_->loadPool();
  ASSERT_TRUE(snapshot.ok());
  EXPECT_TRUE(store_->applyPool(snapshot->settings)->changes.empty());

  pool.presence_rules = {
      {"sip:bob@example.com", "example.org", WatcherDecision::BlockPolite},
      {"sip:alice@example.com", "example.org", WatcherDecision::Allow},
  };
  applied = store_->applyPool(pool);
  ASSERT_TRUE(applied.ok()) << applied.error();
  EXPECT_EQ(applied->changes, (Lines{"presence rule changed: sip:bob@example.com block example.org (was allow)",
                                     "presence rule added: sip:alice@example.com allow example.org",
                                     "presence rule removed: sip:carol@example.com reject sip:bob@example.com"}));

  // An owner who is neither stored nor listed: refused, nothing changes.
  const uint64_t before = counter();
  pool.presence_rules.push_back({"sip:zoe@example.com", "example.org", WatcherDecision::Allow});
  applied = store_->applyPool(pool);
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error(),
            "presence_rules[3]: owner: sip:zoe@example.com is not a user homed here (list it in [[users]] or add it "
            "first: tandemctl user add)");
  EXPECT_EQ(counter(), before);

  // A file without rules removes them all.
  pool.presence_rules.clear();
  EXPECT_EQ(store_->applyPool(pool)->changes.size(), 2u);
  EXPECT_TRUE(store_->listPresenceRules("")->empty());
}

TEST_F(PresenceStoreTest, MigratesAVersion3Database) {
  store_.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    fs::remove(file().string() + suffix);
  }
  // A database as a version 3 tandemd left it (this build's statements need
  // version 4, so it is written with SQL).
  {
    Result<sqlite::Database, std::string> db = sqlite::Database::open(file());
    ASSERT_TRUE(db.ok()) << db.error();
    std::string sql = "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT '');";
    for (size_t i = 0; i < 3; ++i) {
      sql += std::string(sqlite::migrations()[i]) + "INSERT INTO schema_version (version) VALUES (" +
             std::to_string(i + 1) + ");";
    }
    sql +=
        "INSERT INTO domains (name) VALUES ('example.com');"
        "INSERT INTO users (user_part, domain, enabled, ha1_md5, ha1_sha256) VALUES ('bob', 'example.com', 1, 'x', "
        "'y');"
        "INSERT INTO bindings VALUES ('bob', 'example.com', 'sip:bob@192.0.2.1', 1000, 2000, 'c', 1, '', '', '');"
        "INSERT INTO routes (position, user_part, domain, phone_uri, next_hop, transport, port, replace_host, srv) "
        "VALUES (1, '*', 'example.com', 0, 'peer.example.com', 'tcp', 5060, 0, 1);";
    Status<std::string> done = db->exec(sql);
    ASSERT_TRUE(done.ok()) << done.error();
  }
  store_ = open();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(store_->schemaVersion(), 4);
  EXPECT_EQ(store_->loadBindings(1000)->size(), 1u);  // kept
  EXPECT_EQ(store_->loadPool()->users.size(), 1u);
  EXPECT_EQ(store_->listRoutes()->size(), 1u);
  set({"sip:bob@example.com", "example.org", WatcherDecision::Allow});
  ASSERT_TRUE(store_->writePresence({put(publication("sip:bob@example.com", "e1", 2000))}).ok());
  EXPECT_EQ(load(1000).publications.size(), 1u);
}

}  // namespace
}  // namespace tandem::store
