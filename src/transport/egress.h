#pragma once

// Egress: how one worker sends what it did not receive a ReplyHandle for —
// proxied requests and responses, retransmissions, ACKs (RFC 3261 §18.1,
// §18.2.2). One per worker, used only on that worker's thread; it touches
// only that worker's sockets (a send for another worker's connection goes
// through Workers::post to its owner: workerOf(ConnectionId)).
//
// The proxy, for each request it forwards:
//
//   TransportKind kind = egress.chooseTransport(size_with_via, route.transport, next_hop);
//   std::optional<Endpoint> via = egress.localEndpoint(kind, next_hop);   // Via sent-by, Record-Route
//   ... write the Via (SIP/2.0/<kind> <via>) ...
//   Status<SendError> sent = egress.send(bytes, Destination{next_hop, kind, {}}, token);
//
// and the transaction layer's Sender is an adapter over send() (the two
// Destination types are field for field the same).
//
// Where the bytes leave from. UDP: from this worker's socket of the first
// UDP [[connections]] entry whose address family fits the peer (all workers'
// sockets share the address and port), so the peer sees the configured
// address and port and can authorize Tandem by source IP. TCP: on a
// connection to that peer if this worker has one — accepted or opened, or
// the one the Destination names — else on a new connection bound to the
// address of the first TCP entry that fits ("*": the kernel picks).

#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "transport/connection_table.h"
#include "transport/endpoint.h"

namespace tandem::transport {

class UdpListener;
class TcpListener;

class Egress {
 public:
  Egress(ConnectionTable& table, const std::vector<std::shared_ptr<UdpListener>>& udp,
         const std::vector<std::shared_ptr<TcpListener>>& tcp);

  // Sends (queues) one whole message. OK: the bytes were handed to the UDP
  // socket, or queued on a connection (open or being made). A stream failure
  // found out later — connect refused or timed out, reset, closed with the
  // bytes unwritten — is reported once through onSendFailed() with `token`;
  // a failure returned here is not reported again.
  // The callback never runs inside send(). A Destination naming a
  // connection this worker does not have (closed, or another worker's: post
  // to workerOf(id) instead) falls back to the endpoint, as if none were named.
  Status<SendError> send(std::string_view bytes, const Destination& to, SendToken token = 0);

  // Where asynchronous failures go (the transaction layer turns them into a
  // 503 / transport error, RFC 3261 §8.1.3.1, §16.7). Set it before sending.
  void onSendFailed(SendFailureCallback callback);

  // RFC 3261 §18.1.1: the transport a REQUEST of `message_size` bytes
  // (counted with the Via it will carry: "UDP" and "TCP" are the same length)
  // goes over. A request over Limits::udp_mtu_limit (1300) bytes that would go
  // over UDP goes over TCP when a TCP connection entry can reach `remote`;
  // anything else stays `requested`. Decide BEFORE writing the Via, which
  // must name the transport used. Responses keep the transport of their
  // request (§18.2.2) and do not ask.
  TransportKind chooseTransport(size_t message_size, TransportKind requested, const Endpoint& remote) const;

  // The address and port Tandem names itself by toward `remote` over
  // `transport` — Via sent-by (§18.1.1) and Record-Route: the listening port
  // of the connection entry send() would use, with its address, or for "*"
  // the local address the kernel uses toward `remote` (that of the open
  // connection to it, else a connected UDP probe socket's, cached). Absent:
  // no entry of `transport` can reach `remote`.
  std::optional<Endpoint> localEndpoint(TransportKind transport, const Endpoint& remote);

  // RFC 5923: after the TU has validated the peer (Via ;alias, RFC 5922 for
  // TLS), sends to `remote` may reuse connection `id` too. False: no such
  // open connection on this worker.
  bool addAlias(ConnectionId id, const Endpoint& remote) { return table_->alias(id, remote); }

 private:
  Status<SendError> sendUdp(std::string_view bytes, const Endpoint& to);
  Status<SendError> sendTcp(std::string_view bytes, const Destination& to, SendToken token);
  UdpListener* udpFor(const asio::ip::address& remote) const;
  TcpListener* tcpFor(const asio::ip::address& remote) const;
  std::optional<asio::ip::address> sourceToward(const asio::ip::address& remote);

  ConnectionTable* table_;
  const std::vector<std::shared_ptr<UdpListener>>* udp_;
  const std::vector<std::shared_ptr<TcpListener>>* tcp_;
  std::unordered_map<asio::ip::address, asio::ip::address> sources_;  // remote -> local, for "*" entries
};

}  // namespace tandem::transport
