#pragma once

// Inbound connection admission (federation issue: throttling and host
// authorization), for every TCP (later TLS) listener of every loop:
//   - an authorized host with outbound_only: Tandem may connect to it, it may
//     not connect to Tandem — its connections are closed at once;
//   - every other address holds at most `client_connections` connections at
//     once, `server_connections` for a throttle_as_server host (pool
//     [throttling]); one more is closed at once.
// Refusals are counted and logged at most once per second per reason (with
// the number suppressed), so a flood of connections cannot flood the log.
//
// Memory is bounded by the connections held: an address is tracked only while
// it has one open.

#include <asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "proxy/host_authorization.h"
#include "proxy/lookup.h"
#include "proxy/routing.h"
#include "transport/connection_table.h"

namespace tandem::server {

class ConnectionGate final : public transport::InboundGate {
 public:
  // `lookup` resolves FQDN authorized hosts (cached answers only); may be null.
  explicit ConnectionGate(proxy::HostLookup* lookup) : lookup_(lookup) {}

  void setRouting(proxy::RoutingSnapshotPtr routing);

  bool admit(const transport::Endpoint& remote) override;
  void release(const transport::Endpoint& remote) override;

  struct Stats {
    uint64_t refused_over_limit = 0;
    uint64_t refused_outbound_only = 0;
    size_t addresses = 0;  // addresses holding a connection now
  };
  Stats stats() const;

 private:
  struct AddressHash {
    size_t operator()(const asio::ip::address& address) const;
  };
  enum Reason : size_t { kOutboundOnly, kOverLimit, kReasons };
  void logRefusal(Reason reason, const asio::ip::address& address, const std::string& why);

  proxy::HostLookup* lookup_;
  mutable std::mutex mutex_;
  proxy::RoutingSnapshotPtr routing_;
  std::unordered_map<asio::ip::address, uint32_t, AddressHash> open_;
  Stats stats_;
  // Per reason: when a refusal was last logged, and how many were not since.
  std::chrono::steady_clock::time_point last_log_[kReasons]{};
  uint64_t unlogged_[kReasons]{};
};

}  // namespace tandem::server
