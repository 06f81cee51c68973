// Authentication failures per source in a fixed window.

#include "auth/failure_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace tandem::auth {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const TimePoint kT0 = TimePoint(seconds(1'700'000'000));

TEST(FailureLimiterTest, BlocksAtTheLimitOnceAndTellsTheRetryAfter) {
  FailureLimiter limiter;  // 10 failures in 60 s
  for (int i = 0; i < 9; ++i) {
    EXPECT_FALSE(limiter.recordFailure("192.0.2.1", kT0 + seconds(i)));
    EXPECT_FALSE(limiter.blocked("192.0.2.1", kT0 + seconds(i)));
  }
  EXPECT_TRUE(limiter.recordFailure("192.0.2.1", kT0 + seconds(20)));   // the 10th starts the block
  EXPECT_FALSE(limiter.recordFailure("192.0.2.1", kT0 + seconds(21)));  // logged once only
  EXPECT_EQ(limiter.blocked("192.0.2.1", kT0 + seconds(20)), 40u);
  EXPECT_EQ(limiter.blocked("192.0.2.1", kT0 + seconds(59) + milliseconds(100)), 1u);  // rounded up
  EXPECT_FALSE(limiter.blocked("192.0.2.2", kT0 + seconds(20)));                       // per source
}

TEST(FailureLimiterTest, BlockEndsWithTheWindow) {
  FailureLimiter limiter(FailureLimiter::Settings{3, seconds(60), 1000});
  for (int i = 0; i < 3; ++i) {
    (void)limiter.recordFailure("192.0.2.1", kT0);
  }
  EXPECT_TRUE(limiter.blocked("192.0.2.1", kT0 + seconds(59)));
  EXPECT_FALSE(limiter.blocked("192.0.2.1", kT0 + seconds(60)));
  // A new window: counting starts again, and the block is reported again.
  EXPECT_FALSE(limiter.recordFailure("192.0.2.1", kT0 + seconds(60)));
  EXPECT_FALSE(limiter.recordFailure("192.0.2.1", kT0 + seconds(61)));
  EXPECT_TRUE(limiter.recordFailure("192.0.2.1", kT0 + seconds(62)));
  EXPECT_EQ(limiter.blocked("192.0.2.1", kT0 + seconds(62)), 58u);
}

TEST(FailureLimiterTest, FailuresOfAnOldWindowDoNotCarryOver) {
  FailureLimiter limiter(FailureLimiter::Settings{3, seconds(60), 1000});
  (void)limiter.recordFailure("192.0.2.1", kT0);
  (void)limiter.recordFailure("192.0.2.1", kT0 + seconds(59));
  EXPECT_FALSE(limiter.recordFailure("192.0.2.1", kT0 + seconds(60)));  // fixed window: 1 in the new one
  EXPECT_FALSE(limiter.blocked("192.0.2.1", kT0 + seconds(60)));
}

TEST(FailureLimiterTest, BoundedTableEvictsTheOldestWindow) {
  FailureLimiter limiter(FailureLimiter::Settings{2, seconds(60), 64});  // 4 per shard
  (void)limiter.recordFailure("198.51.100.1", kT0);
  EXPECT_TRUE(limiter.recordFailure("198.51.100.1", kT0));
  ASSERT_TRUE(limiter.blocked("198.51.100.1", kT0));
  for (int i = 0; i < 10'000; ++i) {
    (void)limiter.recordFailure("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), kT0 + seconds(1));
    EXPECT_LE(limiter.size(), 64u);
  }
  EXPECT_LE(limiter.size(), 64u);
  // The oldest window (the blocked source's) made room.
  EXPECT_FALSE(limiter.blocked("198.51.100.1", kT0 + seconds(1)));
}

TEST(FailureLimiterTest, ExpiredWindowsArePurged) {
  FailureLimiter limiter(FailureLimiter::Settings{5, seconds(60), 1000});
  for (int i = 0; i < 500; ++i) {
    (void)limiter.recordFailure("10.1.0." + std::to_string(i), kT0);
  }
  EXPECT_EQ(limiter.size(), 500u);
  for (int i = 0; i < 16 * 20; ++i) {  // touches every shard
    (void)limiter.recordFailure("10.2.0." + std::to_string(i), kT0 + seconds(61));
  }
  EXPECT_EQ(limiter.size(), 320u);
}

}  // namespace
}  // namespace tandem::auth
