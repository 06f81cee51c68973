#include "transport/endpoint.h"

#include <array>

namespace tandem::transport {

std::string_view transportName(TransportKind kind) {
  static constexpr std::array<std::string_view, 4> kNames = {"udp", "tcp", "tls", "mtls"};
  return kNames[static_cast<size_t>(kind)];
}

std::string toString(const Endpoint& endpoint) {
  const bool v6 = endpoint.address.is_v6();
  std::string out;
  out.reserve(48);
  out.append(v6 ? "[" : "").append(endpoint.address.to_string()).append(v6 ? "]:" : ":");
  out.append(std::to_string(endpoint.port));
  return out;
}

std::string_view describe(SendError error) {
  switch (error) {
    case SendError::NoConnectionSpec:
      return "no connection of this transport can reach the peer";
    case SendError::Failed:
      return "send failed";
    case SendError::ConnectFailed:
      return "connection refused or unreachable";
    case SendError::ConnectTimeout:
      return "connection timed out";
    case SendError::ConnectionClosed:
      return "connection closed";
    case SendError::QueueFull:
      return "connection queue full";
    case SendError::TooLarge:
      return "message too large";
  }
  return "send failed";
}

}  // namespace tandem::transport
