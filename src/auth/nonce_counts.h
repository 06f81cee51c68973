#pragma once

// Nonce-count replay protection (RFC 7616 §3.4 nc, §5.5; RFC 3261 §22.4),
// shared by every event-loop thread.
//
// CONTRACT: call accept() only after the response hash of the request has
// verified against the user's HA1. Then only a client that knows the password
// (or HA1) can create entries, so an attacker cannot fill the table or burn a
// victim's nonce counts.
//
// Each nonce seen remembers the highest nc accepted with it, until the first
// use plus the nonce lifetime (a bound past the nonce's own expiry, since it
// cannot be used before it is issued). The table is split into shards, each
// with its own mutex and 1/kShards of the entry budget. Memory is bounded:
// a shard that is full after dropping its expired entries refuses new nonces
// (the caller then challenges again with stale=true). About 100 bytes per
// entry: the default million entries is ~100 MB at worst.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "auth/nonce.h"

namespace tandem::auth {

class NonceCounts {
 public:
  static constexpr size_t kShards = 16;
  static constexpr size_t kDefaultMaxEntries = 1'000'000;

  explicit NonceCounts(std::chrono::seconds lifetime = std::chrono::seconds(300),
                       size_t max_entries = kDefaultMaxEntries);

  // True when nc is strictly greater than every nc accepted with this nonce
  // so far (on first use: nc >= 1). False for a replayed or lower nc, nc 0,
  // and a new nonce when the table is full.
  bool accept(std::string_view nonce, uint32_t nc, TimePoint now);

  // Entries held (for tests and metrics; takes every shard lock).
  size_t size() const;
  size_t maxEntries() const { return per_shard_ * kShards; }

 private:
  // Nonces are keyed by two independent 64-bit hashes of their text. Only
  // nonces that passed NonceIssuer::check (HMAC-tagged by us) get here, so a
  // client cannot choose colliding ones; an accidental 128-bit collision
  // would at worst cost a client one extra challenge.
  struct Key {
    uint64_t a = 0, b = 0;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& key) const { return static_cast<size_t>(key.a); }
  };
  struct Entry {
    uint32_t highest_nc = 0;
    TimePoint expires;
  };
  struct Expiry {
    Key key;
    TimePoint expires;
  };
  struct alignas(64) Shard {
    mutable std::mutex mutex;
    std::unordered_map<Key, Entry, KeyHash> entries;
    std::deque<Expiry> order;  // insertion order = expiry order (give or take clock skew between threads)
  };

  static Key keyOf(std::string_view nonce);
  static void purge(Shard& shard, TimePoint now);

  std::chrono::seconds lifetime_;
  size_t per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace tandem::auth
