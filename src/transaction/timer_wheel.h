#pragma once

// The transaction layer's timer facility: a hashed timing wheel driven by an
// injected clock.
//
// Why a wheel. A loaded server holds about a million live transactions, each
// with one or two running timers (RFC 3261 §17: A/B, E/F, G/H, then D, I, J,
// K, L or M). A heap timer per transaction (asio::steady_timer, a
// std::priority_queue entry) costs an allocation and O(log n) per
// schedule/cancel, and a heap reorder for every retransmission. A hashed wheel
// (Varghese & Lauck, "Hashed and Hierarchical Timing Wheels", 1987 — the
// scheme of the Linux kernel's timer list, Kamailio's timer.c and Netty's
// HashedWheelTimer) costs O(1) per operation and no allocation at all:
//
//   - Time advances in ticks (default 10 ms). The wheel is a ring of
//     2^slot_bits slots (default 4096, so one revolution is 40.96 s and every
//     RFC 3261 timer at the default T1 — 64*T1 = 32 s at most — fits in one).
//   - A timer is a TimerNode embedded in its owner (intrusive, doubly linked,
//     so cancel is an unlink). Scheduling puts it on the list of slot
//     (deadline_tick & mask). Nothing is allocated per timer; the slot array
//     is allocated once, at construction.
//   - Long timers (longer than a revolution, e.g. Timer C at 3 min) share a
//     slot with short ones: the node keeps its absolute deadline tick, so the
//     number of rounds still to go is (deadline - now) >> slot_bits. The wheel
//     passes over such a node once per revolution and leaves it in place,
//     without writing to it (a stored deadline instead of a decremented rounds
//     counter), and fires it on the round it is due.
//   - advanceTo(now) walks the slots between the last tick and `now`. While a
//     tick's timers fire, now() reads that tick's time, so timers scheduled
//     from a callback are relative to it: jumping the clock by a minute fires
//     a retransmission chain (500 ms, 1 s, 2 s, ...) at exactly the times a
//     real clock would have. A timer never fires early; it fires at most one
//     tick late. Within one tick, timers fire in the order they were
//     scheduled.
//
// Cost of a tick: one slot list walk, about (live timers / slots) nodes —
// 250 nodes every 10 ms for a million timers on 4096 slots.
//
// Driving it: the event loop calls advanceTo(steady_clock::now()) before it
// handles a batch of messages (so timers scheduled while handling them start
// from the current time) and from a periodic timer of one tick while size()
// is not zero. Tests drive it with a manual clock. Not thread-safe: one wheel
// per event loop, like the TransactionTable that owns it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace tandem::transaction {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::milliseconds;

// Links of an intrusive circular doubly linked list. A slot's list head is a
// bare ListHook (the sentinel); every TimerNode is one.
struct ListHook {
  ListHook* prev = nullptr;
  ListHook* next = nullptr;
};

// One timer, embedded in the object it belongs to. Not copyable or movable
// (the wheel points at it). It must be cancelled (or have fired) before it is
// destroyed.
class TimerNode : private ListHook {
 public:
  TimerNode() = default;
  TimerNode(const TimerNode&) = delete;
  TimerNode& operator=(const TimerNode&) = delete;
  ~TimerNode();

  // Scheduled and not yet fired or cancelled.
  bool armed() const { return next != nullptr; }

  // Free for the owner: tells the handler which timer of which owner fired.
  // The wheel never reads it.
  uint64_t cookie = 0;

 private:
  friend class TimerWheel;
  uint64_t deadline_ = 0;  // absolute tick
};

class TimerHandler {
 public:
  virtual ~TimerHandler() = default;
  // `node` has been disarmed; the handler may schedule it (or any other node)
  // again, cancel other nodes, or destroy objects whose nodes are not armed.
  virtual void onTimer(TimerNode& node) = 0;
};

struct WheelConfig {
  Duration tick{10};
  unsigned slot_bits = 12;  // 2^12 = 4096 slots
};

class TimerWheel {
 public:
  // `start` is tick 0. The handler is called for every timer that fires.
  TimerWheel(TimePoint start, TimerHandler& handler, WheelConfig config = {});
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;
  ~TimerWheel();

  // Arms `node` to fire `delay` after now() (a negative or zero delay fires
  // on the next tick). An armed node is rescheduled. O(1), no allocation.
  void schedule(TimerNode& node, Duration delay);
  // Disarms `node`; nothing when it is not armed. O(1).
  void cancel(TimerNode& node);

  // Fires, in deadline order (ties: in scheduling order), every timer due at
  // or before `now`. A `now` earlier than now() changes nothing, and so does
  // a call from a handler (the outer call is advancing already).
  void advanceTo(TimePoint now);

  // The wheel's time: the last advanceTo(), or the firing tick's time while
  // handlers run.
  TimePoint now() const { return now_; }
  // Armed timers.
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Duration tick() const { return tick_; }
  size_t slotCount() const { return mask_ + 1; }

 private:
  TimePoint timeOf(uint64_t tick) const;
  uint64_t ticksUntil(TimePoint when) const;    // floor
  uint64_t deadlineTick(TimePoint when) const;  // ceil, and after the current tick
  void fireSlot(ListHook& slot);

  TimerHandler& handler_;
  const Duration tick_;
  const uint64_t mask_;
  const TimePoint start_;
  TimePoint now_;
  uint64_t current_ = 0;  // the last tick processed
  size_t size_ = 0;
  bool advancing_ = false;
  std::unique_ptr<ListHook[]> slots_;
};

}  // namespace tandem::transaction
