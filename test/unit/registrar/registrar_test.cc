// The registrar's rules (RFC 3261 §10.3) without a network: parsing a
// REGISTER, applying it to bindings, the location table, and the store
// thread's group commit against a real SQLite file.

#include "registrar/registrar.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <future>

#include "registrar/local_service.h"
#include "sip/message.h"
#include "store/sqlite_store.h"

namespace tandem::registrar {
namespace {

namespace fs = std::filesystem;

sip::Message parse(std::string text) {
  auto message = sip::Message::parse(text, sip::Framing::Datagram);
  EXPECT_TRUE(message.ok());
  return std::move(*message);
}

std::string registerText(const std::string& contacts, const std::string& extra = {}) {
  return "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1\r\nMax-Forwards: 70\r\n"
         "From: <sip:alice@example.com>;tag=1\r\nTo: <sip:alice@Example.COM>\r\nCall-ID: c1\r\nCSeq: 7 REGISTER\r\n" +
         contacts + extra + "Content-Length: 0\r\n\r\n";
}

TEST(ParseRegister, ResolvesEachContactsExpiryAndQ) {
  RegistrarSettings settings;
  auto request = parseRegister(
      parse(registerText("Contact: <sip:a@192.0.2.1>;expires=120;q=0.5, <sip:a@192.0.2.2>\r\n", "Expires: 300\r\n")),
      settings, 1000);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->user, "alice");
  EXPECT_EQ(request->domain, "example.com");
  EXPECT_EQ(request->cseq, 7u);
  ASSERT_EQ(request->contacts.size(), 2u);
  EXPECT_EQ(request->contacts[0].expires, 120u);
  EXPECT_EQ(request->contacts[0].q, 500);
  EXPECT_EQ(request->contacts[1].expires, 300u);
  EXPECT_EQ(request->contacts[1].q, 1000);
}

TEST(ParseRegister, DefaultAndMaximumExpiry) {
  RegistrarSettings settings;
  auto request = parseRegister(parse(registerText("Contact: <sip:a@192.0.2.1>, <sip:a@192.0.2.2>;expires=999999\r\n")),
                               settings, 0);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->contacts[0].expires, settings.default_expires);
  EXPECT_EQ(request->contacts[1].expires, settings.max_expires);
}

TEST(ParseRegister, TooBriefIs423WithMinExpires) {
  auto request = parseRegister(parse(registerText("Contact: <sip:a@192.0.2.1>;expires=5\r\n")), {}, 0);
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.error().status, 423);
  ASSERT_EQ(request.error().headers.size(), 1u);
  EXPECT_EQ(request.error().headers[0].first, "Min-Expires");
  EXPECT_EQ(request.error().headers[0].second, "60");
}

TEST(ParseRegister, WildcardOnlyAloneWithExpiresZero) {
  EXPECT_TRUE(parseRegister(parse(registerText("Contact: *\r\n", "Expires: 0\r\n")), {}, 0).ok());
  EXPECT_EQ(parseRegister(parse(registerText("Contact: *\r\n")), {}, 0).error().status, 400);
  EXPECT_EQ(
      parseRegister(parse(registerText("Contact: *, <sip:a@192.0.2.1>\r\n", "Expires: 0\r\n")), {}, 0).error().status,
      400);
}

TEST(ParseRegister, PathIsKept) {
  auto request = parseRegister(parse(registerText("Contact: <sip:a@192.0.2.1>\r\n",
                                                  "Path: <sip:edge1.example.com;lr>\r\nPath: <sip:edge2;lr>\r\n")),
                               {}, 0);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->path, "<sip:edge1.example.com;lr>, <sip:edge2;lr>");
}

RegisterRequest request(std::vector<ContactUpdate> contacts, uint32_t cseq, std::string call_id = "c1") {
  RegisterRequest r;
  r.user = "alice";
  r.domain = "example.com";
  r.call_id = std::move(call_id);
  r.cseq = cseq;
  r.contacts = std::move(contacts);
  r.now = 1000;
  return r;
}

TEST(ApplyRegister, AddRefreshRemove) {
  std::vector<store::Binding> bindings;
  std::vector<store::BindingChange> changes;
  RegistrarSettings settings;
  EXPECT_EQ(
      applyRegister(request({{"sip:a@1", 600, 1000}, {"sip:a@2", 600, 500}}, 1), bindings, changes, settings).status,
      200);
  EXPECT_EQ(bindings.size(), 2u);
  EXPECT_EQ(changes.size(), 2u);
  EXPECT_EQ(applyRegister(request({{"sip:a@1", 60, 1000}}, 2), bindings, changes, settings).status, 200);
  EXPECT_EQ(bindings[0].expires_at, 1060);
  auto removed = applyRegister(request({{"sip:a@2", 0, 1000}}, 3), bindings, changes, settings);
  EXPECT_EQ(removed.status, 200);
  ASSERT_EQ(removed.bindings.size(), 1u);
  EXPECT_EQ(removed.bindings[0].contact, "sip:a@1");
  EXPECT_EQ(changes.back().kind, store::BindingChange::Kind::Delete);
}

TEST(ApplyRegister, OutOfOrderCSeqOnTheSameCallIdIsRefusedAndChangesNothing) {
  std::vector<store::Binding> bindings;
  std::vector<store::BindingChange> changes;
  ASSERT_EQ(applyRegister(request({{"sip:a@1", 600, 1000}}, 5), bindings, changes, {}).status, 200);
  changes.clear();
  EXPECT_EQ(applyRegister(request({{"sip:a@1", 0, 1000}}, 5), bindings, changes, {}).status, 400);
  EXPECT_EQ(applyRegister(request({{"sip:a@1", 0, 1000}}, 4), bindings, changes, {}).status, 400);
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(bindings.size(), 1u);
  // Another Call-ID (another device or a restarted one) may update it.
  EXPECT_EQ(applyRegister(request({{"sip:a@1", 0, 1000}}, 1, "c2"), bindings, changes, {}).status, 200);
  EXPECT_TRUE(bindings.empty());
}

TEST(ApplyRegister, WildcardRemovesEveryBinding) {
  std::vector<store::Binding> bindings;
  std::vector<store::BindingChange> changes;
  ASSERT_EQ(applyRegister(request({{"sip:a@1", 600, 1000}, {"sip:a@2", 600, 1000}}, 1), bindings, changes, {}).status,
            200);
  RegisterRequest all = request({}, 2);
  all.wildcard = true;
  EXPECT_EQ(applyRegister(all, bindings, changes, {}).status, 200);
  EXPECT_TRUE(bindings.empty());
}

TEST(ApplyRegister, MaxContactsPerUser) {
  RegistrarSettings settings;
  settings.max_contacts = 2;
  std::vector<store::Binding> bindings;
  std::vector<store::BindingChange> changes;
  ASSERT_EQ(
      applyRegister(request({{"sip:a@1", 600, 1000}, {"sip:a@2", 600, 1000}}, 1), bindings, changes, settings).status,
      200);
  EXPECT_EQ(applyRegister(request({{"sip:a@3", 600, 1000}}, 2), bindings, changes, settings).status, 403);
  EXPECT_EQ(bindings.size(), 2u);
}

TEST(LocationTable, LookupSkipsExpiredAndSortsByQ) {
  LocationTable table;
  store::Binding low{"alice", "example.com", "sip:a@1", 100, 2000, "c", 1, "", "", ""};
  store::Binding high{"alice", "example.com", "sip:a@2", 900, 2000, "c", 1, "", "", ""};
  store::Binding old{"alice", "example.com", "sip:a@3", 1000, 500, "c", 1, "", "", ""};
  table.replace("alice", "example.com", {low, high, old});
  auto found = table.lookup("alice", "EXAMPLE.com", 1000);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].contact, "sip:a@2");
  EXPECT_TRUE(table.lookup("Alice", "example.com", 1000).empty());  // user parts are case-sensitive
  EXPECT_EQ(table.purge(1000), 1u);
  EXPECT_EQ(table.bindings(), 2u);
  table.replace("alice", "example.com", {});
  EXPECT_EQ(table.users(), 0u);
}

class RegistrarThreadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tandem-registrar-XXXXXX").string();
    folder_ = ::mkdtemp(pattern.data());
    auto store = store::SqliteStore::open(folder_ / "tandem.db");
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->addDomain("example.com").ok());
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE((*store)->addUser("sip:u" + std::to_string(i) + "@example.com", "pw").ok());
    }
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(folder_, ec);
  }
  std::unique_ptr<Registrar> start(LocationTable& table) {
    auto store = store::SqliteStore::open(folder_ / "tandem.db");
    EXPECT_TRUE(store.ok());
    auto registrar = Registrar::start(std::move(*store), table, {});
    EXPECT_TRUE(registrar.ok());
    return std::move(*registrar);
  }
  fs::path folder_;
};

TEST_F(RegistrarThreadTest, ConcurrentRegistersAreBatchedDurableAndPublished) {
  LocationTable table;
  auto registrar = start(table);
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::atomic<int> ok{0};
  std::vector<std::promise<void>> done(50);
  for (int i = 0; i < 50; ++i) {
    RegisterRequest r;
    r.user = "u" + std::to_string(i);
    r.domain = "example.com";
    r.call_id = "c";
    r.cseq = 1;
    r.contacts = {{"sip:u@192.0.2." + std::to_string(i), 600, 1000}};
    r.now = now;
    ASSERT_TRUE(registrar->submit(std::move(r), [&, i](RegisterOutcome outcome) {
      if (outcome.status == 200 && outcome.bindings.size() == 1) {
        ++ok;
      }
      done[static_cast<size_t>(i)].set_value();
    }));
  }
  for (auto& d : done) {
    d.get_future().wait();
  }
  EXPECT_EQ(ok.load(), 50);
  EXPECT_EQ(table.users(), 50u);
  EXPECT_LT(registrar->stats().batches, 50u);  // group commit: fewer transactions than REGISTERs
  registrar.reset();
  // A new registrar (a restart) finds them in the store.
  LocationTable reloaded;
  auto again = start(reloaded);
  EXPECT_EQ(reloaded.users(), 50u);
}

TEST_F(RegistrarThreadTest, ABindingOfAUserRemovedMeanwhileFailsAloneNotTheBatch) {
  LocationTable table;
  auto registrar = start(table);
  std::promise<uint16_t> good;
  std::promise<uint16_t> bad;
  RegisterRequest a;
  a.user = "u1";
  a.domain = "example.com";
  a.call_id = "c";
  a.cseq = 1;
  a.contacts = {{"sip:u@192.0.2.1", 600, 1000}};
  a.now = 4102444800;  // far from expiry
  RegisterRequest b = a;
  b.user = "nobody";
  registrar->submit(b, [&](const RegisterOutcome& o) { bad.set_value(o.status); });
  registrar->submit(a, [&](const RegisterOutcome& o) { good.set_value(o.status); });
  EXPECT_EQ(good.get_future().get(), 200);
  EXPECT_EQ(bad.get_future().get(), 500);
  EXPECT_EQ(table.users(), 1u);
}

}  // namespace
}  // namespace tandem::registrar
