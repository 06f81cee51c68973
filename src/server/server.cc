#include "server/server.h"

#include <spdlog/spdlog.h>
#include <csignal>

namespace tandem::server {
namespace {

transport::TransportKind toTransportKind(config::Transport transport) {
  switch (transport) {
    case config::Transport::Udp:
      return transport::TransportKind::Udp;
    case config::Transport::Tcp:
      return transport::TransportKind::Tcp;
    case config::Transport::Tls:
      return transport::TransportKind::Tls;
    case config::Transport::Mtls:
      return transport::TransportKind::Mtls;
  }
  return transport::TransportKind::Tcp;
}

}  // namespace

std::vector<transport::ListenSpec> listenSpecs(const config::ServerConfig& config) {
  std::vector<transport::ListenSpec> specs;
  specs.reserve(config.connections.size());
  for (const config::Connection& connection : config.connections) {
    specs.push_back(transport::ListenSpec{connection.address, toTransportKind(connection.transport), connection.port});
  }
  return specs;
}

transport::Limits transportLimits(const config::Limits& limits) {
  transport::Limits out;
  out.max_message_size = limits.max_message_size;
  out.max_header_size = std::min(out.max_header_size, limits.max_message_size);
  out.tcp_idle_timeout = limits.tcp_idle_timeout;
  out.tcp_max_connections = limits.tcp_max_connections;
  return out;
}

Server::Server(const config::ServerConfig& config) : signals_(io_, SIGINT, SIGTERM, SIGHUP), handler_(config.fqdn) {}

Result<std::unique_ptr<Server>, std::string> Server::create(const config::ServerConfig& config) {
  std::unique_ptr<Server> server(new Server(config));
  const std::vector<transport::ListenSpec> specs = listenSpecs(config);
  auto listeners = transport::Listeners::open(server->io_, specs, transportLimits(config.limits), server->handler_);
  if (!listeners) {
    return fail(listeners.error());
  }
  server->listeners_ = std::move(*listeners);
  const auto& bound = server->listeners_->bound();
  for (size_t i = 0; i < bound.size(); ++i) {
    spdlog::info("connection {}: listening on {} {}", i + 1, transport::transportName(bound[i].spec.transport),
                 transport::toString(bound[i].endpoint));
  }
  return server;
}

int Server::run() {
  waitForSignal();
  io_.run();
  spdlog::info("stopped");
  return 0;
}

void Server::waitForSignal() {
  signals_.async_wait([this](const asio::error_code& ec, int signal) {
    if (!ec) {
      onSignal(signal);
    }
  });
}

void Server::onSignal(int signal) {
  if (signal == SIGHUP) {
    // Live apply of pool settings comes with the store (issue #4); the server
    // file itself needs a restart.
    spdlog::info("reload requested (SIGHUP): nothing to reload yet");
    waitForSignal();
    return;
  }
  spdlog::info("stopping ({})", signal == SIGTERM ? "SIGTERM" : "SIGINT");
  listeners_->close();
  asio::error_code ignored;
  signals_.cancel(ignored);
}

}  // namespace tandem::server
