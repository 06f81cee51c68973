#pragma once

// One worker's request path: transport → transaction layer → proxy, on that
// worker's event loop and nothing else.
//
//   transport (UDP datagram / TCP frame) → Core::onMessage
//     response whose branch names another worker → posted to that worker
//     request failing sip::validateRequest    → answered statelessly (400/416/505 + Warning)
//     everything else                         → Proxy (transaction layer, phases, forward)
//   Proxy sends through an adapter over the worker's Egress; connect
//   failures found later come back as Proxy::onDestinationFailed.
//
// A 10 ms timer drives the transaction layer's timer wheel while it has
// timers running.

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "auth/authenticator.h"
#include "presence/agent/event_service.h"
#include "proxy/authentication.h"
#include "proxy/host_authorization.h"
#include "proxy/proxy.h"
#include "registrar/local_service.h"
#include "server/request_handler.h"
#include "transport/inbound.h"
#include "transport/worker.h"

namespace tandem::server {

class Core final : public transport::MessageHandler {
 public:
  // Hands a response to the worker whose branch it carries.
  using Handoff = std::function<void(size_t worker, transaction::Incoming&& incoming)>;

  Core(transport::Worker& worker, std::string fqdn, transaction::TimerConfig timers, transaction::Duration timer_c,
       Handoff handoff);
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;
  ~Core() override;

  // Once the listeners are bound (on the worker's thread or before it runs).
  void start(const std::vector<transport::BoundListener>& bound);
  // Plugs the authentication phase and the local service for the users
  // homed here (registrar, delivery to contacts) into the proxy. Before the
  // loop runs; the three outlive the core.
  void enableUserServices(auth::Authenticator& authenticator, registrar::Registrar& registrar,
                          const registrar::LocationTable& table, registrar::LocalServiceSettings settings);
  // New routing settings (on the worker's thread).
  void setRouting(proxy::RoutingSnapshotPtr snapshot) { proxy_.setRouting(std::move(snapshot)); }
  // The presence agent (it lives on one loop; `post_to_agent` runs there):
  // PUBLISH and SUBSCRIBE for local users go to it. After enableUserServices.
  void enablePresence(presence::PresenceAgent& agent, std::function<void(std::function<void()>)> post_to_agent);
  proxy::Proxy& proxy() { return proxy_; }
  asio::io_context& io() { return worker_.io(); }
  // Runs `fn` on this loop (from any thread), then keeps the timers going.
  void post(std::function<void()> fn);
  // Host-name resolution for the proxy (outlives the core's loop run).
  void setLookup(proxy::HostLookup* lookup) { proxy_.setLookup(lookup); }
  // A response another worker received for one of our transactions.
  void deliver(transaction::Incoming&& incoming);

  void onMessage(transport::InboundMessage&& in) override;
  void onMalformed(const transport::MalformedInput& in) override;

  const proxy::ProxyStats& stats() const { return proxy_.stats(); }

  // Graceful stop (on the worker's thread): new requests are refused with
  // 503 and a Warning; transactions already under way go on. drained() is
  // readable from any thread: true once nothing forwarded is waiting for its
  // final response.
  void beginDrain();
  bool drained() const { return drained_.load(std::memory_order_acquire); }

 private:
  class EgressSender final : public transaction::Sender {
   public:
    explicit EgressSender(transport::Egress& egress) : egress_(egress) {}
    Status<transaction::SendError> send(std::string_view bytes, const transaction::Destination& to) override;

   private:
    transport::Egress& egress_;
  };

  void armTick();
  static transaction::TimePoint now() { return transaction::Clock::now(); }

  transport::Worker& worker_;
  Handoff handoff_;
  EgressSender sender_;
  proxy::LocalIdentity identity_;
  proxy::Proxy proxy_;
  RequestHandler stateless_;
  std::optional<proxy::HostAuthorizationPhase> host_authorization_;
  std::optional<proxy::AuthenticationPhase> authentication_;
  std::optional<registrar::LocalService> local_service_;
  std::optional<presence::EventService> events_;
  // Made in start(): when opening the listeners fails, the workers' loops are
  // gone before the cores, and a timer must not outlive its loop.
  std::optional<asio::steady_timer> tick_;
  bool ticking_ = false;
  bool draining_ = false;
  std::atomic<bool> drained_{false};
  void updateDrained();
};

// The worker a branch we wrote names ("z9hG4bK-T<worker>."); nullopt for
// anyone else's branch.
std::optional<size_t> workerOfBranch(std::string_view branch);

}  // namespace tandem::server
