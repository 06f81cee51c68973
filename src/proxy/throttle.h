#pragma once

// Request throttling per source address (federation issue; LCS "Throttle as
// server"): a token bucket of new requests per second and a cap on server
// transactions under way, with client limits for everyone and server limits
// for authorized hosts with throttle_as_server. One Throttle per event loop
// (no lock): a source's datagrams and connections stay on one loop, so the
// limits hold per source and loop.
//
// Memory is bounded: at most `max_sources` addresses are tracked; when the
// table is full, sources idle for a second (bucket full, nothing under way)
// are dropped first, and if none is, the new source is admitted untracked
// (a flood of spoofed addresses must not lock everyone out).

#include <asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <unordered_map>

#include "config/pool.h"
#include "transaction/timer_wheel.h"

namespace tandem::proxy {

struct ThrottleLimits {
  double rate = 50;    // tokens per second
  double burst = 100;  // bucket size
  uint32_t transactions = 100;
};

class Throttle {
 public:
  enum class Verdict : uint8_t { Admit, TooFast, TooMany };

  explicit Throttle(size_t max_sources = 100'000) : max_sources_(max_sources) {}

  static ThrottleLimits clientLimits(const config::ThrottlingSettings& settings);
  static ThrottleLimits serverLimits(const config::ThrottlingSettings& settings);

  // A new request (a new server transaction) from `source`. Admit takes a
  // token and counts the transaction until release().
  Verdict admit(const asio::ip::address& source, const ThrottleLimits& limits, transaction::TimePoint now);
  void release(const asio::ip::address& source);
  // True once per source and 10 s window while it is refused: log then.
  bool shouldLog(const asio::ip::address& source, transaction::TimePoint now);

  size_t tracked() const { return sources_.size(); }
  uint64_t refused() const { return refused_; }

 private:
  struct Source {
    double tokens = 0;
    transaction::TimePoint refilled{};
    uint32_t in_flight = 0;
    transaction::TimePoint logged{};
    bool ever_logged = false;
  };
  struct AddressHash {
    size_t operator()(const asio::ip::address& address) const;
  };
  void makeRoom(transaction::TimePoint now);

  size_t max_sources_;
  std::unordered_map<asio::ip::address, Source, AddressHash> sources_;
  uint64_t refused_ = 0;
};

}  // namespace tandem::proxy
