#include "dns/cache.h"

#include <gtest/gtest.h>

#include <string>

namespace tandem::dns::detail {
namespace {

using Clock = Cache::Clock;
using std::chrono::seconds;

Key key(const std::string& name) { return Key{name, 5060, Transport::Udp, true, false}; }

Resolution found(const std::string& address, seconds ttl) {
  Resolution resolution;
  resolution.addresses.push_back(Address{asio::ip::make_address(address), 5060, Transport::Udp});
  resolution.ttl = ttl;
  return resolution;
}

Resolution failed(seconds ttl) {
  Resolution resolution;
  resolution.error = "x.example.com: no such domain (NXDOMAIN)";
  resolution.ttl = ttl;
  return resolution;
}

class DnsCacheTest : public ::testing::Test {
 protected:
  Cache::Found find(const std::string& name, Cache::Callback done = {}) { return cache_.find(key(name), now_, done); }

  Cache cache_{Cache::Limits{seconds(30), seconds(5), 3, 4}};
  Clock::time_point now_ = Clock::now();
};

TEST_F(DnsCacheTest, MissesAreCoalescedAndEveryWaiterIsReturnedOnce) {
  int calls = 0;
  const Cache::Found first = find("a", [&] { ++calls; });
  EXPECT_EQ(first.answer, nullptr);
  EXPECT_TRUE(first.start);
  const Cache::Found second = find("a", [&] { ++calls; });
  EXPECT_EQ(second.answer, nullptr);
  EXPECT_FALSE(second.start);  // one resolution for both
  EXPECT_EQ(cache_.waiters(), 2u);

  auto waiters = cache_.complete(key("a"), found("192.0.2.1", seconds(10)), now_);
  ASSERT_EQ(waiters.size(), 2u);
  for (auto& waiter : waiters) {
    waiter();
  }
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(cache_.waiters(), 0u);
  const Cache::Found hit = find("a", [] { ADD_FAILURE() << "a hit keeps no callback"; });
  ASSERT_NE(hit.answer, nullptr);
  EXPECT_FALSE(hit.start);
  EXPECT_EQ(hit.answer->expires, now_ + seconds(10));
  EXPECT_TRUE(cache_.complete(key("a"), found("192.0.2.2", seconds(10)), now_).empty());  // not under way: ignored
  EXPECT_EQ(find("a").answer->addresses[0].address.to_string(), "192.0.2.1");
}

TEST_F(DnsCacheTest, StaleAnswersAreServedWithOneRefresh) {
  (void)find("a");
  (void)cache_.complete(key("a"), found("192.0.2.1", seconds(10)), now_);
  const AnswerPtr answer = find("a").answer;
  now_ += seconds(11);  // expired, within stale (30 s)
  const Cache::Found first = find("a", [] { ADD_FAILURE() << "a stale hit keeps no callback"; });
  EXPECT_EQ(first.answer, answer);
  EXPECT_TRUE(first.start);
  const Cache::Found second = find("a");
  EXPECT_EQ(second.answer, answer);
  EXPECT_FALSE(second.start);  // the refresh runs already

  // The refresh fails: the old answer stays, no refresh for negative_ttl (5 s).
  EXPECT_TRUE(cache_.complete(key("a"), failed(seconds(5)), now_).empty());
  EXPECT_EQ(find("a").answer, answer);
  EXPECT_FALSE(find("a").start);
  now_ += seconds(5);
  EXPECT_TRUE(find("a").start);
  (void)cache_.complete(key("a"), found("192.0.2.2", seconds(10)), now_);
  EXPECT_EQ(find("a").answer->addresses[0].address.to_string(), "192.0.2.2");
}

TEST_F(DnsCacheTest, PastTheStaleWindowItIsAMissAndAFailureReplacesTheAnswer) {
  (void)find("a");
  (void)cache_.complete(key("a"), found("192.0.2.1", seconds(10)), now_);
  now_ += seconds(40);  // expired 30 s ago: stale window over
  int calls = 0;
  const Cache::Found miss = find("a", [&] { ++calls; });
  EXPECT_EQ(miss.answer, nullptr);
  EXPECT_TRUE(miss.start);
  auto waiters = cache_.complete(key("a"), failed(seconds(5)), now_);
  ASSERT_EQ(waiters.size(), 1u);
  const AnswerPtr answer = find("a").answer;
  ASSERT_NE(answer, nullptr);
  EXPECT_FALSE(answer->error.empty());
  // A failure is never served stale.
  now_ += seconds(6);
  EXPECT_EQ(find("a").answer, nullptr);
}

TEST_F(DnsCacheTest, LeastRecentlyUsedIdleEntriesAreDropped) {
  for (const char* name : {"a", "b", "c"}) {
    (void)find(name);
    (void)cache_.complete(key(name), found("192.0.2.1", seconds(60)), now_);
  }
  (void)find("a");  // a is now more recent than b
  (void)find("d");  // under way: kept; b (least recent, idle) goes
  EXPECT_EQ(cache_.size(), 3u);
  EXPECT_NE(find("a").answer, nullptr);  // a, then c
  EXPECT_EQ(find("b").answer, nullptr);  // a miss again (now under way); c, least recent idle, goes
  EXPECT_EQ(cache_.size(), 3u);          // a; b and d under way
  EXPECT_NE(find("a").answer, nullptr);
  EXPECT_EQ(find("c").answer, nullptr);
  // Entries under way are never dropped, nor the last idle one.
  EXPECT_EQ(cache_.size(), 4u);
}

TEST_F(DnsCacheTest, WaitersAreBounded) {
  for (const char* name : {"a", "b", "c", "d"}) {
    EXPECT_FALSE(find(name, [] {}).busy);
  }
  const Cache::Found busy = find("e", [] { ADD_FAILURE() << "not kept"; });
  EXPECT_TRUE(busy.busy);
  EXPECT_FALSE(busy.start);
  EXPECT_EQ(cache_.waiters(), 4u);
}

TEST(DnsCacheKeyTest, IgnoredFieldsAreCleared) {
  Query query;
  query.port = 5070;
  query.transport = Transport::Tls;
  query.transport_given = false;
  EXPECT_EQ(keyOf(query, "a"), (Key{"a", 5070, Transport::Udp, true, false}));  // = ;transport=udp
  query.port = 0;
  EXPECT_EQ(keyOf(query, "a"), (Key{"a", 0, Transport::Udp, false, false}));
  query.addresses_only = true;
  query.transport_given = true;
  query.port = 9;
  EXPECT_EQ(keyOf(query, "a"), (Key{"a", 0, Transport::Udp, true, true}));
}

}  // namespace
}  // namespace tandem::dns::detail
