#include "transaction/timer_wheel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "allocation_counter.h"

namespace tandem::transaction {
namespace {

using namespace std::chrono_literals;

// Records (cookie, firing time) and optionally runs a hook.
class Recorder : public TimerHandler {
 public:
  void onTimer(TimerNode& node) override {
    fired.push_back({node.cookie, wheel->now()});
    if (hook) {
      hook(node);
    }
  }
  struct Fire {
    uint64_t cookie;
    TimePoint at;
  };
  std::vector<Fire> fired;
  TimerWheel* wheel = nullptr;
  std::function<void(TimerNode&)> hook;
};

struct WheelHarness {
  explicit WheelHarness(WheelConfig config = {}) : wheel(t0, recorder, config) { recorder.wheel = &wheel; }
  void at(Duration offset) { wheel.advanceTo(t0 + offset); }
  std::vector<Duration> firingTimes() const {
    std::vector<Duration> times;
    for (const auto& fire : recorder.fired) {
      times.push_back(std::chrono::duration_cast<Duration>(fire.at - t0));
    }
    return times;
  }
  std::vector<uint64_t> cookies() const {
    std::vector<uint64_t> out;
    for (const auto& fire : recorder.fired) {
      out.push_back(fire.cookie);
    }
    return out;
  }

  const TimePoint t0{};
  Recorder recorder;
  TimerWheel wheel;
};

TEST(TimerWheelTest, FiresAtItsDeadlineAndNotBefore) {
  WheelHarness h;
  TimerNode node;
  node.cookie = 1;
  h.wheel.schedule(node, 500ms);
  EXPECT_TRUE(node.armed());
  EXPECT_EQ(h.wheel.size(), 1u);
  h.at(499ms);
  EXPECT_TRUE(h.recorder.fired.empty());
  h.at(500ms);
  ASSERT_EQ(h.firingTimes(), std::vector<Duration>{500ms});
  EXPECT_FALSE(node.armed());
  EXPECT_TRUE(h.wheel.empty());
}

TEST(TimerWheelTest, RoundsAnOffTickDeadlineUpToTheNextTick) {
  WheelHarness h;  // 10 ms ticks
  TimerNode node;
  h.at(3ms);
  h.wheel.schedule(node, 15ms);  // due at 18 ms: fires on the 20 ms tick
  h.at(19ms);
  EXPECT_TRUE(h.recorder.fired.empty());
  h.at(20ms);
  EXPECT_EQ(h.firingTimes(), std::vector<Duration>{20ms});
}

TEST(TimerWheelTest, ZeroDelayFiresOnTheNextTick) {
  WheelHarness h;
  TimerNode node;
  h.wheel.schedule(node, 0ms);
  h.at(9ms);
  EXPECT_TRUE(h.recorder.fired.empty());
  h.at(10ms);
  EXPECT_EQ(h.recorder.fired.size(), 1u);
}

TEST(TimerWheelTest, CancelAndRescheduleAreIdempotent) {
  WheelHarness h;
  TimerNode a;
  TimerNode b;
  a.cookie = 1;
  b.cookie = 2;
  h.wheel.schedule(a, 100ms);
  h.wheel.schedule(b, 100ms);
  h.wheel.cancel(a);
  h.wheel.cancel(a);
  EXPECT_FALSE(a.armed());
  h.wheel.schedule(b, 300ms);  // moves it
  EXPECT_EQ(h.wheel.size(), 1u);
  h.at(200ms);
  EXPECT_TRUE(h.recorder.fired.empty());
  h.at(300ms);
  EXPECT_EQ(h.cookies(), std::vector<uint64_t>{2});
}

// Deadlines far apart, many revolutions of a small wheel, one big jump: every
// timer fires in deadline order (ties in scheduling order), each on its tick.
TEST(TimerWheelTest, FiresInDeadlineOrderAcrossRevolutions) {
  WheelHarness h(WheelConfig{10ms, 4});  // 16 slots: one revolution is 160 ms
  std::mt19937 random(42);
  std::uniform_int_distribution<int> ticks(1, 200);
  std::vector<std::unique_ptr<TimerNode>> nodes;
  std::vector<std::pair<int, uint64_t>> expected;  // (deadline tick, cookie)
  for (uint64_t i = 0; i < 500; ++i) {
    const int deadline = ticks(random);
    nodes.push_back(std::make_unique<TimerNode>());
    nodes.back()->cookie = i;
    h.wheel.schedule(*nodes.back(), deadline * 10ms);
    expected.push_back({deadline, i});
  }
  std::stable_sort(expected.begin(), expected.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  h.at(10s);
  ASSERT_EQ(h.recorder.fired.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(h.recorder.fired[i].cookie, expected[i].second);
    EXPECT_EQ(h.firingTimes()[i], expected[i].first * 10ms);
  }
}

// Timers sharing a slot on different rounds: each waits for its own round.
TEST(TimerWheelTest, LongTimersWaitTheirRounds) {
  WheelHarness h(WheelConfig{10ms, 3});  // 8 slots, 80 ms per revolution
  TimerNode near;
  TimerNode two_rounds;
  TimerNode ten_rounds;
  near.cookie = 1;
  two_rounds.cookie = 2;
  ten_rounds.cookie = 3;
  h.wheel.schedule(ten_rounds, 30ms + 10 * 80ms);  // all three in slot 3
  h.wheel.schedule(two_rounds, 30ms + 2 * 80ms);
  h.wheel.schedule(near, 30ms);
  for (int ms = 0; ms <= 1000; ms += 5) {
    h.at(Duration{ms});
  }
  EXPECT_EQ(h.cookies(), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(h.firingTimes(), (std::vector<Duration>{30ms, 190ms, 830ms}));
}

// A handler that reschedules (a retransmission timer doubling its interval)
// sees now() at the firing tick, so one jump of the clock gives the same
// times as a clock that ticked through.
TEST(TimerWheelTest, RescheduleFromHandlerIsRelativeToTheFiringTick) {
  WheelHarness h;
  TimerNode node;
  Duration interval = 500ms;
  h.recorder.hook = [&](TimerNode& fired) {
    interval *= 2;
    h.wheel.schedule(fired, interval);
  };
  h.wheel.schedule(node, interval);
  h.at(20s);
  EXPECT_EQ(h.firingTimes(), (std::vector<Duration>{500ms, 1500ms, 3500ms, 7500ms, 15500ms}));
  EXPECT_EQ(h.wheel.now(), h.t0 + 20s);
  h.wheel.cancel(node);
}

TEST(TimerWheelTest, HandlerMayCancelATimerDueOnTheSameTick) {
  WheelHarness h;
  TimerNode first;
  TimerNode second;
  first.cookie = 1;
  second.cookie = 2;
  h.wheel.schedule(first, 50ms);
  h.wheel.schedule(second, 50ms);
  h.recorder.hook = [&](TimerNode&) { h.wheel.cancel(second); };
  h.at(50ms);
  EXPECT_EQ(h.cookies(), std::vector<uint64_t>{1});
  EXPECT_TRUE(h.wheel.empty());
}

TEST(TimerWheelTest, AdvanceFromAHandlerIsIgnored) {
  WheelHarness h;
  TimerNode first;
  TimerNode second;
  first.cookie = 1;
  second.cookie = 2;
  h.wheel.schedule(first, 10ms);
  h.wheel.schedule(second, 20ms);
  h.recorder.hook = [&](TimerNode&) { h.at(1s); };
  h.at(10ms);
  EXPECT_EQ(h.cookies(), std::vector<uint64_t>{1});
  h.recorder.hook = nullptr;
  h.at(20ms);
  EXPECT_EQ(h.cookies(), (std::vector<uint64_t>{1, 2}));
}

TEST(TimerWheelTest, AnEmptyWheelJumpsAndKeepsCounting) {
  WheelHarness h;
  h.at(1h);
  TimerNode node;
  h.wheel.schedule(node, 500ms);
  h.at(1h + 499ms);
  EXPECT_TRUE(h.recorder.fired.empty());
  h.at(1h + 500ms);
  EXPECT_EQ(h.firingTimes(), std::vector<Duration>{1h + 500ms});
}

TEST(TimerWheelTest, SchedulingAHundredThousandTimersAllocatesNothing) {
  WheelHarness h;
  std::vector<TimerNode> nodes(100'000);
  h.recorder.fired.reserve(nodes.size());
  {
    fakes::AllocationCounter counter;
    for (size_t i = 0; i < nodes.size(); ++i) {
      nodes[i].cookie = i;
      h.wheel.schedule(nodes[i], Duration{500 + static_cast<int>(i % 64'000)});
    }
    for (size_t i = 0; i < nodes.size(); i += 2) {
      h.wheel.cancel(nodes[i]);
    }
    h.at(70s);
    EXPECT_EQ(counter.count(), 0u);
  }
  EXPECT_EQ(h.recorder.fired.size(), 50'000u);
  EXPECT_TRUE(h.wheel.empty());
}

}  // namespace
}  // namespace tandem::transaction
