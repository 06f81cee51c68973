#pragma once

// One event loop per core (brief, "Architecture"). A Worker is one
// asio::io_context with its own socket for every configured connection, the
// TCP connections those accept or its Egress opens, and the Egress. Workers
// runs N of them, one thread each:
//
//   std::unique_ptr<Workers> workers = Workers::create(n, limits);   // loops, no sockets yet
//   for (size_t i = 0; i < workers->size(); ++i) {
//     cores.push_back(std::make_unique<Core>((*workers)[i]));         // may own timers on worker i's loop
//     (*workers)[i].setHandler(*cores.back());
//   }
//   if (auto listening = workers->listen(specs); !listening) {
//     cores.clear();                       // before the loops they use
//     log(listening.error());              // "connection 2 (tcp 127.0.0.1:5060): address in use"
//   }
//   workers->start();                      // one thread per worker
//   ...
//   workers->stop(); workers->join(); cores.clear(); workers.reset();
//
// (Workers::open does the same in one call for handlers that own nothing on
// the workers' loops.)
//
// Every worker binds the same address and port with SO_REUSEPORT; the
// kernel spreads datagrams (by 4-tuple) and accepted connections across
// them. Worker 0's socket binds first and exclusively, so a second tandemd
// on the same address and port fails to start (socket_setup.h). Port 0:
// worker 0 gets a free port, the others bind that one.
//
// Threading. A worker's handler is called on its thread, and everything it
// is handed (ReplyHandle, its Egress) is used there only: nothing on the
// request path takes a lock, and no worker touches another's sockets. The
// one way across is Workers::post(index, fn), which runs fn on that worker's
// thread — e.g. to send on a connection another worker owns
// (workerOf(ConnectionId)), or to hand a response to the worker that holds
// its transaction (the kernel picks a UDP socket by 4-tuple, not by
// transaction; encode the worker in the branch).

#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/result.h"
#include "transport/connection_table.h"
#include "transport/egress.h"
#include "transport/inbound.h"
#include "transport/listen_spec.h"
#include "transport/socket_setup.h"

namespace tandem::transport {

class UdpListener;
class TcpListener;
class Worker;

namespace detail {
// Opens `specs` on every worker — workers[0] exclusively, the others
// joining it — and starts nothing. The error names the connection
// (1-based, as in the server file): "connection 2 (tcp 127.0.0.1:5060): address in use".
Status<std::string> openListeners(std::span<Worker* const> workers, std::span<const ListenSpec> specs);
}  // namespace detail

class Worker {
 public:
  // `io` is this worker's loop; it outlives the worker.
  Worker(asio::io_context& io, size_t index, const Limits& limits);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  ~Worker();

  size_t index() const { return index_; }
  asio::io_context& io() { return *io_; }
  Egress& egress() { return egress_; }
  // This worker's listeners, in configuration order, as bound.
  const std::vector<BoundListener>& bound() const { return bound_; }
  // Stops receiving and accepting and closes every connection (queued output
  // is lost; failures are no longer reported). On the worker's thread, or
  // while its loop does not run. Pending handlers complete as cancelled; the
  // handler is not called any more.
  void close();

  // Before the listeners open: where this worker's messages go.
  void setHandler(MessageHandler& handler) { table_->setHandler(handler); }
  // Before the listeners open: who may connect (nullptr: anyone); it
  // outlives the worker.
  void setInboundGate(InboundGate* gate) { table_->setInboundGate(gate); }

 private:
  friend Status<std::string> detail::openListeners(std::span<Worker* const>, std::span<const ListenSpec>);
  friend class Workers;
  friend class Listeners;

  Status<std::string> open(const ListenSpec& spec, detail::BindTarget& target, detail::BindMode mode);
  void start();

  asio::io_context* io_;
  size_t index_;
  std::shared_ptr<ConnectionTable> table_;
  std::vector<std::shared_ptr<UdpListener>> udp_;
  std::vector<std::shared_ptr<TcpListener>> tcp_;
  std::vector<BoundListener> bound_;
  Egress egress_;
};

class Workers {
 public:
  // Called once per worker, on the calling thread, before any socket opens:
  // the handler that worker's messages go to. It may keep the worker's
  // egress() and index(), and must outlive the Workers.
  using HandlerFactory = std::function<MessageHandler&(Worker& worker)>;

  // `count` workers (at least 1; typically std::thread::hardware_concurrency())
  // with their loops, no sockets and no threads yet. Give each a handler
  // (Worker::setHandler), then listen().
  static std::unique_ptr<Workers> create(size_t count, const Limits& limits);
  // Opens every listener of `specs` on every worker, not yet receiving. The
  // error names the connection: "connection 2 (tcp 127.0.0.1:5060): address
  // in use"; every socket is closed again and the Workers can only be
  // destroyed (after whatever the caller made on its loops).
  Status<std::string> listen(std::span<const ListenSpec> specs);

  // create(), a handler from `handler_for` for each worker, listen(). On
  // failure the loops are gone when it returns: for handlers that own no
  // timers or sockets on them (else create() + listen()).
  static Result<std::unique_ptr<Workers>, std::string> open(size_t count, std::span<const ListenSpec> specs,
                                                            const Limits& limits, const HandlerFactory& handler_for);

  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;
  ~Workers();  // stop(), join()

  size_t size() const { return workers_.size(); }
  Worker& operator[](size_t index) { return *workers_[index]; }
  // The listeners as bound (the same address and port on every worker).
  const std::vector<BoundListener>& bound() const { return workers_.front()->bound(); }

  // One thread per worker, each running its loop until stop().
  void start();
  // Runs `fn` on worker `index`'s thread. Thread-safe; the only call that
  // crosses workers (it takes Asio's queue lock: keep it off the common path).
  template <class Fn>
  void post(size_t index, Fn&& fn) {
    asio::post(*contexts_[index], std::forward<Fn>(fn));
  }
  // Each worker closes its sockets on its own thread, then its loop returns
  // (what is still queued is dropped). Thread-safe; returns at once.
  void stop();
  // Waits for every worker's thread to return.
  void join();

 private:
  Workers() = default;

  std::vector<std::unique_ptr<asio::io_context>> contexts_;  // first: outlive everything that runs on them
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
};

}  // namespace tandem::transport
