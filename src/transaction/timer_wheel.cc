#include "transaction/timer_wheel.h"

#include <algorithm>
#include <cassert>

namespace tandem::transaction {
namespace {

void initList(ListHook& head) {
  head.prev = &head;
  head.next = &head;
}

bool listEmpty(const ListHook& head) { return head.next == &head; }

void linkBefore(ListHook& position, ListHook& hook) {
  hook.prev = position.prev;
  hook.next = &position;
  position.prev->next = &hook;
  position.prev = &hook;
}

void unlink(ListHook& hook) {
  hook.prev->next = hook.next;
  hook.next->prev = hook.prev;
  hook.prev = nullptr;
  hook.next = nullptr;
}

// Moves every hook of `from` onto the empty list `to`, in order.
void spliceAll(ListHook& from, ListHook& to) {
  initList(to);
  if (listEmpty(from)) {
    return;
  }
  to.next = from.next;
  to.prev = from.prev;
  to.next->prev = &to;
  to.prev->next = &to;
  initList(from);
}

}  // namespace

TimerNode::~TimerNode() { assert(!armed() && "a TimerNode must be cancelled before it is destroyed"); }

TimerWheel::TimerWheel(TimePoint start, TimerHandler& handler, WheelConfig config)
    : handler_(handler),
      tick_(std::max(config.tick, Duration{1})),
      mask_((uint64_t{1} << config.slot_bits) - 1),
      start_(start),
      now_(start),
      slots_(std::make_unique<ListHook[]>(mask_ + 1)) {
  for (uint64_t i = 0; i <= mask_; ++i) {
    initList(slots_[i]);
  }
}

TimerWheel::~TimerWheel() {
  // Disarm what is left so the owners' nodes do not point into freed slots.
  for (uint64_t i = 0; i <= mask_; ++i) {
    while (!listEmpty(slots_[i])) {
      unlink(*slots_[i].next);
    }
  }
}

uint64_t TimerWheel::ticksUntil(TimePoint when) const {
  if (when <= start_) {
    return 0;
  }
  return static_cast<uint64_t>((when - start_) / tick_);
}

TimePoint TimerWheel::timeOf(uint64_t tick) const { return start_ + tick_ * static_cast<int64_t>(tick); }

uint64_t TimerWheel::deadlineTick(TimePoint when) const {
  uint64_t ticks = ticksUntil(when);
  if (timeOf(ticks) < when) {
    ++ticks;  // round up: never early
  }
  return std::max(ticks, current_ + 1);
}

void TimerWheel::schedule(TimerNode& node, Duration delay) {
  cancel(node);
  node.deadline_ = deadlineTick(now_ + delay);
  linkBefore(slots_[node.deadline_ & mask_], node);
  ++size_;
}

void TimerWheel::cancel(TimerNode& node) {
  if (!node.armed()) {
    return;
  }
  unlink(node);
  --size_;
}

void TimerWheel::advanceTo(TimePoint now) {
  if (advancing_) {
    return;  // called from a handler: the outer call is already advancing
  }
  advancing_ = true;
  const uint64_t target = ticksUntil(now);
  while (current_ < target) {
    if (size_ == 0) {
      current_ = target;
      break;
    }
    ++current_;
    now_ = timeOf(current_);
    fireSlot(slots_[current_ & mask_]);
  }
  now_ = std::max(now_, now);
  advancing_ = false;
}

// Takes the slot's list aside, puts back (in order) the nodes due on a later
// round, then fires the ones due this tick. Handlers may cancel nodes still
// waiting in the aside list (they unlink from it) and schedule into any slot,
// this one included: a node scheduled now is due on a later tick, and it goes
// after the nodes put back, which were scheduled before it.
void TimerWheel::fireSlot(ListHook& slot) {
  ListHook due;
  spliceAll(slot, due);
  for (ListHook* hook = due.next; hook != &due;) {
    ListHook* next = hook->next;
    if (static_cast<TimerNode*>(hook)->deadline_ > current_) {
      unlink(*hook);
      linkBefore(slot, *hook);  // rounds still to go
    }
    hook = next;
  }
  while (!listEmpty(due)) {
    auto& node = static_cast<TimerNode&>(*due.next);
    unlink(node);
    --size_;
    handler_.onTimer(node);
  }
}

}  // namespace tandem::transaction
