// The admin API's side of the server: what GET /v1/status shows and what
// POST /v1/service/stop does. admin/ knows nothing of the server; these are
// the callbacks it is handed.
//
// Threading: the callbacks run on the admin thread. The proxies' counters
// belong to the worker loops, so they are read there (a task posted to every
// worker) and summed here, waiting at most kCounterWait; a worker that does
// not answer in time leaves its share out and marks the counters partial.
// The stop is posted to the main loop, where signals are handled too.

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <asio/post.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "common/version.h"
#include "server/server.h"

namespace tandem::server {
namespace {

constexpr std::chrono::milliseconds kCounterWait{1000};

struct CounterGather {
  std::mutex mutex;
  std::condition_variable done;
  size_t pending = 0;
  proxy::ProxyStats sum;
};

}  // namespace

Status<std::string> Server::startAdmin() {
  if (!config_.admin) {
    spdlog::info("admin API off (server.admin = \"\")");
    return {};
  }
  admin::Callbacks callbacks;
  callbacks.status = [this] { return status(); };
  callbacks.requestStop = [this] { requestStop(); };
  auto admin = admin::AdminServer::start(*config_.admin, std::move(callbacks));
  if (!admin) {
    return fail(admin.error());
  }
  admin_ = std::move(*admin);
  spdlog::info("admin API: listening on http {}:{}", config_.admin->address, admin_->port());
  return {};
}

void Server::stopAdmin() {
  if (admin_) {
    admin_->stop();
    admin_.reset();
  }
}

void Server::requestStop() {
  asio::post(io_, [this] {
    if (stopping_.load(std::memory_order_acquire)) {
      return;
    }
    spdlog::info("stopping (admin API): refusing new requests, finishing those under way");
    beginStop();
  });
}

nlohmann::json Server::status() {
  auto gather = std::make_shared<CounterGather>();
  gather->pending = cores_.size();
  for (size_t i = 0; i < cores_.size(); ++i) {
    Core* core = cores_[i].get();
    workers_->post(i, [gather, core] {
      const proxy::ProxyStats& stats = core->stats();
      const std::lock_guard lock(gather->mutex);
      gather->sum.requests += stats.requests;
      gather->sum.forwarded += stats.forwarded;
      gather->sum.local_responses += stats.local_responses;
      gather->sum.stateless_forwards += stats.stateless_forwards;
      gather->sum.throttled += stats.throttled;
      --gather->pending;
      gather->done.notify_one();
    });
  }
  proxy::ProxyStats sum;
  bool complete = false;
  {
    std::unique_lock lock(gather->mutex);
    complete = gather->done.wait_for(lock, kCounterWait, [&] { return gather->pending == 0; });
    sum = gather->sum;
  }

  nlohmann::json connections = nlohmann::json::array();
  for (const transport::BoundListener& bound : workers_->bound()) {
    connections.push_back({{"transport", transport::transportName(bound.spec.transport)},
                           {"address", bound.endpoint.address.to_string()},
                           {"port", bound.endpoint.port}});
  }
  const auto uptime = std::chrono::steady_clock::now() - started_;
  nlohmann::json counters = {{"requests", sum.requests},
                             {"forwarded", sum.forwarded},
                             {"local_responses", sum.local_responses},
                             {"stateless_forwards", sum.stateless_forwards},
                             {"throttled", sum.throttled}};
  if (!complete) {
    counters["partial"] = true;  // a worker did not answer in time
  }
  const registrar::Registrar::Stats registrar = registrar_->stats();
  nlohmann::json registrations = {{"users", locations_->users()},
                                  {"bindings", locations_->bindings()},
                                  {"registers", registrar.registers},
                                  {"store_batches", registrar.batches},
                                  {"largest_batch", registrar.largest_batch},
                                  {"store_write_failures", registrar.write_failures}};
  const dns::Resolver::Stats resolver = resolver_->stats();
  nlohmann::json dns = {{"queries", resolver.queries},
                        {"hits", resolver.hits},
                        {"misses", resolver.misses},
                        {"failures", resolver.failures},
                        {"entries", resolver.entries}};
  const ConnectionGate::Stats gate = gate_->stats();
  nlohmann::json inbound = {{"addresses", gate.addresses},
                            {"refused_over_limit", gate.refused_over_limit},
                            {"refused_outbound_only", gate.refused_outbound_only}};
  return {{"state", stopping_.load(std::memory_order_acquire) ? "stopping" : "running"},
          {"version", kVersion},
          {"pid", static_cast<int64_t>(::getpid())},
          {"uptime_s", std::chrono::duration_cast<std::chrono::seconds>(uptime).count()},
          {"fqdn", config_.fqdn},
          {"workers", workers_->size()},
          {"connections", connections},
          {"counters", counters},
          {"registrations", registrations},
          {"dns", dns},
          {"inbound_connections", inbound}};
}

}  // namespace tandem::server
