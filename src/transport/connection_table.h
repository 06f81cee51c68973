#pragma once

// Every TCP connection of one worker — accepted by its listeners or opened by
// its Egress — by id and by remote endpoint, so a send reuses whichever
// exists (RFC 3261 §18.2.2; RFC 5923 in spirit). Also the worker's context
// for its connections: limits, the handler they deliver to, connection ids,
// and where send failures are reported. Internal to transport/; used on the
// worker's thread only.

#include <asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "transport/endpoint.h"
#include "transport/inbound.h"
#include "transport/listen_spec.h"

namespace tandem::transport {

class TcpConnection;

// Reported once per failed send, on the worker's thread, never from inside
// the send() call that queued the bytes.
using SendFailureCallback = std::function<void(const Destination& to, SendError error, SendToken token)>;

// Who may open connections to us (the pool's per-address connection limits
// and outbound_only hosts, decided above the transport). Called on the loop
// that accepted the connection, before anything is read from it; shared by
// every loop, so implementations are thread-safe.
class InboundGate {
 public:
  // True: `remote` may hold one more connection (counted until release()).
  // False: the connection is closed at once.
  virtual bool admit(const Endpoint& remote) = 0;
  virtual void release(const Endpoint& remote) = 0;

 protected:
  virtual ~InboundGate() = default;
};

class ConnectionTable : public std::enable_shared_from_this<ConnectionTable> {
 public:
  ConnectionTable(asio::io_context& io, size_t worker, const Limits& limits);

  asio::io_context& io() { return *io_; }
  const Limits& limits() const { return limits_; }
  MessageHandler& handler() { return *handler_; }
  void setHandler(MessageHandler& handler) { handler_ = &handler; }
  void setFailureCallback(SendFailureCallback callback) { on_failure_ = std::move(callback); }
  // The gate accepted connections pass (nullptr: every one is taken).
  void setInboundGate(InboundGate* gate) { gate_ = gate; }
  InboundGate* inboundGate() const { return gate_; }

  // The next connection's id: this worker's, numbered across the process (one
  // atomic increment per connection, none per message).
  ConnectionId nextId();

  // `listener`: the index of the listener that accepted it, or kOutbound.
  static constexpr size_t kOutbound = static_cast<size_t>(-1);
  void add(const std::shared_ptr<TcpConnection>& connection, size_t listener);
  // Called by a connection as it closes: drops it from every index.
  void forget(const TcpConnection& connection);
  // RFC 5923: `remote` (e.g. a validated Via sent-by with ;alias) reaches `id` too.
  bool alias(ConnectionId id, const Endpoint& remote);

  // An open (or connecting) connection that still takes new messages.
  TcpConnection* find(ConnectionId id) const;
  TcpConnection* findByRemote(TransportKind transport, const Endpoint& remote) const;

  size_t size() const { return by_id_.size(); }
  size_t count(size_t listener) const;

  // Closes every connection; failures are no longer reported.
  void closeAll(std::string_view why);

  // Posts the report of a failed send (dropped once closeAll ran).
  void reportFailure(const Destination& to, SendError error, SendToken token);

 private:
  struct Remote {
    Endpoint endpoint;
    TransportKind transport;
    friend bool operator==(const Remote&, const Remote&) = default;
  };
  struct RemoteHash {
    size_t operator()(const Remote& remote) const {
      return EndpointHash()(remote.endpoint) ^ static_cast<size_t>(remote.transport);
    }
  };
  struct Entry {
    std::shared_ptr<TcpConnection> connection;
    size_t listener;
    std::vector<Remote> remotes;  // the peer, then its aliases
  };
  void unindex(const Remote& remote, ConnectionId id);

  asio::io_context* io_;
  size_t worker_;
  Limits limits_;
  MessageHandler* handler_;  // a handler that drops everything until setHandler()
  SendFailureCallback on_failure_;
  InboundGate* gate_ = nullptr;
  bool closed_ = false;
  std::unordered_map<ConnectionId, Entry> by_id_;
  std::unordered_map<Remote, ConnectionId, RemoteHash> by_remote_;  // the newest connection wins
  std::unordered_map<size_t, size_t> per_listener_;
};

}  // namespace tandem::transport
