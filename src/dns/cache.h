#pragma once

// The resolver's cache: answers by query, the callbacks waiting for a query
// under way, least-recently-used eviction and RFC 8767 serve-stale. Not
// thread-safe: the Resolver calls it under its mutex. Pure (time is passed
// in), so the unit tests drive it without DNS.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include "dns/resolver.h"

namespace tandem::dns::detail {

// A Query with its ignored fields cleared: equal keys, equal answers.
struct Key {
  std::string name;  // lower case, no trailing dot
  uint16_t port = 0;
  Transport transport = Transport::Udp;
  bool transport_given = true;
  bool addresses_only = false;

  bool operator==(const Key&) const = default;
};

struct KeyHash {
  size_t operator()(const Key& key) const;
};

// The cache key of a query whose name is already lower case without its
// trailing dot: addresses_only clears port and transport; no transport
// given means Udp, and with a port given it is the same query as ;transport=udp
// (RFC 3263 §4.1).
Key keyOf(const Query& query, std::string name);

// What a resolution produced, before the cache dates it.
struct Resolution {
  std::vector<Address> addresses;
  std::string error;           // empty iff !addresses.empty()
  std::chrono::seconds ttl{};  // how long it is fresh (already clamped, or negative_ttl)
};

class Cache {
 public:
  using Clock = std::chrono::steady_clock;
  using Callback = std::function<void()>;

  struct Limits {
    std::chrono::seconds stale{30};
    std::chrono::seconds negative_ttl{5};
    size_t max_entries = 10000;
    size_t max_waiters = 10000;
  };

  struct Found {
    AnswerPtr answer;    // a hit: fresh, or stale within Limits::stale; `done` was not taken
    bool start = false;  // the caller must start a resolution of the key (a miss, or a stale refresh)
    bool busy = false;   // max_waiters callbacks wait already: no answer, `done` was not taken
  };

  explicit Cache(Limits limits) : limits_(limits) {}

  // A hit, or a miss that takes `done` (when it is not empty) as a waiter.
  // `start` is true once per key until complete(): queries are coalesced.
  Found find(const Key& key, Clock::time_point now, Callback& done);

  // The resolution of `key` is in: stores it (a failed refresh of an answer
  // still within its stale window keeps the old answer and holds further
  // refreshes for negative_ttl, RFC 8767 §4) and returns the waiters to call.
  std::vector<Callback> complete(const Key& key, Resolution resolution, Clock::time_point now);

  size_t size() const { return entries_.size(); }
  size_t waiters() const { return waiters_; }

 private:
  struct Entry {
    AnswerPtr answer;                     // null until the first resolution is in
    std::vector<Callback> waiters;        // callbacks of misses, called once by complete()
    bool in_flight = false;               // a resolution runs; then the entry is not in lru_ (never evicted)
    Clock::time_point retry_after;        // no stale refresh before this (after a failed one)
    std::list<const Key*>::iterator lru;  // valid iff !in_flight
  };

  void touch(Entry& entry);
  void setInFlight(Entry& entry);
  void evict();

  Limits limits_;
  std::unordered_map<Key, Entry, KeyHash> entries_;
  std::list<const Key*> lru_;  // idle entries, most recently used first
  size_t waiters_ = 0;
};

}  // namespace tandem::dns::detail
