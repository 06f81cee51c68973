#pragma once

// How the transaction layer talks to the world: it sends bytes through a
// Sender and reports to a TransactionUser (RFC 3261 §17: the "TU" — for
// Tandem, the proxy core). Nothing else: no sockets, no clock, no threads.
//
// Handles. The TU names transactions by ClientId / ServerId: small values
// (slot index + generation) that stay valid from the callback or call that
// hands them out until onTerminated() for that id returns. A stale id is
// refused with TransactionError::UnknownTransaction, never dereferenced.
//
// Re-entrancy. Every callback may call back into the TransactionTable
// (respond, startClient, findInviteForCancel, ...). A transaction that
// terminates during a call is destroyed, and onTerminated() called, when the
// outermost table call returns — never under the TU's feet.
//
// Errors. Each error is reported once: a send that the caller triggered
// (startClient, respond) fails through the call's return value; a send the
// layer made on its own (retransmissions, the ACK of a non-2xx, a resent
// response) fails through onTransportError().

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/result.h"
#include "sip/message.h"
#include "transport/endpoint.h"

namespace tandem::transaction {

// Where bytes go (and, for received messages, where they came from).
struct Destination {
  transport::Endpoint endpoint;
  transport::TransportKind transport = transport::TransportKind::Udp;
  // Streams: the connection to write on (a received request's connection;
  // RFC 3261 §18.2.2). Absent: the Sender opens or reuses one to `endpoint`.
  std::optional<transport::ConnectionId> connection;

  // TCP and TLS: no retransmissions, and the "wait" timers D, I, J, K are
  // zero (RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2).
  bool reliable() const { return transport::isStream(transport); }

  friend bool operator==(const Destination&, const Destination&) = default;
};

enum class SendError : uint8_t {
  Failed,            // the socket refused the bytes (ICMP error, buffer full, ...)
  ConnectionClosed,  // the connection named is gone and no new one could be made
  TooLarge,          // over the transport's message size limit
};

class Sender {
 public:
  virtual ~Sender() = default;
  // Sends (queues) one whole message. Called on the event loop's thread.
  virtual Status<SendError> send(std::string_view bytes, const Destination& to) = 0;
};

enum class TransactionError : uint8_t {
  Malformed,           // no usable top Via (branch, sent-by) or CSeq
  NotATransaction,     // ACK (§17: it never starts a client transaction)
  DuplicateBranch,     // a client transaction with this branch and method exists
  UnknownTransaction,  // stale or wrong id
  NotAllowedInState,   // e.g. a second final response, a response that is not a response
  TransportError,      // the send this call made failed
};
std::string_view describe(TransactionError error);

struct TransactionId {
  uint32_t index = 0;
  uint32_t generation = 0;  // 0 is never issued
  friend bool operator==(const TransactionId&, const TransactionId&) = default;
};
// A client transaction (we sent the request).
struct ClientId {
  TransactionId id;
  friend bool operator==(const ClientId&, const ClientId&) = default;
};
// A server transaction (we received the request).
struct ServerId {
  TransactionId id;
  friend bool operator==(const ServerId&, const ServerId&) = default;
};

// A message as the transport hands it up.
struct Incoming {
  sip::Message message;
  Destination source;  // the peer, with the connection for streams
  // Where responses go (RFC 3261 §18.2.2 with RFC 3581: sip::responseTarget,
  // resolved); absent: `source`, which is right for streams and for rport.
  std::optional<Destination> reply_to;
};

class TransactionUser {
 public:
  virtual ~TransactionUser() = default;

  // A request that created a server transaction (every method but ACK;
  // CANCEL too — see TransactionTable::findInviteForCancel). `request` lives
  // until onTerminated(id).
  virtual void onRequest(ServerId id, const sip::Message& request, const Destination& source) = 0;
  // An ACK that no transaction absorbs: the ACK of a 2xx (a new transaction
  // end to end, RFC 3261 §17.1.1.3; RFC 6026 §8.7), forwarded by the TU.
  // `invite` is the INVITE server transaction in Accepted it matched, if any.
  virtual void onAck(const sip::Message& ack, const Destination& source, std::optional<ServerId> invite) = 0;
  // A response for a client transaction: every 1xx and final response, and
  // for INVITE every 2xx retransmission in Accepted (RFC 6026 §8.4).
  // Retransmitted non-2xx finals are absorbed.
  virtual void onResponse(ClientId id, const sip::Message& response) = 0;
  // A response that matches no client transaction (RFC 3261 §18.1.2).
  virtual void onStrayResponse(const sip::Message& response, const Destination& source) = 0;
  // Timer B or F fired: no final response (the TU acts as for a 408,
  // RFC 3261 §8.1.3.1, §16.8).
  virtual void onTimeout(ClientId id) = 0;
  // Timer H fired: the ACK for our 3xx-6xx never came (§17.2.1).
  virtual void onTimeout(ServerId id) = 0;
  // A send the layer made on its own failed (§17.1.4, §17.2.4).
  virtual void onTransportError(ClientId id, SendError error) = 0;
  virtual void onTransportError(ServerId id, SendError error) = 0;
  // The id is dead: its last callback. Not called for a startClient() that failed.
  virtual void onTerminated(ClientId id) = 0;
  virtual void onTerminated(ServerId id) = 0;
};

}  // namespace tandem::transaction
