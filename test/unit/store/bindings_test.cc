// Registrations in the SQLite store: written whole or not at all, read back
// after reopening, purged when expired, gone with their user.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "store/sqlite_store.h"

namespace tandem::store {
namespace {

namespace fs = std::filesystem;

class BindingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tandem-bindings-XXXXXX").string();
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
  std::unique_ptr<SqliteStore> open() {
    auto store = SqliteStore::open(folder_ / "tandem.db");
    EXPECT_TRUE(store.ok()) << store.error();
    return std::move(*store);
  }
  static Binding binding(std::string user, std::string contact, int64_t expires_at) {
    Binding b;
    b.user = std::move(user);
    b.domain = "example.com";
    b.contact = std::move(contact);
    b.expires_at = expires_at;
    b.call_id = "c1";
    b.cseq = 1;
    b.q = 500;
    b.path = "<sip:edge.example.com;lr>";
    b.received = "udp:192.0.2.1:5060";
    b.user_agent = "test";
    return b;
  }
  static BindingChange upsert(Binding b) { return {BindingChange::Kind::Upsert, std::move(b)}; }

  fs::path folder_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(BindingsTest, WrittenBindingsAreReadBackAfterReopening) {
  ASSERT_TRUE(store_
                  ->writeBindings({upsert(binding("alice", "sip:alice@192.0.2.1", 2000)),
                                   upsert(binding("bob", "sip:bob@192.0.2.2", 2000))})
                  .ok());
  store_ = open();
  auto loaded = store_->loadBindings(1000);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ((*loaded)[0], binding("alice", "sip:alice@192.0.2.1", 2000));
}

TEST_F(BindingsTest, UpsertReplacesAndDeleteRemoves) {
  ASSERT_TRUE(store_->writeBindings({upsert(binding("alice", "sip:alice@192.0.2.1", 2000))}).ok());
  Binding refreshed = binding("alice", "sip:alice@192.0.2.1", 5000);
  refreshed.cseq = 2;
  ASSERT_TRUE(store_->writeBindings({upsert(refreshed)}).ok());
  auto loaded = store_->loadBindings(1000);
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].expires_at, 5000);
  EXPECT_EQ((*loaded)[0].cseq, 2u);
  ASSERT_TRUE(store_->writeBindings({{BindingChange::Kind::Delete, refreshed}}).ok());
  EXPECT_TRUE(store_->loadBindings(1000)->empty());
}

TEST_F(BindingsTest, AWriteWithABindingOfAnUnknownUserChangesNothing) {
  auto written = store_->writeBindings(
      {upsert(binding("alice", "sip:alice@192.0.2.1", 2000)), upsert(binding("mallory", "sip:m@192.0.2.9", 2000))});
  EXPECT_FALSE(written.ok());
  EXPECT_NE(written.error().find("sip:mallory@example.com"), std::string::npos) << written.error();
  EXPECT_TRUE(store_->loadBindings(1000)->empty());  // alice's went too: one transaction
}

TEST_F(BindingsTest, ExpiredBindingsAreNotLoadedAndArePurged) {
  ASSERT_TRUE(store_
                  ->writeBindings({upsert(binding("alice", "sip:alice@192.0.2.1", 1500)),
                                   upsert(binding("alice", "sip:alice@192.0.2.3", 3000))})
                  .ok());
  EXPECT_EQ(store_->loadBindings(2000)->size(), 1u);
  auto purged = store_->purgeExpiredBindings(2000);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1u);
  EXPECT_EQ(store_->loadBindings(0)->size(), 1u);
}

TEST_F(BindingsTest, RemovingAUserRemovesItsBindings) {
  ASSERT_TRUE(store_->writeBindings({upsert(binding("alice", "sip:alice@192.0.2.1", 2000))}).ok());
  ASSERT_TRUE(store_->removeUser("sip:alice@example.com").ok());
  EXPECT_TRUE(store_->loadBindings(1000)->empty());
}

}  // namespace
}  // namespace tandem::store
