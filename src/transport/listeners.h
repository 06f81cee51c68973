#pragma once

// The listening side on ONE event loop the caller runs: a single Worker on
// the caller's io_context. For tandemd until it moves to Workers (worker.h,
// one loop per core), and for tests.
//
//   auto listeners = Listeners::open(io, specs, limits, handler);
//   if (!listeners) { log(listeners.error()); }   // "connection 2 (tcp 127.0.0.1:5060): address in use"
//   io.run();
//
// "*" binds [::] with IPV6_V6ONLY off (every IPv4 and IPv6 address), or
// 0.0.0.0 where the host has no IPv6. "::" is IPv6 only, "0.0.0.0" IPv4 only.

#include <asio/io_context.hpp>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"
#include "transport/endpoint.h"
#include "transport/inbound.h"
#include "transport/listen_spec.h"
#include "transport/worker.h"

namespace tandem::transport {

class Listeners {
 public:
  using Bound = BoundListener;

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

  const std::vector<Bound>& bound() const { return worker_->bound(); }
  // The worker: its Egress sends from these listeners.
  Worker& worker() { return *worker_; }

 private:
  explicit Listeners(std::unique_ptr<Worker> worker) : worker_(std::move(worker)) {}

  std::unique_ptr<Worker> worker_;
};

}  // namespace tandem::transport
