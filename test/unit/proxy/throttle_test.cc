// Per-source throttling: token bucket, transactions under way, bounded table.

#include "proxy/throttle.h"

#include <gtest/gtest.h>

namespace tandem::proxy {
namespace {

using std::chrono::milliseconds;

const asio::ip::address kClient = asio::ip::make_address("192.0.2.1");

TEST(Throttle, BurstThenRate) {
  Throttle throttle;
  const ThrottleLimits limits{10, 5, 1000};
  transaction::TimePoint now{};
  int admitted = 0;
  for (int i = 0; i < 20; ++i) {
    admitted += throttle.admit(kClient, limits, now) == Throttle::Verdict::Admit ? 1 : 0;
  }
  EXPECT_EQ(admitted, 5);  // the burst
  EXPECT_EQ(throttle.admit(kClient, limits, now), Throttle::Verdict::TooFast);
  now += milliseconds(500);  // 10/s: five more tokens
  admitted = 0;
  for (int i = 0; i < 20; ++i) {
    admitted += throttle.admit(kClient, limits, now) == Throttle::Verdict::Admit ? 1 : 0;
  }
  EXPECT_EQ(admitted, 5);
}

TEST(Throttle, TransactionsUnderWayAreCapped) {
  Throttle throttle;
  const ThrottleLimits limits{1000, 1000, 3};
  transaction::TimePoint now{};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(throttle.admit(kClient, limits, now), Throttle::Verdict::Admit);
  }
  EXPECT_EQ(throttle.admit(kClient, limits, now), Throttle::Verdict::TooMany);
  throttle.release(kClient);
  EXPECT_EQ(throttle.admit(kClient, limits, now), Throttle::Verdict::Admit);
}

TEST(Throttle, OneSourceDoesNotSpendAnothersTokens) {
  Throttle throttle;
  const ThrottleLimits limits{1, 2, 100};
  const asio::ip::address peer = asio::ip::make_address("192.0.2.2");
  transaction::TimePoint now{};
  for (int i = 0; i < 50; ++i) {
    (void)throttle.admit(kClient, limits, now);
  }
  EXPECT_EQ(throttle.admit(peer, limits, now), Throttle::Verdict::Admit);
}

TEST(Throttle, LogsOncePerWindow) {
  Throttle throttle;
  transaction::TimePoint now{};
  (void)throttle.admit(kClient, {1, 1, 1}, now);
  EXPECT_TRUE(throttle.shouldLog(kClient, now));
  EXPECT_FALSE(throttle.shouldLog(kClient, now + milliseconds(9000)));
  EXPECT_TRUE(throttle.shouldLog(kClient, now + milliseconds(10001)));
}

TEST(Throttle, TheTableIsBounded) {
  Throttle throttle(100);
  transaction::TimePoint now{};
  const ThrottleLimits limits{10, 10, 10};
  for (uint32_t i = 0; i < 1000; ++i) {
    (void)throttle.admit(asio::ip::make_address_v4(0x0a000000u + i), limits, now);
  }
  EXPECT_LE(throttle.tracked(), 100u);
  // Idle sources make room later.
  for (uint32_t i = 0; i < 100; ++i) {
    throttle.release(asio::ip::make_address_v4(0x0a000000u + i));
  }
  (void)throttle.admit(asio::ip::make_address("192.0.2.99"), limits, now + milliseconds(2000));
  EXPECT_LE(throttle.tracked(), 100u);
}

}  // namespace
}  // namespace tandem::proxy
