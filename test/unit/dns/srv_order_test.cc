#include "dns/srv_order.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace tandem::dns::detail {
namespace {

std::string targets(const std::vector<SrvRecord>& records) {
  std::string out;
  for (const SrvRecord& record : records) {
    out += (out.empty() ? "" : " ") + record.target;
  }
  return out;
}

// Random numbers from a script; the bounds asked for are recorded.
struct Scripted {
  std::deque<uint32_t> numbers;
  std::vector<uint32_t> bounds;
  Random random() {
    return [this](uint32_t bound) {
      bounds.push_back(bound);
      const uint32_t n = numbers.empty() ? 0 : numbers.front();
      if (!numbers.empty()) {
        numbers.pop_front();
      }
      return n;
    };
  }
};

TEST(DnsSrvOrderTest, LowestPriorityFirst) {
  Scripted script;
  const std::vector<SrvRecord> records = {{"c", 5060, 30, 0}, {"a", 5060, 10, 0}, {"b", 5060, 20, 0}};
  EXPECT_EQ(targets(orderSrv(records, script.random())), "a b c");
}

TEST(DnsSrvOrderTest, WeightedDrawFollowsRfc2782) {
  // Weights 0, 10, 30 in one priority: the running list is z(0) x(10) y(30),
  // sum 40. A draw of 0 takes z (running sum 0 >= 0); then the sum is 40,
  // a draw of 11 takes y (10 < 11 <= 40); then x.
  Scripted script;
  script.numbers = {0, 11, 5};
  const std::vector<SrvRecord> records = {{"x", 1, 5, 10}, {"y", 2, 5, 30}, {"z", 3, 5, 0}};
  EXPECT_EQ(targets(orderSrv(records, script.random())), "z y x");
  EXPECT_EQ(script.bounds, (std::vector<uint32_t>{40, 40, 10}));

  // A draw of 1 passes the zero weight: x first.
  Scripted other;
  other.numbers = {1, 0, 0};
  EXPECT_EQ(targets(orderSrv(records, other.random())), "x z y");
}

TEST(DnsSrvOrderTest, HeavierRecordsComeFirstMoreOften) {
  std::mt19937 engine(7);
  const Random random = [&](uint32_t bound) { return std::uniform_int_distribution<uint32_t>(0, bound)(engine); };
  const std::vector<SrvRecord> records = {{"light", 1, 1, 10}, {"heavy", 2, 1, 90}, {"backup", 3, 2, 100}};
  std::map<std::string, int> first;
  for (int i = 0; i < 2000; ++i) {
    const std::vector<SrvRecord> ordered = orderSrv(records, random);
    ASSERT_EQ(ordered.size(), 3u);
    EXPECT_EQ(ordered[2].target, "backup");  // priority before weight
    ++first[ordered[0].target];
  }
  EXPECT_GT(first["heavy"], 1600);  // about 90 %
  EXPECT_GT(first["light"], 100);   // about 10 %
}

TEST(DnsSrvOrderTest, RootTarget) {
  EXPECT_TRUE(isRootTarget("."));
  EXPECT_TRUE(isRootTarget(""));
  EXPECT_FALSE(isRootTarget("sip.example.com"));
}

}  // namespace
}  // namespace tandem::dns::detail
