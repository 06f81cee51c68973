#pragma once

// Authentication failures per source IP address in a fixed window: the brake
// on online password guessing (RFC 7616 §5.1 leaves the policy to the server).
//
// A source's window opens at its first failure and lasts `window`; the
// `limit`-th failure inside it blocks the source until the window ends, and
// blocked() then gives the seconds left (the Retry-After of the answer).
// A success does NOT reset the count: an attacker who owns one valid account
// could otherwise interleave its logins with guesses at other accounts.
//
// Shared by every event-loop thread: shards with their own mutex. The table
// is bounded: a shard at its share of `max_sources` drops expired windows,
// then the oldest window, before opening a new one.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/nonce.h"

namespace tandem::auth {

class FailureLimiter {
 public:
  static constexpr size_t kShards = 16;

  struct Settings {
    uint32_t limit = 10;
    std::chrono::seconds window{60};
    size_t max_sources = 100'000;
  };

  explicit FailureLimiter(Settings settings);
  FailureLimiter() : FailureLimiter(Settings{}) {}

  // Seconds until the source's window ends (>= 1) when it is blocked.
  std::optional<uint32_t> blocked(std::string_view source, TimePoint now) const;
  // Counts one failure. True exactly once per window and source: for the
  // failure that starts the block, so the caller logs the block once.
  bool recordFailure(std::string_view source, TimePoint now);

  size_t size() const;  // sources tracked (takes every shard lock)
  const Settings& settings() const { return settings_; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  struct Window {
    TimePoint start;
    uint32_t failures = 0;
  };
  struct Opened {
    std::string source;
    TimePoint start;
  };
  struct alignas(64) Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Window, Hash, std::equal_to<>> windows;
    // Windows in the order they opened; an element whose start no longer
    // matches its window (the source's window was reopened) is skipped.
    std::deque<Opened> order;
  };

  Shard& shardOf(std::string_view source);
  const Shard& shardOf(std::string_view source) const;
  void dropFront(Shard& shard);
  void purge(Shard& shard, TimePoint now);

  Settings settings_;
  size_t per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace tandem::auth
