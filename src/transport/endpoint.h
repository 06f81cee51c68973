#pragma once

// Value types of the transport layer: which transport, which address and port,
// which connection, where bytes go and why they could not. They do not depend
// on the configuration: the server maps its config onto them.

#include <asio/ip/address.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::transport {

enum class TransportKind : uint8_t { Udp, Tcp, Tls, Mtls };

// "udp", "tcp", "tls", "mtls" (lower case, as in the server file).
std::string_view transportName(TransportKind kind);
// Reliable (stream) transports answer on the connection the request came on.
inline bool isStream(TransportKind kind) { return kind != TransportKind::Udp; }

// An IP address and port. IPv4 peers of a dual-stack socket are shown and
// compared as IPv4 (the v4-mapped form never leaves the transport).
struct Endpoint {
  asio::ip::address address;
  uint16_t port = 0;

  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

// "192.0.2.1:5060", "[2001:db8::1]:5060".
std::string toString(const Endpoint& endpoint);

struct EndpointHash {
  size_t operator()(const Endpoint& endpoint) const {
    return std::hash<asio::ip::address>()(endpoint.address) * 31 + endpoint.port;
  }
};

// Names a TCP/TLS connection in reply handles and Destinations. Unique per
// process: the worker (event loop) that owns the connection is in the top
// kWorkerBits bits, so a caller on another worker knows where to post a send
// (Workers::post), and below it the connection's number, counted across the
// process (1, 2, 3, ... as logs show it: connectionNumber). 0 is never a
// connection (UDP).
using ConnectionId = uint64_t;
inline constexpr unsigned kWorkerBits = 12;  // up to 4096 workers
inline constexpr unsigned kSequenceBits = 64 - kWorkerBits;
inline size_t workerOf(ConnectionId id) { return static_cast<size_t>(id >> kSequenceBits); }
inline uint64_t connectionNumber(ConnectionId id) { return id & ((uint64_t{1} << kSequenceBits) - 1); }
inline ConnectionId makeConnectionId(size_t worker, uint64_t number) {
  return (static_cast<ConnectionId>(worker) << kSequenceBits) | number;
}

// Where bytes go. Field for field the same as transaction::Destination (the
// transaction layer's Sender adapter copies one into the other; transport/
// may not include transaction/).
struct Destination {
  Endpoint endpoint;
  TransportKind transport = TransportKind::Udp;
  // Streams: the connection to write on (a received request's connection,
  // RFC 3261 §18.2.2). Absent — or gone — the sender reuses a connection to
  // `endpoint` or opens one.
  std::optional<ConnectionId> connection;

  friend bool operator==(const Destination&, const Destination&) = default;
};

// Why bytes were not sent. Returned by a send when known at once, reported
// later (Egress::onSendFailed) when found out on the connection.
enum class SendError : uint8_t {
  NoConnectionSpec,  // no [[connections]] entry of this transport can reach the peer's address family
  Failed,            // the socket refused the bytes (buffer full, unreachable, ...)
  ConnectFailed,     // the connection could not be made (refused, unreachable)
  ConnectTimeout,    // the connection was not made within Limits::tcp_connect_timeout
  ConnectionClosed,  // the connection closed (reset, idle, peer stopped reading) before the bytes were written
  QueueFull,         // the connection's queue is at its bound (connecting, or a peer that does not read)
  TooLarge,          // over Limits::max_message_size
};
std::string_view describe(SendError error);

// Chosen by the caller of a send and handed back with its failure, to find
// what the bytes were (e.g. a client transaction). 0 when the caller does not care.
using SendToken = uint64_t;

}  // namespace tandem::transport
