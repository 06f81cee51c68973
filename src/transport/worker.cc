#include "transport/worker.h"

#include <asio/executor_work_guard.hpp>

#include "transport/tcp_listener.h"
#include "transport/udp_listener.h"

namespace tandem::transport {
namespace {

// "connection 2 (tcp 127.0.0.1:5060)"
std::string name(size_t index, const ListenSpec& spec) {
  const bool v6 = spec.address.find(':') != std::string::npos;
  const std::string address = v6 ? "[" + spec.address + "]" : spec.address;
  return "connection " + std::to_string(index + 1) + " (" + std::string(transportName(spec.transport)) + " " + address +
         ":" + std::to_string(spec.port) + ")";
}

}  // namespace

// ---------------------------------------------------------------------------
// Worker

Worker::Worker(asio::io_context& io, size_t index, const Limits& limits)
    : io_(&io),
      index_(index),
      table_(std::make_shared<ConnectionTable>(io, index, limits)),
      egress_(*table_, udp_, tcp_) {}

Worker::~Worker() { close(); }

Status<std::string> Worker::open(const ListenSpec& spec, detail::BindTarget& target, detail::BindMode mode) {
  Endpoint bound;
  switch (spec.transport) {
    case TransportKind::Udp: {
      auto udp = UdpListener::open(*table_, spec, target, mode);
      if (!udp) {
        return fail(udp.error());
      }
      bound = (*udp)->localEndpoint();
      udp_.push_back(std::move(*udp));
      break;
    }
    case TransportKind::Tcp: {
      auto tcp = TcpListener::open(*table_, tcp_.size(), spec, target, mode);
      if (!tcp) {
        return fail(tcp.error());
      }
      bound = (*tcp)->localEndpoint();
      tcp_.push_back(std::move(*tcp));
      break;
    }
    case TransportKind::Tls:
    case TransportKind::Mtls:
      return fail(std::string(transportName(spec.transport)) + " transport arrives with the TLS issue");
  }
  bound_.push_back(BoundListener{spec, bound});
  return {};
}

void Worker::start() {
  for (auto& udp : udp_) {
    udp->start();
  }
  for (auto& tcp : tcp_) {
    tcp->start();
  }
}

void Worker::close() {
  for (auto& udp : udp_) {
    udp->close();
  }
  for (auto& tcp : tcp_) {
    tcp->close();
  }
  table_->closeAll("server stopping");
}

Status<std::string> detail::openListeners(std::span<Worker* const> workers, std::span<const ListenSpec> specs) {
  for (size_t i = 0; i < specs.size(); ++i) {
    BindTarget target;
    for (size_t w = 0; w < workers.size(); ++w) {
      const BindMode mode = w == 0 ? BindMode::Exclusive : BindMode::Join;
      if (Status<std::string> opened = workers[w]->open(specs[i], target, mode); !opened) {
        return fail(name(i, specs[i]) + ": " + opened.error());
      }
    }
  }
  return {};
}

// ---------------------------------------------------------------------------
// Workers

std::unique_ptr<Workers> Workers::create(size_t count, const Limits& limits) {
  std::unique_ptr<Workers> workers(new Workers());
  for (size_t i = 0; i < std::max<size_t>(count, 1); ++i) {
    // Each loop runs on one thread and its sockets are used only there: no
    // per-socket locking in the reactor. post() stays thread-safe.
    workers->contexts_.push_back(std::make_unique<asio::io_context>(ASIO_CONCURRENCY_HINT_UNSAFE_IO));
    workers->workers_.push_back(std::make_unique<Worker>(*workers->contexts_.back(), i, limits));
  }
  return workers;
}

Status<std::string> Workers::listen(std::span<const ListenSpec> specs) {
  std::vector<Worker*> group;
  for (const auto& worker : workers_) {
    group.push_back(worker.get());
  }
  Status<std::string> opened = detail::openListeners(group, specs);
  if (!opened) {
    for (Worker* worker : group) {
      worker->close();
    }
  }
  return opened;
}

Result<std::unique_ptr<Workers>, std::string> Workers::open(size_t count, std::span<const ListenSpec> specs,
                                                            const Limits& limits, const HandlerFactory& handler_for) {
  std::unique_ptr<Workers> workers = create(count, limits);
  for (const auto& worker : workers->workers_) {
    worker->setHandler(handler_for(*worker));
  }
  if (Status<std::string> listening = workers->listen(specs); !listening) {
    return fail(listening.error());
  }
  return workers;
}

Workers::~Workers() {
  stop();
  join();
}

void Workers::start() {
  for (size_t i = threads_.size(); i < workers_.size(); ++i) {
    workers_[i]->start();
  }
  for (size_t i = threads_.size(); i < workers_.size(); ++i) {
    threads_.emplace_back([io = contexts_[i].get()] {
      auto guard = asio::make_work_guard(*io);  // idle is not done: run until stop()
      io->run();
    });
  }
}

void Workers::stop() {
  for (size_t i = 0; i < workers_.size(); ++i) {
    post(i, [worker = workers_[i].get()] {
      worker->close();
      // After the cancelled operations' handlers, which close() queued.
      asio::post(worker->io(), [worker] { worker->io().stop(); });
    });
  }
}

void Workers::join() {
  for (std::thread& thread : threads_) {
    if (thread.joinable()) {
      thread.join();
    }
  }
}

}  // namespace tandem::transport
