#pragma once

// The admin HTTP API (server.admin, "127.0.0.1:8081" by default): a small
// HTTP/1.1 server on its own thread, bound to the configured address only.
//
//   GET  /v1/status        200 {state, version, pid, uptime_s, fqdn, workers, connections, counters}
//   POST /v1/service/stop  202 {"state": "stopping"}: the same graceful stop as SIGTERM
//   anything else          404 {"error": "..."}; a body over 64 KiB 413; errors are JSON too
//
// What it serves comes from the server as callbacks (admin/ does not depend
// on server/): status() builds the status document, requestStop() starts the
// graceful stop. Both are called on the admin thread and must be thread-safe.
//
//   auto admin = AdminServer::start(*config.admin, callbacks);   // or "server.admin (127.0.0.1:8081): address in use"
//   ...
//   (*admin)->stop();                                           // also in the destructor

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"
#include "config/server_config.h"

namespace tandem::admin {

struct Callbacks {
  std::function<nlohmann::json()> status;
  std::function<void()> requestStop;
};

struct Limits {
  size_t max_body = 64 * 1024;            // a larger request body is refused (413)
  std::chrono::seconds read_timeout{5};   // per read of a request
  std::chrono::seconds write_timeout{5};  // per write of a response
  std::chrono::seconds keep_alive{2};     // an idle keep-alive connection is closed after this
  size_t threads = 2;                     // requests served at once
};

class AdminServer {
 public:
  // Binds `address` (port 0: any free port, see port()) and serves on a
  // thread of its own. The error is one line naming server.admin.
  static Result<std::unique_ptr<AdminServer>, std::string> start(const config::HostPort& address, Callbacks callbacks,
                                                                 const Limits& limits = {});
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  // The port bound.
  uint16_t port() const;
  // Stops accepting, finishes the requests under way, joins the thread. Idempotent.
  void stop();

 private:
  struct Impl;
  explicit AdminServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::admin
