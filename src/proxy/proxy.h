#pragma once

// The stateful proxy (RFC 3261 §16): the transaction user of one event loop.
//
// A request that starts a server transaction runs through the phases in a
// fixed order; the outcome is a local response, or one client transaction
// per target (a parallel fork when there are several). Responses come back
// through §16.7: provisional ones are forwarded at once (but 100), every 2xx
// is forwarded, 6xx and 2xx to INVITE cancel the other branches, and once
// every branch is final the best final response is forwarded. ACKs of 2xx
// and stray 2xx to INVITE are forwarded statelessly. CANCEL is answered 200
// and propagated to the branches that have had a provisional response (§9.1,
// §16.10).
//
// One Proxy per event loop: it owns that loop's TransactionTable; nothing is
// shared with other loops but the immutable routing snapshot.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "proxy/context.h"
#include "proxy/identity.h"
#include "proxy/lookup.h"
#include "proxy/routing.h"
#include "proxy/sanity.h"
#include "proxy/throttle.h"
#include "transaction/transaction_table.h"

namespace tandem::proxy {

struct ProxySettings {
  uint32_t worker = 0;  // this loop's index, written into our branches
  transaction::TimerConfig timers;
  // Timer C (§16.6 item 11, §16.8): an INVITE branch that has had no final
  // response for this long since it was sent or since its last provisional
  // response is CANCELled (or, with no provisional, ends as 408).
  transaction::Duration timer_c{180000};
};

// Counters for logs, benchmarks and the admin API.
struct ProxyStats {
  uint64_t requests = 0;
  uint64_t forwarded = 0;
  uint64_t local_responses = 0;
  uint64_t stateless_forwards = 0;
  uint64_t throttled = 0;  // requests refused 503 by the per-source limits
};

class Proxy final : public transaction::TransactionUser, private Resumer {
 public:
  Proxy(transaction::Sender& sender, const LocalIdentity& identity, ProxySettings settings, transaction::TimePoint now);
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;
  ~Proxy() override;

  // A message from the transport that passed sip::validateRequest (requests)
  // or parsed (responses).
  void onIncoming(transaction::Incoming&& incoming, transaction::TimePoint now);
  // A timer tick (one wheel tick while !idle()).
  void advanceTo(transaction::TimePoint now);
  // Nothing to tick for: no transaction timer and no INVITE branch under
  // Timer C.
  bool idle() const { return table_.idle() && invite_contexts_ == 0 && suspended_.empty(); }
  size_t localRequests() const { return local_requests_.size(); }
  // An asynchronous send failure the transport reports later (a TCP connect
  // that failed): every branch still waiting on that destination ends as 503.
  void onDestinationFailed(const Destination& destination);
  // New pool settings; requests already in progress keep the old snapshot.
  void setRouting(RoutingSnapshotPtr snapshot) { routing_ = std::move(snapshot); }
  const RoutingSnapshotPtr& routing() const { return routing_; }
  // Host names (lookup.h); nullptr: requests naming one are answered 503.
  void setLookup(HostLookup* lookup) { lookup_ = lookup; }
  HostLookup* lookup() const { return lookup_; }
  // Runs a task on this proxy's loop (asio::post in tandemd); callable from
  // any thread. Needed for Next::Suspend: without it nothing is suspended.
  using Post = std::function<void(std::function<void()>)>;
  void setPost(Post post) { post_ = std::move(post); }
  // A suspended request whose answer is in: its phase runs again.
  void resume(transaction::ServerId id);
  size_t suspended() const { return suspended_.size(); }

  const ProxyStats& stats() const { return stats_; }
  // The phases in their fixed order. Sanity, routing and a local service
  // answering for the server itself are the proxy's own; the server plugs
  // the authentication phase and a fuller local service (registrar, local
  // users) into their slots. A plugged phase outlives the proxy.
  enum Slot : size_t { kSanity, kHostAuthorization, kAuthentication, kRouting, kLocalService, kSlots };
  void setPhase(Slot slot, Phase* phase) { phases_[slot] = phase; }
  LocalServicePhase& builtinLocalService() { return local_service_; }

  // Requests this server originates itself (the presence agent's NOTIFYs):
  // `bytes` is the whole request, its top Via carrying a branch from
  // newBranch() (so the responses find this loop). One client transaction;
  // `done` runs once on this loop with the final status — the response's,
  // or 408 (timeout) / 503 (transport failure) with `response` null.
  // Provisional responses are not reported. False: not sent (done not kept).
  using LocalRequestDone = std::function<void(int status, const sip::Message* response)>;
  bool sendLocalRequest(std::string_view bytes, const Destination& to, LocalRequestDone done);
  std::string newBranch();
  const LocalIdentity& identity() const { return identity_; }
  transaction::TimePoint now() const { return now_; }

  // The answer to a request a phase deferred (Next::Defer), on this loop.
  // Ignored when the server transaction is gone.
  void respondDeferred(transaction::ServerId id, const LocalResponse& response);

  // Graceful stop: requests that would start a new server transaction are
  // answered 503 with a Warning (retransmissions of requests under way are
  // still absorbed by their transactions; ACK and CANCEL still pass).
  void setDraining() { draining_ = true; }
  // Forwarded requests still waiting for their final response (what a
  // graceful stop waits for).
  size_t pending() const;
  transaction::TransactionTable& table() { return table_; }

  // transaction::TransactionUser
  void onRequest(transaction::ServerId id, const sip::Message& request, const Destination& source) override;
  void onAck(const sip::Message& ack, const Destination& source, std::optional<transaction::ServerId> invite) override;
  void onResponse(transaction::ClientId id, const sip::Message& response) override;
  void onStrayResponse(const sip::Message& response, const Destination& source) override;
  void onTimeout(transaction::ClientId id) override;
  void onTimeout(transaction::ServerId id) override;
  void onTransportError(transaction::ClientId id, transaction::SendError error) override;
  void onTransportError(transaction::ServerId id, transaction::SendError error) override;
  void onTerminated(transaction::ClientId id) override;
  void onTerminated(transaction::ServerId id) override;

 private:
  struct Branch {
    transaction::ClientId client;
    Destination destination;
    int final_status = 0;              // 0 while no final response
    bool provisional = false;          // a 1xx came (a CANCEL may be sent, §9.1)
    bool cancel_wanted = false;        // CANCEL once a 1xx comes
    bool cancelled = false;            // CANCEL sent
    bool live = true;                  // the client transaction exists
    transaction::TimePoint timer_c{};  // INVITE: when Timer C fires
  };
  // The response context of one forwarded request (§16.7).
  struct ResponseContext {
    transaction::ServerId server;
    sip::Method method = sip::Method::Unknown;
    std::vector<Branch> branches;
    bool final_sent = false;
    bool cancelled = false;     // a CANCEL came from upstream
    int best_status = 0;        // of the best final response kept so far
    std::string best_response;  // its bytes, our Via popped; empty: synthesize best_status
    std::string best_warning;
  };
  static uint64_t key(transaction::TransactionId id) { return (uint64_t{id.generation} << 32) | id.index; }

  // The forward phase is forward() below, acting on the targets chosen.
  // `slot` is where to start, and on return the phase that decided.
  Next runPipeline(RequestContext& context, size_t& slot, size_t last_slot = kLocalService);
  // Acts on what the pipeline decided for server transaction `id`.
  void dispatch(transaction::ServerId id, RequestContext& context, Next next, size_t slot);
  // Resumer: the callback that resumes `id` on this loop.
  std::function<void()> wakeFor(transaction::ServerId id) override;
  void expireSuspended();
  void respondLocally(transaction::ServerId id, const sip::Message& request, const LocalResponse& response,
                      bool quiet = false);
  void forward(transaction::ServerId id, RequestContext& context);
  void cancelBranches(ResponseContext& response_context);
  void sendCancel(Branch& branch);
  void branchFinal(ResponseContext& response_context, Branch& branch, int status, std::string bytes,
                   std::string warning);
  void maybeFinish(ResponseContext& response_context);
  void relayUpstream(transaction::ServerId id, const sip::Message& response);
  void forwardStateless(const sip::Message& request, const Destination& source);
  void forwardStrayResponse(const sip::Message& response);
  std::string localTag();
  std::pair<ResponseContext*, Branch*> branchOf(transaction::ClientId id);

  transaction::Sender& sender_;
  const LocalIdentity& identity_;
  ProxySettings settings_;
  RoutingSnapshotPtr routing_;
  SanityPhase sanity_;
  RoutingPhase routing_phase_;
  LocalServicePhase local_service_;
  std::array<Phase*, kSlots> phases_{};
  transaction::TransactionTable table_;
  std::unordered_map<uint64_t, ResponseContext> contexts_;      // by server transaction
  std::unordered_map<uint64_t, transaction::ServerId> owners_;  // client transaction -> server transaction
  uint64_t sequence_ = 0;
  void runTimerC();
  // Per-source limits (throttle.h); false: answered 503.
  bool admit(transaction::ServerId id, const sip::Message& request, const Destination& source);

  // Requests waiting for a host-name lookup (Next::Suspend), by server
  // transaction: the context, the phase to run again, and since when.
  struct Suspended {
    std::unique_ptr<RequestContext> context;
    size_t slot = 0;
    RoutingSnapshotPtr routing;  // keeps the context's pointers into it valid
    transaction::TimePoint since{};
  };
  std::unordered_map<uint64_t, Suspended> suspended_;
  struct LocalRequest {
    Destination destination;
    LocalRequestDone done;
  };
  std::unordered_map<uint64_t, LocalRequest> local_requests_;  // by client transaction
  // The local request `id` ended with `status`: its callback runs (once).
  bool finishLocalRequest(transaction::ClientId id, int status, const sip::Message* response);
  HostLookup* lookup_ = nullptr;
  Post post_;

  bool draining_ = false;
  size_t deferred_ = 0;         // requests waiting for respondDeferred
  size_t invite_contexts_ = 0;  // response contexts of INVITEs (Timer C runs)
  Throttle throttle_;
  std::unordered_map<uint64_t, asio::ip::address> throttled_sources_;  // server transaction -> its source
  transaction::TimePoint now_{};
  transaction::TimePoint next_timer_c_scan_{};
  ProxyStats stats_;
};

}  // namespace tandem::proxy
