#include "transaction/transaction_table.h"

#include <algorithm>
#include <utility>

#include "sip/headers.h"
#include "transaction/messages.h"

namespace tandem::transaction {
namespace {

uint64_t cookieOf(uint32_t index, TimerRole role) { return (uint64_t{index} << 1) | static_cast<uint64_t>(role); }

// The To tag of a response (RFC 2543 ACK matching, §17.2.3); "" when absent.
std::string toTagOf(std::string_view response) {
  auto message = sip::Message::parse(response, sip::Framing::Datagram);
  if (!message) {
    return {};
  }
  const sip::HeaderField* to = message->find(sip::HeaderId::To);
  if (to == nullptr) {
    return {};
  }
  const auto address = sip::parseNameAddr(to->value, sip::HeaderId::To);
  return address ? std::string(address->tag().value_or("")) : std::string();
}

std::optional<uint32_t> cseqNumberOf(const sip::Message& request) {
  const sip::HeaderField* field = request.find(sip::HeaderId::CSeq);
  if (field == nullptr) {
    return std::nullopt;
  }
  const auto cseq = sip::parseCSeq(field->value);
  if (!cseq || cseq->method != request.method() || cseq->method_name != request.methodName()) {
    return std::nullopt;
  }
  return cseq->number;
}

}  // namespace

TransactionTable::Entry::~Entry() {
  if (--table_.depth_ == 0) {
    table_.reap();
  }
}

TransactionTable::TransactionTable(Sender& sender, TransactionUser& user, TimePoint start, TimerConfig timers,
                                   WheelConfig wheel)
    : sender_(sender), user_(user), timers_(timers), clients_(pool_), servers_(pool_), wheel_(start, *this, wheel) {}

TransactionTable::~TransactionTable() = default;

// ---------------------------------------------------------------------------
// Entry points

Status<TransactionError> TransactionTable::onMessage(Incoming&& incoming) {
  Entry entry(*this);
  if (incoming.message.isRequest()) {
    return onRequest(incoming);
  }
  return onResponse(incoming);
}

Status<TransactionError> TransactionTable::onRequest(Incoming& incoming) {
  const sip::Message& request = incoming.message;
  const auto key = requestKey(request);
  if (!key) {
    return fail(key.error());
  }
  const bool ack = request.method() == sip::Method::Ack;
  Transaction* existing = servers_.find(key->hash, [&](const Transaction& candidate) {
    return serverMatches(candidate.key, *key, ack, candidate.response_to_tag);
  });
  if (existing != nullptr) {
    EventData data{.message = &request, .source = &incoming.source};
    dispatch(*existing, ack ? Event::Ack : Event::Request, data);
    return {};
  }
  if (ack) {
    user_.onAck(request, incoming.source, std::nullopt);
    return {};
  }
  const Destination& reply_to = incoming.reply_to ? *incoming.reply_to : incoming.source;
  Transaction& created = create(kindFor(request.method(), false), std::move(incoming.message), *key, reply_to);
  created.source = incoming.source;
  EventData data;
  dispatch(created, Event::Start, data);
  return {};
}

Status<TransactionError> TransactionTable::onResponse(const Incoming& incoming) {
  const sip::Message& response = incoming.message;
  const auto key = responseKey(response);
  if (!key) {
    return fail(key.error());
  }
  Transaction* client =
      clients_.find(key->hash, [&](const Transaction& candidate) { return clientMatches(candidate.key, *key); });
  if (client == nullptr) {
    user_.onStrayResponse(response, incoming.source);
    return {};
  }
  EventData data{.message = &response, .source = &incoming.source};
  dispatch(*client, eventForStatus(client->kind, response.statusCode()), data);
  return {};
}

Result<ClientId, TransactionError> TransactionTable::startClient(sip::Message&& request, const Destination& next_hop) {
  Entry entry(*this);
  if (request.isRequest() && request.method() == sip::Method::Ack) {
    return fail(TransactionError::NotATransaction);
  }
  auto key = requestKey(request);
  const std::optional<uint32_t> cseq = request.isRequest() ? cseqNumberOf(request) : std::nullopt;
  if (!key || !key->rfc3261 || !cseq) {
    return fail(TransactionError::Malformed);
  }
  key->cseq = *cseq;
  if (clients_.find(key->hash, [&](const Transaction& other) { return clientMatches(other.key, *key); })) {
    return fail(TransactionError::DuplicateBranch);
  }
  Transaction& created = create(kindFor(request.method(), true), std::move(request), *key, next_hop);
  const TransactionId id = created.id;
  EventData data{.caller_reports = true};
  dispatch(created, Event::Start, data);
  if (data.send_failed) {
    created.notify_terminated = false;  // terminated by the TransportError transition
    return fail(TransactionError::TransportError);
  }
  return ClientId{id};
}

Result<ClientId, TransactionError> TransactionTable::startClient(std::string_view request,
                                                                 const Destination& next_hop) {
  auto message = sip::Message::parse(request, sip::Framing::Datagram);
  if (!message) {
    return fail(TransactionError::Malformed);
  }
  return startClient(std::move(message).value(), next_hop);
}

Status<TransactionError> TransactionTable::respond(ServerId id, std::string response) {
  Entry entry(*this);
  Transaction* server = liveTransaction(id.id, false);
  if (server == nullptr) {
    return fail(TransactionError::UnknownTransaction);
  }
  const int status = statusOf(response);
  if (status == 0) {
    return fail(TransactionError::Malformed);
  }
  EventData data{.response = &response, .caller_reports = true};
  if (!dispatch(*server, eventForStatus(server->kind, status), data)) {
    return fail(TransactionError::NotAllowedInState);
  }
  if (data.send_failed) {
    return fail(TransactionError::TransportError);
  }
  return {};
}

std::optional<ServerId> TransactionTable::findInviteForCancel(const sip::Message& cancel) const {
  const auto key = requestKey(cancel);
  if (!key || cancel.method() != sip::Method::Cancel) {
    return std::nullopt;
  }
  const MatchKey invite = inviteKeyForCancel(*key);
  const Transaction* found = servers_.find(
      invite.hash, [&](const Transaction& candidate) { return serverMatches(candidate.key, invite, false, {}); });
  if (found == nullptr || found->kind != Kind::InviteServer) {
    return std::nullopt;
  }
  return ServerId{found->id};
}

Status<TransactionError> TransactionTable::terminate(ClientId id) {
  Entry entry(*this);
  Transaction* transaction = liveTransaction(id.id, true);
  if (transaction == nullptr) {
    return fail(TransactionError::UnknownTransaction);
  }
  retire(*transaction);
  return {};
}

Status<TransactionError> TransactionTable::terminate(ServerId id) {
  Entry entry(*this);
  Transaction* transaction = liveTransaction(id.id, false);
  if (transaction == nullptr) {
    return fail(TransactionError::UnknownTransaction);
  }
  retire(*transaction);
  return {};
}

void TransactionTable::advanceTo(TimePoint now) {
  Entry entry(*this);
  wheel_.advanceTo(now);
}

void TransactionTable::onTimer(TimerNode& node) {
  Transaction& transaction = pool_.at(static_cast<uint32_t>(node.cookie >> 1));
  const auto role = static_cast<TimerRole>(node.cookie & 1);
  EventData data;
  dispatch(transaction, role == TimerRole::Retransmit ? Event::RetransmitTimer : Event::LifetimeTimer, data);
}

// ---------------------------------------------------------------------------
// Inspection

Transaction* TransactionTable::liveTransaction(TransactionId id, bool client) {
  Transaction* transaction = pool_.find(id);
  if (transaction == nullptr || isClient(transaction->kind) != client || transaction->state == State::Terminated) {
    return nullptr;
  }
  return transaction;
}

const Transaction* TransactionTable::liveTransaction(TransactionId id, bool client) const {
  return const_cast<TransactionTable*>(this)->liveTransaction(id, client);
}

std::optional<State> TransactionTable::state(ClientId id) const {
  const Transaction* transaction = liveTransaction(id.id, true);
  return transaction != nullptr ? std::optional(transaction->state) : std::nullopt;
}

std::optional<State> TransactionTable::state(ServerId id) const {
  const Transaction* transaction = liveTransaction(id.id, false);
  return transaction != nullptr ? std::optional(transaction->state) : std::nullopt;
}

const sip::Message* TransactionTable::request(ClientId id) const {
  const Transaction* transaction = pool_.find(id.id);
  return transaction != nullptr && isClient(transaction->kind) ? &*transaction->request : nullptr;
}

const sip::Message* TransactionTable::request(ServerId id) const {
  const Transaction* transaction = pool_.find(id.id);
  return transaction != nullptr && !isClient(transaction->kind) ? &*transaction->request : nullptr;
}

// ---------------------------------------------------------------------------
// Life cycle

Transaction& TransactionTable::create(Kind kind, sip::Message&& request, const MatchKey& key, const Destination& peer) {
  Transaction& transaction = pool_.acquire();
  transaction.kind = kind;
  transaction.state = initialState(kind);
  transaction.peer = peer;
  transaction.request = std::make_unique<sip::Message>(std::move(request));  // the key's views move with the buffer
  transaction.key = key;
  transaction.retransmit_timer.cookie = cookieOf(transaction.id.index, TimerRole::Retransmit);
  transaction.lifetime_timer.cookie = cookieOf(transaction.id.index, TimerRole::Lifetime);
  (isClient(kind) ? clients_ : servers_).insert(transaction);
  return transaction;
}

// Terminated: no timer, no longer matched; destroyed when the outermost
// call returns.
void TransactionTable::retire(Transaction& transaction) {
  transaction.state = State::Terminated;
  wheel_.cancel(transaction.retransmit_timer);
  wheel_.cancel(transaction.lifetime_timer);
  (isClient(transaction.kind) ? clients_ : servers_).erase(transaction);
  doomed_.push_back(transaction.id);
}

void TransactionTable::reap() {
  ++depth_;                                      // onTerminated may call in again: reap here, not recursively
  for (size_t i = 0; i < doomed_.size(); ++i) {  // in order; callbacks may append
    const TransactionId id = doomed_[i];
    Transaction* transaction = pool_.find(id);
    if (transaction == nullptr) {
      continue;
    }
    const bool client = isClient(transaction->kind);
    const bool notify = transaction->notify_terminated;
    pool_.release(*transaction);
    if (notify && client) {
      user_.onTerminated(ClientId{id});
    } else if (notify) {
      user_.onTerminated(ServerId{id});
    }
  }
  doomed_.clear();
  --depth_;
}

// ---------------------------------------------------------------------------
// The interpreter

// Runs one transition: state and timers first (so a TU called back sees the
// new state), then the sends, then the TU callbacks, then what follows from
// them: a failed send (TransportError) or a lifetime timer of zero.
bool TransactionTable::dispatch(Transaction& transaction, Event event, EventData& data) {
  const Transition* transition = findTransition(transaction.kind, transaction.state, event);
  if (transition == nullptr) {
    return false;
  }
  const TransactionId id = transaction.id;
  const uint32_t steps = ++transaction.steps;
  bool zero_lifetime = false;
  if (transition->to == State::Terminated) {
    retire(transaction);
  } else {
    transaction.state = transition->to;
    zero_lifetime = applyTimers(transaction, *transition);
  }
  runSends(transaction, transition->actions, data);
  notify(transaction, event, transition->actions, data);
  followUp(id, steps, zero_lifetime, data);
  return true;
}

bool TransactionTable::applyTimers(Transaction& transaction, const Transition& transition) {
  applyRetransmit(transaction, transition.retransmit);
  const Lifetime lifetime = transition.lifetime;
  if (lifetime.op == Lifetime::Op::Keep) {
    return false;
  }
  wheel_.cancel(transaction.lifetime_timer);
  if (lifetime.op == Lifetime::Op::Stop || (lifetime.timer == TimerName::Trying && !timers_.send_trying)) {
    return false;
  }
  const Duration duration = initialDuration(lifetime.timer, transaction.peer.reliable(), timers_);
  if (duration <= Duration{0}) {
    return true;
  }
  wheel_.schedule(transaction.lifetime_timer, duration);
  return false;
}

// Timers A, E, G: unreliable transports only (§17.1.1.2, §17.1.2.2, §17.2.1).
void TransactionTable::applyRetransmit(Transaction& transaction, Retransmit rule) {
  if (rule == Retransmit::Keep) {
    return;
  }
  if (rule == Retransmit::Stop || transaction.peer.reliable()) {
    wheel_.cancel(transaction.retransmit_timer);
    return;
  }
  Duration& interval = transaction.interval;
  switch (rule) {
    case Retransmit::Start:
      interval = timers_.t1;
      break;
    case Retransmit::Double:
      interval *= 2;
      break;
    case Retransmit::DoubleToT2:
      interval = std::min(interval * 2, timers_.t2);
      break;
    case Retransmit::AtT2:
      interval = timers_.t2;
      break;
    case Retransmit::Keep:
    case Retransmit::Stop:
      break;
  }
  wheel_.schedule(transaction.retransmit_timer, interval);
}

void TransactionTable::runSends(Transaction& transaction, uint8_t actions, EventData& data) {
  if ((actions & kTakeResponse) != 0) {
    takeResponse(transaction, *data.response);
  }
  if ((actions & kBuildAck) != 0) {
    transaction.outgoing = buildAck(*transaction.request, *data.message, transaction.key.cseq);
  }
  if ((actions & kBuildTrying) != 0) {
    transaction.outgoing = buildTrying(*transaction.request);
  }
  if ((actions & kSend) == 0 || transaction.wire().empty()) {
    return;
  }
  const auto sent = sender_.send(transaction.wire(), transaction.peer);
  if (!sent) {
    data.send_failed = sent.error();
  }
}

void TransactionTable::takeResponse(Transaction& transaction, std::string& response) {
  if (!transaction.key.rfc3261 && statusOf(response) >= 200) {
    transaction.response_to_tag = toTagOf(response);
  }
  transaction.outgoing = std::move(response);
}

// The TU callbacks. `transaction` is not touched after the first one (the TU
// may change it).
void TransactionTable::notify(Transaction& transaction, Event event, uint8_t actions, const EventData& data) {
  const TransactionId id = transaction.id;
  const bool client = isClient(transaction.kind);
  if ((actions & kPassUp) != 0) {
    passUp(transaction, event, data);
  }
  if ((actions & kReportTimeout) != 0) {
    client ? user_.onTimeout(ClientId{id}) : user_.onTimeout(ServerId{id});
  }
  if ((actions & kReportTransportError) != 0 && !data.caller_reports) {
    client ? user_.onTransportError(ClientId{id}, data.error) : user_.onTransportError(ServerId{id}, data.error);
  }
}

void TransactionTable::passUp(Transaction& transaction, Event event, const EventData& data) {
  if (isClient(transaction.kind)) {
    user_.onResponse(ClientId{transaction.id}, *data.message);
  } else if (event == Event::Ack) {
    user_.onAck(*data.message, *data.source, ServerId{transaction.id});
  } else {
    user_.onRequest(ServerId{transaction.id}, *transaction.request, transaction.source);
  }
}

// Unless a TU callback already moved the transaction on: a failed send is
// the TransportError event; a lifetime timer of zero (D, I, J, K on a
// reliable transport) fires now.
void TransactionTable::followUp(TransactionId id, uint32_t steps, bool zero_lifetime, const EventData& data) {
  Transaction* transaction = pool_.find(id);
  if (transaction == nullptr || transaction->steps != steps || transaction->state == State::Terminated) {
    return;
  }
  if (data.send_failed) {
    EventData failure{.caller_reports = data.caller_reports, .error = *data.send_failed};
    dispatch(*transaction, Event::TransportError, failure);
  } else if (zero_lifetime) {
    EventData expiry;
    dispatch(*transaction, Event::LifetimeTimer, expiry);
  }
}

}  // namespace tandem::transaction
