#pragma once

// tandemctl service status|stop|start|restart: the running tandemd, through
// its admin HTTP API (server.admin). Exit status: 0 done; 1 failed; 2 the
// admin API is off (server.admin = ""); `status` 3 when nothing answers
// (LSB: program is not running).
//
//   status   GET /v1/status: "running: pid 1234, up 12 s, version 0.1.0, 2 workers"
//   stop     POST /v1/service/stop, then waits (10 s at most) until the
//            admin port no longer answers and the process is gone
//   start    spawns tandemd --config <server file> detached (own session,
//            stdin /dev/null, stdout + stderr appended to the log), then
//            waits (10 s at most) until its status answers
//   restart  stop, then start

#include <string>

#include "config/server_config.h"

namespace tandem::tandemctl {

constexpr int kExitNotRunning = 3;

enum class ServiceAction { Status, Stop, Start, Restart };

struct ServiceOptions {
  std::string tandemd;  // empty: the tandemd next to this tandemctl
  std::string log;      // empty: tandemd.log beside the sqlite store (or the server file)
};

int service(ServiceAction action, const config::ServerConfig& config, const ServiceOptions& options);

}  // namespace tandem::tandemctl
