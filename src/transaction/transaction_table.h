#pragma once

// The transaction layer (RFC 3261 §17, RFC 6026): every client and server
// transaction of one event loop, their timers, and the matching of received
// messages to them.
//
//   TransactionTable table(sender, proxy, Clock::now());
//   // the transport hands up a message:
//   table.advanceTo(Clock::now());
//   table.onMessage({std::move(message), source});
//   // the proxy forwards a request / answers one:
//   auto branch = table.startClient(std::move(request), next_hop);
//   table.respond(server_id, sip::buildResponse(...));
//   // a periodic timer of one wheel tick while !table.idle():
//   table.advanceTo(Clock::now());
//
// What it does for the TU: absorbs request retransmissions (resending the
// last provisional or final response), retransmits requests and 3xx-6xx
// responses to INVITE over UDP, sends the ACK of a 3xx-6xx to INVITE hop by
// hop, sends 100 Trying for an INVITE the TU leaves unanswered for 200 ms,
// passes up every 2xx to INVITE (retransmissions included, RFC 6026) and the
// ACKs of 2xx, reports timeouts and transport errors, and keeps a finished
// transaction around for the RFC's wait time (D, I, J, K, L, M).
//
// Ownership: the table owns every transaction; the TU holds ids (see
// interfaces.h). One table per event loop: no locks, no exceptions; the clock
// is whatever advanceTo() is given, so tests run on a manual clock.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sip/message.h"
#include "transaction/interfaces.h"
#include "transaction/machines.h"
#include "transaction/timer_wheel.h"
#include "transaction/timers.h"
#include "transaction/transaction.h"

namespace tandem::transaction {

class TransactionTable : private TimerHandler {
 public:
  TransactionTable(Sender& sender, TransactionUser& user, TimePoint start, TimerConfig timers = {},
                   WheelConfig wheel = {});
  TransactionTable(const TransactionTable&) = delete;
  TransactionTable& operator=(const TransactionTable&) = delete;
  // Drops every transaction without callbacks (shutdown).
  ~TransactionTable() override;

  // A message from the transport. Requests: a retransmission goes to its
  // server transaction (§17.2.3), an ACK no transaction absorbs goes to
  // TU::onAck, anything else starts a server transaction (TU::onRequest).
  // Responses: to the matching client transaction (§17.1.3), else
  // TU::onStrayResponse. Malformed: no usable top Via / CSeq (the sanity
  // check before should have caught it); nothing was done.
  Status<TransactionError> onMessage(Incoming&& incoming);

  // Starts a client transaction and sends `request` to `next_hop`. The
  // request's top Via must carry a branch with the magic cookie, unique
  // among the client transactions for this method (a CANCEL reuses its
  // INVITE's branch). ACK is refused: ACKs of 2xx are sent by the TU
  // directly through the Sender. TransportError: the first send failed and
  // the transaction is gone (no callback follows).
  Result<ClientId, TransactionError> startClient(sip::Message&& request, const Destination& next_hop);
  Result<ClientId, TransactionError> startClient(std::string_view request, const Destination& next_hop);

  // Sends a response (one whole response message) on a server transaction:
  // any number of 1xx, then one 3xx-6xx or, for INVITE, any number of 2xx
  // (RFC 6026 Accepted). NotAllowedInState: the transaction is past that
  // point (a second final to a non-INVITE, a 1xx after the final ...).
  // Malformed: the bytes do not start with a status line. TransportError:
  // the send failed; the transaction terminates (§17.2.4) except in
  // Accepted, where the TU may still send other 2xx.
  Status<TransactionError> respond(ServerId id, std::string response);

  // The INVITE server transaction a CANCEL cancels (§9.2: the CANCEL's key
  // read with method INVITE), while it is not terminated.
  std::optional<ServerId> findInviteForCancel(const sip::Message& cancel) const;

  // Ends a transaction at once, without sending anything: its timers stop
  // and onTerminated follows. For the TU giving up (Timer C after a CANCEL
  // was not answered, §16.8; a request it will never answer).
  Status<TransactionError> terminate(ClientId id);
  Status<TransactionError> terminate(ServerId id);

  // Fires every timer due at or before `now` (see TimerWheel).
  void advanceTo(TimePoint now);
  TimePoint now() const { return wheel_.now(); }
  // No timer is running: the event loop need not tick.
  bool idle() const { return wheel_.empty(); }

  // Inspection. nullopt / nullptr for a stale id.
  std::optional<State> state(ClientId id) const;
  std::optional<State> state(ServerId id) const;
  const sip::Message* request(ClientId id) const;
  const sip::Message* request(ServerId id) const;
  size_t size() const { return pool_.live(); }
  const TimerWheel& wheel() const { return wheel_; }
  const TimerConfig& timers() const { return timers_; }

 private:
  // What an event carries into the interpreter, and what it reports back.
  struct EventData {
    const sip::Message* message = nullptr;                // the received message (response, ACK)
    const Destination* source = nullptr;                  // where it came from
    std::string* response = nullptr;                      // the TU's response (kTakeResponse)
    bool caller_reports = false;                          // a failed send is the caller's to report
    SendError error = SendError::Failed;                  // TransportError: what failed
    std::optional<SendError> send_failed = std::nullopt;  // out: the send of this event failed
  };
  // Counts nested public calls; the outermost one reaps terminated
  // transactions on the way out.
  class Entry {
   public:
    explicit Entry(TransactionTable& table) : table_(table) { ++table_.depth_; }
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;
    ~Entry();

   private:
    TransactionTable& table_;
  };

  void onTimer(TimerNode& node) override;
  Status<TransactionError> onRequest(Incoming& incoming);
  Status<TransactionError> onResponse(const Incoming& incoming);
  Transaction& create(Kind kind, sip::Message&& request, const MatchKey& key, const Destination& peer);
  Transaction* liveTransaction(TransactionId id, bool client);
  const Transaction* liveTransaction(TransactionId id, bool client) const;

  // The interpreter of machines.h: false when `event` has no transition in
  // the current state (it is discarded).
  bool dispatch(Transaction& transaction, Event event, EventData& data);
  bool applyTimers(Transaction& transaction, const Transition& transition);  // true: lifetime is zero
  void applyRetransmit(Transaction& transaction, Retransmit rule);
  void runSends(Transaction& transaction, uint8_t actions, EventData& data);
  void takeResponse(Transaction& transaction, std::string& response);
  void notify(Transaction& transaction, Event event, uint8_t actions, const EventData& data);
  void passUp(Transaction& transaction, Event event, const EventData& data);
  void followUp(TransactionId id, uint32_t steps, bool zero_lifetime, const EventData& data);
  void retire(Transaction& transaction);
  void reap();

  Sender& sender_;
  TransactionUser& user_;
  const TimerConfig timers_;
  TransactionPool pool_;
  TransactionIndex clients_;
  TransactionIndex servers_;
  std::vector<TransactionId> doomed_;  // terminated, to be reaped
  int depth_ = 0;
  // Declared last so it is destroyed first: it disarms the nodes that live
  // in the pool's records before those are destroyed.
  TimerWheel wheel_;
};

}  // namespace tandem::transaction
