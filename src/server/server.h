#pragma once

// tandemd's process: the worker event loops (one per core, each with its own
// SO_REUSEPORT sockets, transaction layer and proxy), the store the pool
// settings come from, and the signals.
//
//   auto server = Server::create(config);   // opens the store and every connection, or fails naming it
//   return (*server)->run();                // until SIGTERM / SIGINT; SIGHUP: reload the pool now
//
// SIGTERM / SIGINT stop gracefully: new requests get 503, forwarded requests
// already under way get their final responses (for at most 5 s), then the
// loops stop and tandemd exits 0. POST /v1/service/stop on the admin API
// (server.admin; admin_wiring.cc) does the same through requestStop().
//
// The main thread runs its own small loop for signals and for watching the
// store: the pool's change counter is read every 500 ms (off the worker
// loops), and a changed pool is loaded and handed to every worker as a new
// immutable routing snapshot — a change made with tandemctl applies within a
// second, without a restart.

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "admin/admin_server.h"
#include "auth/authenticator.h"
#include "common/result.h"
#include "config/server_config.h"
#include "dns/resolver.h"
#include "presence/agent/agent.h"
#include "presence/agent/writer.h"
#include "proxy/lookup.h"
#include "proxy/routing.h"
#include "registrar/location.h"
#include "registrar/registrar.h"
#include "server/connection_gate.h"
#include "server/core.h"
#include "store/store.h"
#include "transport/listeners.h"
#include "transport/worker.h"

namespace tandem::server {

// The server file's connections and limits in the transport's terms.
std::vector<transport::ListenSpec> listenSpecs(const config::ServerConfig& config);
transport::Limits transportLimits(const config::Limits& limits);
// The pool's routing settings as the proxy's routing phase reads them.
proxy::RoutingSnapshotPtr routingFrom(const store::PoolSnapshot& pool);

class Server {
 public:
  static Result<std::unique_ptr<Server>, std::string> create(const config::ServerConfig& config);
  ~Server();

  // Serves until SIGTERM or SIGINT, then stops. Returns the exit code.
  int run();
  // The same graceful stop as SIGTERM, from any thread (the admin API).
  void requestStop();

 private:
  explicit Server(const config::ServerConfig& config);
  void waitForSignal();
  void onSignal(int signal);
  void watchPool();
  void reloadPool(bool force);
  Status<std::string> startPresence();
  void beginStop();
  void drainThenStop(std::chrono::steady_clock::time_point deadline);
  // The admin API (admin_wiring.cc): started once the listeners are up, when
  // server.admin is set; stopped before the workers.
  Status<std::string> startAdmin();
  void stopAdmin();
  nlohmann::json status();

  config::ServerConfig config_;
  asio::io_context io_;  // the main thread's loop: signals and the store watch
  asio::signal_set signals_;
  asio::steady_timer pool_timer_;
  asio::steady_timer drain_timer_;
  std::unique_ptr<store::Store> store_;
  // The users' services, shared by every worker: the registrar's location
  // table and store thread, and the digest authenticator.
  std::unique_ptr<registrar::LocationTable> locations_;
  std::unique_ptr<registrar::Registrar> registrar_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  uint64_t pool_version_ = 0;
  proxy::RoutingSnapshotPtr routing_;  // the pool as last loaded
  uint64_t pool_polls_ = 0;
  // Host names (RFC 3263) for every loop's proxy, and who may connect.
  // The gate outlives the workers (closing connections release it); the
  // resolver stops before them (its wake-ups post to their loops).
  std::unique_ptr<dns::Resolver> resolver_;
  std::unique_ptr<proxy::HostLookup> lookup_;
  std::unique_ptr<ConnectionGate> gate_;
  // Presence (presence/agent.h): its store thread, and the agent on worker
  // 0's loop. Stopped after the loops, before the cores.
  std::unique_ptr<presence::PresenceWriter> presence_writer_;
  std::unique_ptr<presence::PresenceAgent> presence_;
  std::vector<std::unique_ptr<Core>> cores_;  // one per worker; outlive the workers
  std::unique_ptr<transport::Workers> workers_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::atomic<bool> stopping_{false};
  std::unique_ptr<admin::AdminServer> admin_;
};

}  // namespace tandem::server
