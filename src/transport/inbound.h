#pragma once

// What the transport hands up: each received message with where it came from
// and a handle to answer it, and the bytes that did not parse.
//
// Threading: a listener and its connections live on one worker's
// asio::io_context (one event loop per core, each with its own SO_REUSEPORT
// sockets: worker.h). The handler is called on that loop's thread, and a
// ReplyHandle may be used only on it. Nothing on this path takes a lock.

#include <memory>
#include <string_view>

#include "sip/error.h"
#include "sip/message.h"
#include "transport/endpoint.h"

namespace tandem::transport {

// Something bytes can be sent on: a UDP socket or a TCP connection.
class Sender {
 public:
  virtual ~Sender() = default;
  // Queues `bytes`. A stream writes them on its connection (`to` is not used);
  // a datagram socket sends them to `to`. False when they were dropped.
  virtual bool send(std::string_view bytes, const Endpoint& to) = 0;
};

// Answers a received message. Cheap to copy; it does not keep a connection
// open (sending on a closed one returns false).
class ReplyHandle {
 public:
  ReplyHandle() = default;
  ReplyHandle(std::weak_ptr<Sender> sender, TransportKind transport)
      : sender_(std::move(sender)), transport_(transport) {}

  // Stream (RFC 3261 §18.2.2): written on the connection the request came on.
  // Datagram: sent from the socket that received the request to `to` (see
  // sip::responseTarget for the address rule).
  bool send(std::string_view bytes, const Endpoint& to) const {
    const std::shared_ptr<Sender> sender = sender_.lock();
    return sender != nullptr && sender->send(bytes, to);
  }
  bool isStream() const { return transport::isStream(transport_); }

 private:
  std::weak_ptr<Sender> sender_;
  TransportKind transport_ = TransportKind::Udp;
};

struct InboundMessage {
  sip::Message message;
  Endpoint source;  // the peer (IPv4 peers of dual-stack sockets as IPv4)
  Endpoint local;   // the connection's local address; for UDP the listener's bound address
  TransportKind transport = TransportKind::Udp;
  ConnectionId connection = 0;  // 0 for UDP; workerOf(connection) owns it
  ReplyHandle reply;
};

// Bytes that could not be taken as a message.
struct MalformedInput {
  // The datagram; for a stream the framed message, or the header section when
  // framing was lost (empty when not even that was found).
  std::string_view bytes;
  sip::Error error;  // the status to answer with and why
  Endpoint source;
  Endpoint local;
  TransportKind transport = TransportKind::Udp;
  ConnectionId connection = 0;
  ReplyHandle reply;
  // Stream framing is lost: the connection closes once what the handler sent
  // in answer is written.
  bool closing = false;
};

class MessageHandler {
 public:
  virtual ~MessageHandler() = default;
  virtual void onMessage(InboundMessage&& message) = 0;
  virtual void onMalformed(const MalformedInput& input) = 0;
};

}  // namespace tandem::transport
