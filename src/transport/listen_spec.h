#pragma once

// What the transport is asked to open, and the bounds it works within. The
// server maps its [[connections]] and [limits] onto these.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "transport/endpoint.h"

namespace tandem::transport {

struct ListenSpec {
  std::string address;  // "*" or an IPv4/IPv6 literal
  TransportKind transport = TransportKind::Tcp;
  uint16_t port = 0;  // 0: any free port (tests); see bound()
};

// One opened listener: the spec, and the address actually bound (port resolved when 0).
struct BoundListener {
  ListenSpec spec;
  Endpoint endpoint;
};

struct Limits {
  size_t max_message_size = 64 * 1024;         // a larger datagram is dropped; a larger stream message -> 413, close
  size_t max_header_size = 16 * 1024;          // stream: start line + headers
  std::chrono::seconds tcp_idle_timeout{300};  // accepted and outbound connections alike
  // Per TCP listener and worker: more are accepted and closed at once. Also
  // the bound on each worker's outbound connections.
  size_t tcp_max_connections = 4096;
  size_t max_output_buffer = 1024 * 1024;  // per connection; a peer that does not read is closed
  // Outbound TCP (RFC 3261 §18.1.1): how long a connect may take, and how
  // many bytes may wait for it.
  std::chrono::milliseconds tcp_connect_timeout{5000};
  size_t max_connect_queue = 256 * 1024;
  // RFC 3261 §18.1.1: a request larger than this goes over TCP when it can
  // (Egress::chooseTransport); the path MTU is not known.
  size_t udp_mtu_limit = 1300;
};

}  // namespace tandem::transport
