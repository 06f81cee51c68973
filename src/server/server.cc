#include "server/server.h"

#include <spdlog/spdlog.h>

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <thread>

#include "proxy/host_authorization.h"

namespace tandem::server {
namespace {

constexpr std::chrono::milliseconds kPoolPoll{500};
constexpr std::chrono::seconds kDrainLimit{5};
constexpr std::chrono::milliseconds kDrainPoll{50};

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

transport::TransportKind toTransportKind(config::RouteTransport transport) {
  switch (transport) {
    case config::RouteTransport::Udp:
      return transport::TransportKind::Udp;
    case config::RouteTransport::Tcp:
      return transport::TransportKind::Tcp;
    case config::RouteTransport::Tls:
      return transport::TransportKind::Tls;
  }
  return transport::TransportKind::Tcp;
}

transaction::TimerConfig transactionTimers(const config::Timers& timers) {
  transaction::TimerConfig out;
  out.t1 = timers.t1;
  out.t2 = timers.t2;
  out.t4 = timers.t4;
  out.d = std::max(out.d, 64 * timers.t1);  // Timer D: > 32 s, and at least 64*T1 (§17.1.1.2)
  return out;
}

size_t workerCount(const config::ServerConfig& config) {
  if (config.workers != 0) {
    return config.workers;
  }
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : cores;
}

registrar::RegistrarSettings registrarSettings(const config::Registrar& registrar) {
  registrar::RegistrarSettings out;
  out.min_expires = registrar.min_expires;
  out.max_expires = registrar.max_expires;
  out.default_expires = registrar.default_expires;
  out.max_contacts = registrar.max_contacts;
  return out;
}

auth::AuthSettings authSettings(const config::Auth& auth) {
  auth::AuthSettings out;
  out.algorithms.clear();
  for (const std::string& name : auth.algorithms) {
    out.algorithms.push_back(name == "MD5" ? store::DigestAlgorithm::Md5 : store::DigestAlgorithm::Sha256);
  }
  out.nonce_lifetime = auth.nonce_lifetime;
  out.failure_limit = auth.failure_limit;
  out.failure_window = auth.failure_window;
  return out;
}

// The proxy's HostLookup over the process's resolver.
class ResolverLookup final : public proxy::HostLookup {
 public:
  explicit ResolverLookup(dns::Resolver& resolver) : resolver_(resolver) {}
  dns::AnswerPtr lookup(const dns::Query& query, std::function<void()> done) override {
    return resolver_.lookup(query, std::move(done));
  }

 private:
  dns::Resolver& resolver_;
};

dns::Resolver::Options resolverOptions(const config::DnsSettings& dns) {
  dns::Resolver::Options options;
  options.servers = dns.servers;
  options.timeout = dns.timeout;
  options.tries = dns.tries;
  options.min_ttl = dns.min_ttl;
  options.max_ttl = dns.max_ttl;
  options.negative_ttl = dns.negative_ttl;
  options.stale = dns.stale;
  return options;
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

proxy::RoutingSnapshotPtr routingFrom(const store::PoolSnapshot& pool) {
  auto snapshot = std::make_shared<proxy::RoutingSnapshot>();
  snapshot->domains = pool.settings.domains;
  snapshot->pool = std::make_shared<const store::PoolSnapshot>(pool);
  snapshot->hosts = proxy::hostEntries(pool.settings.authorized_hosts);
  for (const config::Route& route : pool.settings.routes) {
    snapshot->routes.push_back(proxy::StaticRoute{route.user, route.domain, route.phone_uri, route.next_hop, route.port,
                                                  toTransportKind(route.transport), route.replace_host, route.srv});
  }
  return snapshot;
}

Server::Server(const config::ServerConfig& config)
    : config_(config), signals_(io_, SIGINT, SIGTERM, SIGHUP), pool_timer_(io_), drain_timer_(io_) {}

Server::~Server() {
  stopAdmin();
  if (workers_) {
    workers_->stop();
    workers_->join();
  }
  // No wake-up may post to a loop from here on (callbacks not yet called are
  // dropped by the resolver's destructor).
  resolver_.reset();
  if (presence_) {
    presence_->stop();  // its timer belongs to worker 0's loop
  }
  if (presence_writer_) {
    presence_writer_->stop();  // its last completions post to the stopped loop
  }
  presence_.reset();
  // Its last completions post to the stopped loops, which still exist.
  if (registrar_) {
    registrar_->stop();
  }
  // The cores' timers belong to the workers' loops: they go first, once no
  // loop runs, and the workers (and their loops) after them.
  cores_.clear();
  workers_.reset();
}

Result<std::unique_ptr<Server>, std::string> Server::create(const config::ServerConfig& config) {
  std::unique_ptr<Server> server(new Server(config));
  auto store = store::open(config.store, store::Missing::Refuse);
  if (!store) {
    return fail("store: " + store.error());
  }
  server->store_ = std::move(*store);

  // The registrar's own store connection (its thread writes through it).
  auto registrar_store = store::open(config.store, store::Missing::Refuse);
  if (!registrar_store) {
    return fail("store: " + registrar_store.error());
  }
  server->locations_ = std::make_unique<registrar::LocationTable>();
  auto registrar = registrar::Registrar::start(std::move(*registrar_store), *server->locations_,
                                               registrarSettings(config.registrar));
  if (!registrar) {
    return fail("store: " + registrar.error());
  }
  server->registrar_ = std::move(*registrar);
  server->authenticator_ = std::make_unique<auth::Authenticator>(authSettings(config.auth));

  auto resolver = dns::Resolver::start(resolverOptions(config.dns));
  if (!resolver) {
    return fail("dns: " + resolver.error());
  }
  server->resolver_ = std::move(*resolver);
  server->lookup_ = std::make_unique<ResolverLookup>(*server->resolver_);
  server->gate_ = std::make_unique<ConnectionGate>(server->lookup_.get());

  const std::vector<transport::ListenSpec> specs = listenSpecs(config);
  Server* self = server.get();
  auto handoff = [self](size_t worker, transaction::Incoming&& incoming) {
    // A response for a transaction another loop holds: run it there.
    auto moved = std::make_shared<transaction::Incoming>(std::move(incoming));
    self->workers_->post(worker, [self, worker, moved]() { self->cores_[worker]->deliver(std::move(*moved)); });
  };
  auto workers =
      transport::Workers::open(workerCount(config), specs, transportLimits(config.limits),
                               [&](transport::Worker& worker) -> transport::MessageHandler& {
                                 server->cores_.push_back(std::make_unique<Core>(
                                     worker, config.fqdn, transactionTimers(config.timers), config.timers.c, handoff));
                                 server->cores_.back()->setLookup(server->lookup_.get());
                                 worker.setInboundGate(server->gate_.get());
                                 return *server->cores_.back();
                               });
  if (!workers) {
    return fail(workers.error());
  }
  server->workers_ = std::move(*workers);
  registrar::LocalServiceSettings local_service;
  local_service.max_im_body = config.limits.max_im_body;
  for (size_t i = 0; i < server->cores_.size(); ++i) {
    server->cores_[i]->start((*server->workers_)[i].bound());
    server->cores_[i]->enableUserServices(*server->authenticator_, *server->registrar_, *server->locations_,
                                          local_service);
  }
  server->reloadPool(true);
  if (auto started = server->startPresence(); !started.ok()) {
    return fail(started.error());
  }
  const auto& bound = server->workers_->bound();
  for (size_t i = 0; i < bound.size(); ++i) {
    spdlog::info("connection {}: listening on {} {}", i + 1, transport::transportName(bound[i].spec.transport),
                 transport::toString(bound[i].endpoint));
  }
  spdlog::info("{} worker loop(s)", server->workers_->size());
  std::string dns_servers;
  for (const std::string& entry : config.dns.servers) {
    dns_servers += (dns_servers.empty() ? "" : ", ") + entry;
  }
  spdlog::info("dns: host names resolved through {}", dns_servers.empty() ? "/etc/resolv.conf" : dns_servers);
  spdlog::info("registrar: {} binding(s) of {} user(s) loaded", server->locations_->bindings(),
               server->locations_->users());
  if (auto admin = server->startAdmin(); !admin.ok()) {
    return fail(admin.error());
  }
  return server;
}

Status<std::string> Server::startPresence() {
  auto store = store::open(config_.store, store::Missing::Refuse);
  if (!store) {
    return fail("store: " + store.error());
  }
  auto load = store_->loadPresence(registrar::Registrar::unixNow());
  if (!load) {
    return fail("store: presence state not loaded: " + load.error());
  }
  auto writer = presence::PresenceWriter::start(std::move(*store));
  if (!writer) {
    return fail("store: " + writer.error());
  }
  presence_writer_ = std::move(*writer);
  Core* home = cores_.front().get();
  presence::AgentSettings settings;
  settings.min_expires = config_.presence.min_expires;
  settings.max_expires = config_.presence.max_expires;
  settings.default_expires = config_.presence.default_expires;
  settings.publish_default_expires = config_.presence.default_expires;
  settings.notify_interval = config_.presence.notify_interval;
  settings.max_subscriptions = config_.presence.max_subscriptions;
  settings.max_watchers_per_presentity = config_.presence.max_watchers;
  presence_ = std::make_unique<presence::PresenceAgent>(home->io(), home->proxy(), *presence_writer_, settings);
  for (const auto& core : cores_) {
    core->enablePresence(*presence_, [home](std::function<void()> fn) { home->post(std::move(fn)); });
  }
  // Once the loop runs (after the pool, which reloadPool posts first): the
  // stored dialogs are resumed.
  presence::PresenceAgent* agent = presence_.get();
  if (routing_) {
    home->post([agent, pool = routing_->pool]() { agent->setPool(pool); });
  }
  spdlog::info("presence: {} publication(s), {} subscription(s), {} pending watcher(s) in the store",
               load->publications.size(), load->subscriptions.size(), load->pending.size());
  home->post([agent, load = std::move(*load)]() mutable { agent->restore(std::move(load)); });
  return {};
}

void Server::reloadPool(bool force) {
  auto counter = store_->changeCounter();
  if (!counter) {
    spdlog::error("store: {}", counter.error());
    return;
  }
  if (!force && *counter == pool_version_) {
    return;
  }
  auto pool = store_->loadPool();
  if (!pool) {
    spdlog::error("store: pool settings not loaded: {}", pool.error());
    return;
  }
  pool_version_ = *counter;
  const proxy::RoutingSnapshotPtr routing = routingFrom(*pool);
  routing_ = routing;
  if (gate_) {
    gate_->setRouting(routing);
  }
  for (size_t i = 0; i < cores_.size(); ++i) {
    Core* core = cores_[i].get();
    if (workers_) {
      workers_->post(i, [core, routing]() { core->setRouting(routing); });
    } else {
      core->setRouting(routing);
    }
  }
  if (presence_ && workers_) {
    presence::PresenceAgent* agent = presence_.get();
    workers_->post(0, [agent, pool = routing->pool]() { agent->setPool(pool); });
  }
  spdlog::info("pool settings loaded (version {}): {} domain(s), {} route(s), {} user(s)", pool_version_,
               pool->settings.domains.size(), routing->routes.size(), pool->users.size());
}

void Server::watchPool() {
  pool_timer_.expires_after(kPoolPoll);
  pool_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec) {
      return;
    }
    reloadPool(false);
    // Every 30 s, give memory freed after a burst (transactions of a
    // registration storm, ended by Timer J) back to the system: glibc keeps
    // freed memory in the loops' arenas otherwise, and RSS would stay at the
    // burst's high-water mark. On the main thread, off the request path.
    if (++pool_polls_ % (std::chrono::seconds(30) / kPoolPoll) == 0) {
      ::malloc_trim(0);
    }
    watchPool();
  });
}

int Server::run() {
  workers_->start();
  waitForSignal();
  watchPool();
  io_.run();
  stopAdmin();
  workers_->stop();
  workers_->join();
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
    spdlog::info("reload requested (SIGHUP): pool settings re-read; the server file needs a restart");
    reloadPool(true);
    waitForSignal();
    return;
  }
  spdlog::info("stopping ({}): refusing new requests, finishing those under way",
               signal == SIGTERM ? "SIGTERM" : "SIGINT");
  beginStop();
}

void Server::beginStop() {
  stopping_.store(true, std::memory_order_release);
  asio::error_code ignored;
  signals_.cancel(ignored);
  pool_timer_.cancel();
  for (size_t i = 0; i < cores_.size(); ++i) {
    Core* core = cores_[i].get();
    workers_->post(i, [core]() { core->beginDrain(); });
  }
  drainThenStop(std::chrono::steady_clock::now() + kDrainLimit);
}

void Server::drainThenStop(std::chrono::steady_clock::time_point deadline) {
  const bool drained = std::all_of(cores_.begin(), cores_.end(), [](const auto& core) { return core->drained(); });
  if (drained || std::chrono::steady_clock::now() >= deadline) {
    if (!drained) {
      spdlog::warn("stopping with requests still waiting for a final response ({} s limit)", kDrainLimit.count());
    }
    return;  // nothing left on the main loop: run() returns and the workers stop
  }
  drain_timer_.expires_after(kDrainPoll);
  drain_timer_.async_wait([this, deadline](const asio::error_code& ec) {
    if (!ec) {
      drainThenStop(deadline);
    }
  });
}

}  // namespace tandem::server
