#pragma once

// tandemd's process: the event loop, the listeners of the server file's
// connections, the request handler, and the signals.
//
//   auto server = Server::create(config);   // opens every connection or fails naming it
//   return (*server)->run();                // until SIGTERM / SIGINT; SIGHUP: reload
//
// One event loop for now; the per-core loops (one io_context and one set of
// SO_REUSEPORT sockets per core) replace it without changing the handler.

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/server_config.h"
#include "server/request_handler.h"
#include "transport/listeners.h"

namespace tandem::server {

// The server file's connections and limits in the transport's terms.
std::vector<transport::ListenSpec> listenSpecs(const config::ServerConfig& config);
transport::Limits transportLimits(const config::Limits& limits);

class Server {
 public:
  static Result<std::unique_ptr<Server>, std::string> create(const config::ServerConfig& config);

  // Serves until SIGTERM or SIGINT, then stops gracefully. Returns the exit code.
  int run();

 private:
  explicit Server(const config::ServerConfig& config);
  void waitForSignal();
  void onSignal(int signal);

  asio::io_context io_;  // first: outlives everything that runs on it
  asio::signal_set signals_;
  RequestHandler handler_;
  std::unique_ptr<transport::Listeners> listeners_;
};

}  // namespace tandem::server
