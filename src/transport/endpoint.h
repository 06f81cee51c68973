#pragma once

// Value types of the transport layer: which transport, which address and port.
// They do not depend on the configuration: the server maps its config onto them.

#include <asio/ip/address.hpp>
#include <cstdint>
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

// Unique per process: names a TCP/TLS connection in logs and reply handles.
using ConnectionId = uint64_t;

}  // namespace tandem::transport
