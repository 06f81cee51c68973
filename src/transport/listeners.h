#pragma once

// The listening side of the transport: one listener per configured connection
// (LCS "Connections" tab), all on one event loop.
//
//   auto listeners = Listeners::open(io, specs, limits, handler);
//   if (!listeners) { log(listeners.error()); }   // "connection 2 (tcp 127.0.0.1:5060): address in use"
//   io.run();
//
// "*" binds [::] with IPV6_V6ONLY off (every IPv4 and IPv6 address), or
// 0.0.0.0 where the host has no IPv6. "::" is IPv6 only, "0.0.0.0" IPv4 only.

#include <asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "transport/endpoint.h"
#include "transport/inbound.h"

namespace tandem::transport {

struct ListenSpec {
  std::string address;  // "*" or an IPv4/IPv6 literal
  TransportKind transport = TransportKind::Tcp;
  uint16_t port = 0;  // 0: any free port (tests); see Listeners::bound()
};

struct Limits {
  size_t max_message_size = 64 * 1024;  // a larger datagram is dropped; a larger stream message -> 413, close
  size_t max_header_size = 16 * 1024;   // stream: start line + headers
  std::chrono::seconds tcp_idle_timeout{300};
  size_t tcp_max_connections = 4096;       // per TCP listener; more are accepted and closed at once
  size_t max_output_buffer = 1024 * 1024;  // per connection; a peer that does not read is closed
};

class UdpListener;
class TcpListener;

class Listeners {
 public:
  struct Bound {
    ListenSpec spec;
    Endpoint endpoint;  // the address actually bound (port resolved when 0)
  };

  // Opens every listener, in order, and starts receiving. The first one that
  // cannot open is the error (1-based, as in the server file); the ones opened
  // before it are closed again.
  static Result<std::unique_ptr<Listeners>, std::string> open(asio::io_context& io, std::span<const ListenSpec> specs,
                                                              const Limits& limits, MessageHandler& handler);

  Listeners(const Listeners&) = delete;
  Listeners& operator=(const Listeners&) = delete;
  ~Listeners();

  // Stops accepting and receiving and closes every connection. Pending
  // handlers complete as cancelled; `handler` is not called any more.
  void close();

  const std::vector<Bound>& bound() const { return bound_; }

 private:
  Listeners() = default;

  std::vector<std::shared_ptr<UdpListener>> udp_;
  std::vector<std::shared_ptr<TcpListener>> tcp_;
  std::vector<Bound> bound_;
};

}  // namespace tandem::transport
