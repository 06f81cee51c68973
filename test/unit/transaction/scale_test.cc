// A hundred thousand live transactions: their timers cost no heap allocation
// (the TimerNodes are embedded in pooled records), and firing them allocates
// nothing either.

#include <gtest/gtest.h>

#include "allocation_counter.h"
#include "transaction/transaction_table.h"
#include "transaction_fakes.h"

namespace tandem::transaction {
namespace {

using namespace fakes;
using namespace std::chrono_literals;

class CountingSender : public Sender {
 public:
  Status<SendError> send(std::string_view, const Destination&) override {
    ++sends;
    return {};
  }
  size_t sends = 0;
};

class CountingUser : public TransactionUser {
 public:
  void onRequest(ServerId, const sip::Message&, const Destination&) override {}
  void onAck(const sip::Message&, const Destination&, std::optional<ServerId>) override {}
  void onResponse(ClientId, const sip::Message&) override {}
  void onStrayResponse(const sip::Message&, const Destination&) override {}
  void onTimeout(ClientId) override { ++timeouts; }
  void onTimeout(ServerId) override {}
  void onTransportError(ClientId, SendError) override {}
  void onTransportError(ServerId, SendError) override {}
  void onTerminated(ClientId) override { ++terminated; }
  void onTerminated(ServerId) override {}
  size_t timeouts = 0;
  size_t terminated = 0;
};

TEST(TransactionScaleTest, HundredThousandLiveTransactionsAllocateNothingPerTimer) {
  constexpr size_t kCount = 100'000;
  CountingSender sender;
  CountingUser user;
  const TimePoint t0{};
  TransactionTable table(sender, user, t0);

  // Each request is parsed outside the count: a message owns its buffer,
  // which is the TU's allocation, not the transaction layer's.
  size_t allocations = 0;
  for (size_t i = 0; i < kCount; ++i) {
    sip::Message message = request({.branch = "z9hG4bK" + std::to_string(i)});
    AllocationCounter counter;
    const bool started = table.startClient(std::move(message), udpPeer()).ok();
    allocations += counter.count();
    ASSERT_TRUE(started);
  }
  EXPECT_EQ(table.size(), kCount);
  EXPECT_EQ(table.wheel().size(), 2 * kCount);  // Timers A and B of every one
  // One per transaction (its request's Message record, held out of line so
  // a free pool record stays small), plus the pool's chunks (1024 records
  // each) and the index's bucket array doublings: nothing per timer.
  EXPECT_LT(allocations, kCount + 200u);
  RecordProperty("allocations_for_100k_transactions", static_cast<int>(allocations));

  {
    AllocationCounter counter;
    table.advanceTo(t0 + 500ms);  // every Timer A fires: 100,000 retransmissions
    EXPECT_EQ(counter.count(), 0u);
  }
  EXPECT_EQ(sender.sends, 2 * kCount);
  EXPECT_EQ(table.wheel().size(), 2 * kCount);

  table.advanceTo(t0 + 32s);  // Timer B: every one times out
  EXPECT_EQ(user.timeouts, kCount);
  EXPECT_EQ(user.terminated, kCount);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_TRUE(table.idle());
}

}  // namespace
}  // namespace tandem::transaction
