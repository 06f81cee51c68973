#include "server/connection_gate.h"

#include <spdlog/spdlog.h>

#include <functional>

namespace tandem::server {

size_t ConnectionGate::AddressHash::operator()(const asio::ip::address& address) const {
  if (address.is_v4()) {
    return std::hash<uint32_t>{}(address.to_v4().to_uint());
  }
  const auto bytes = address.to_v6().to_bytes();
  size_t hash = 0;
  for (unsigned char byte : bytes) {
    hash = hash * 131 + byte;
  }
  return hash;
}

void ConnectionGate::setRouting(proxy::RoutingSnapshotPtr routing) {
  const std::lock_guard lock(mutex_);
  routing_ = std::move(routing);
}

bool ConnectionGate::admit(const transport::Endpoint& remote) {
  const asio::ip::address& address = remote.address;
  const std::lock_guard lock(mutex_);
  if (!routing_ || !routing_->pool) {
    ++open_[address];
    return true;
  }
  const proxy::HostEntry* host = proxy::findHostCached(routing_->hosts, address, lookup_);
  if (host != nullptr && host->outbound_only) {
    ++stats_.refused_outbound_only;
    logRefusal(kOutboundOnly, address, "the host " + host->host + " is authorized outbound only");
    return false;
  }
  const config::ThrottlingSettings& limits = routing_->pool->settings.throttling;
  const bool as_server = host != nullptr && host->throttle_as_server;
  const uint32_t limit = as_server ? limits.server_connections : limits.client_connections;
  uint32_t& open = open_[address];
  if (open >= limit) {
    if (open == 0) {
      open_.erase(address);
    }
    ++stats_.refused_over_limit;
    logRefusal(kOverLimit, address,
               std::to_string(limit) + " connections open from it (throttling." + (as_server ? "server" : "client") +
                   "_connections)");
    return false;
  }
  ++open;
  return true;
}

void ConnectionGate::release(const transport::Endpoint& remote) {
  const std::lock_guard lock(mutex_);
  const auto it = open_.find(remote.address);
  if (it != open_.end() && --it->second == 0) {
    open_.erase(it);
  }
}

ConnectionGate::Stats ConnectionGate::stats() const {
  const std::lock_guard lock(mutex_);
  Stats out = stats_;
  out.addresses = open_.size();
  return out;
}

void ConnectionGate::logRefusal(Reason reason, const asio::ip::address& address, const std::string& why) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_log_[reason] < std::chrono::seconds(1)) {
    ++unlogged_[reason];
    return;
  }
  const uint64_t unlogged = unlogged_[reason];
  spdlog::warn("connection from {} refused: {}{}", address.to_string(), why,
               unlogged == 0 ? "" : " (" + std::to_string(unlogged) + " more refused since the last line)");
  last_log_[reason] = now;
  unlogged_[reason] = 0;
}

}  // namespace tandem::server
