// The transition tables themselves: well formed for the interpreter.

#include "transaction/machines.h"

#include <gtest/gtest.h>

namespace tandem::transaction {
namespace {

constexpr Kind kKinds[] = {Kind::InviteClient, Kind::NonInviteClient, Kind::InviteServer, Kind::NonInviteServer};

TEST(TransactionMachinesTest, NoStateEventPairIsListedTwice) {
  for (const Kind kind : kKinds) {
    const auto rows = transitionsOf(kind);
    for (size_t i = 0; i < rows.size(); ++i) {
      for (size_t j = i + 1; j < rows.size(); ++j) {
        EXPECT_FALSE(rows[i].from == rows[j].from && rows[i].event == rows[j].event)
            << stateName(rows[i].from) << " x " << eventName(rows[i].event);
      }
    }
  }
}

TEST(TransactionMachinesTest, EveryMachineStartsInItsInitialState) {
  for (const Kind kind : kKinds) {
    const Transition* start = findTransition(kind, initialState(kind), Event::Start);
    ASSERT_NE(start, nullptr);
    EXPECT_EQ(start->to, initialState(kind));
  }
}

// A timer started on entering a state must have a row there to fire into,
// and nothing leaves Terminated.
TEST(TransactionMachinesTest, EveryStartedTimerHasSomewhereToFire) {
  for (const Kind kind : kKinds) {
    for (const Transition& row : transitionsOf(kind)) {
      EXPECT_NE(row.from, State::Terminated);
      if (row.lifetime.op == Lifetime::Op::Start) {
        EXPECT_NE(findTransition(kind, row.to, Event::LifetimeTimer), nullptr)
            << stateName(row.to) << " timer " << timerLetter(row.lifetime.timer);
      }
      const bool arms = row.retransmit != Retransmit::Keep && row.retransmit != Retransmit::Stop;
      if (arms) {
        EXPECT_NE(findTransition(kind, row.to, Event::RetransmitTimer), nullptr) << stateName(row.to);
      }
    }
  }
}

TEST(TransactionMachinesTest, StatusCodesMapToEventsPerKind) {
  EXPECT_EQ(eventForStatus(Kind::InviteClient, 180), Event::Provisional);
  EXPECT_EQ(eventForStatus(Kind::InviteClient, 200), Event::Success);
  EXPECT_EQ(eventForStatus(Kind::InviteClient, 486), Event::Final);
  EXPECT_EQ(eventForStatus(Kind::NonInviteServer, 202), Event::Final);
  EXPECT_EQ(kindFor(sip::Method::Invite, true), Kind::InviteClient);
  EXPECT_EQ(kindFor(sip::Method::Cancel, false), Kind::NonInviteServer);
}

TEST(TransactionMachinesTest, TimerValuesFollowRfc3261Table4) {
  const TimerConfig config;
  using std::chrono::milliseconds;
  EXPECT_EQ(initialDuration(TimerName::A, false, config), milliseconds(500));
  EXPECT_EQ(initialDuration(TimerName::A, true, config), milliseconds(0));
  EXPECT_EQ(initialDuration(TimerName::B, true, config), milliseconds(32'000));
  EXPECT_EQ(initialDuration(TimerName::D, false, config), milliseconds(32'000));
  EXPECT_EQ(initialDuration(TimerName::D, true, config), milliseconds(0));
  EXPECT_EQ(initialDuration(TimerName::I, false, config), milliseconds(5'000));
  EXPECT_EQ(initialDuration(TimerName::J, false, config), milliseconds(32'000));
  EXPECT_EQ(initialDuration(TimerName::J, true, config), milliseconds(0));
  EXPECT_EQ(initialDuration(TimerName::K, true, config), milliseconds(0));
  EXPECT_EQ(initialDuration(TimerName::L, true, config), milliseconds(32'000));
  EXPECT_EQ(initialDuration(TimerName::M, false, config), milliseconds(32'000));
}

}  // namespace
}  // namespace tandem::transaction
