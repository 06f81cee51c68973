// Nonce-count replay protection: strictly increasing nc per nonce, expiry,
// bounded memory, and many threads at once.

#include "auth/nonce_counts.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace tandem::auth {
namespace {

using std::chrono::seconds;

const TimePoint kT0 = TimePoint(seconds(1'700'000'000));

TEST(NonceCountsTest, FirstUseAcceptsAnyNcFromOne) {
  NonceCounts counts(seconds(300), 1000);
  EXPECT_FALSE(counts.accept("n0", 0, kT0));
  EXPECT_TRUE(counts.accept("n1", 1, kT0));
  EXPECT_TRUE(counts.accept("n5", 5, kT0));
  EXPECT_EQ(counts.size(), 2u);
}

TEST(NonceCountsTest, ReplayAndLowerNcRefused) {
  NonceCounts counts(seconds(300), 1000);
  EXPECT_TRUE(counts.accept("n", 1, kT0));
  EXPECT_FALSE(counts.accept("n", 1, kT0));
  EXPECT_TRUE(counts.accept("n", 2, kT0));
  EXPECT_TRUE(counts.accept("n", 7, kT0));  // gaps are fine (lost requests)
  EXPECT_FALSE(counts.accept("n", 6, kT0));
  EXPECT_FALSE(counts.accept("n", 7, kT0));
  EXPECT_TRUE(counts.accept("other", 1, kT0));  // per nonce
}

TEST(NonceCountsTest, EntriesExpireWithTheLifetime) {
  NonceCounts counts(seconds(300), 1000);
  EXPECT_TRUE(counts.accept("n", 1, kT0));
  EXPECT_TRUE(counts.accept("m", 1, kT0 + seconds(100)));
  EXPECT_FALSE(counts.accept("n", 1, kT0 + seconds(299)));
  // At kT0 + 300 "n" is gone (the nonce itself is stale by then: the issuer
  // refuses it before it could be replayed); "m" stays until kT0 + 400.
  EXPECT_TRUE(counts.accept("x", 1, kT0 + seconds(300)));
  EXPECT_LE(counts.size(), 2u);
  EXPECT_FALSE(counts.accept("m", 1, kT0 + seconds(399)));
}

TEST(NonceCountsTest, BoundedTableRefusesWhenFullThenRecovers) {
  NonceCounts counts(seconds(300), 64);  // 4 per shard
  ASSERT_EQ(counts.maxEntries(), 64u);
  int accepted = 0;
  for (int i = 0; i < 10'000; ++i) {
    accepted += counts.accept("nonce-" + std::to_string(i), 1, kT0) ? 1 : 0;
  }
  EXPECT_EQ(counts.size(), static_cast<size_t>(accepted));
  EXPECT_LE(counts.size(), 64u);
  EXPECT_GT(accepted, 0);
  // Full: a known nonce still advances, a new one is refused...
  EXPECT_TRUE(counts.accept("nonce-0", 2, kT0 + seconds(1)));
  // ...until the entries expire and make room.
  int later = 0;
  for (int i = 0; i < 10'000; ++i) {
    later += counts.accept("later-" + std::to_string(i), 1, kT0 + seconds(301)) ? 1 : 0;
  }
  EXPECT_GT(later, 0);
  EXPECT_LE(counts.size(), 64u);
}

TEST(NonceCountsTest, ConcurrentUseAcceptsEachNcAtMostOnce) {
  NonceCounts counts(seconds(300), 100'000);
  constexpr uint32_t kCounts = 2000;
  std::atomic<uint32_t> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (uint32_t nc = 1; nc <= kCounts; ++nc) {
        if (counts.accept("shared", nc, kT0)) {
          accepted.fetch_add(1);
        }
        // Each thread also has nonces of its own, all accepted.
        EXPECT_TRUE(counts.accept("own-" + std::to_string(t) + "-" + std::to_string(nc % 50), nc, kT0));
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_GE(accepted.load(), 1u);
  EXPECT_LE(accepted.load(), kCounts);
  EXPECT_FALSE(counts.accept("shared", kCounts, kT0));
}

}  // namespace
}  // namespace tandem::auth
