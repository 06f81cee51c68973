#include "transport/egress.h"

#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <asio/ip/udp.hpp>

#include "transport/socket_setup.h"
#include "transport/tcp_connection.h"
#include "transport/tcp_listener.h"
#include "transport/udp_listener.h"

namespace tandem::transport {
namespace {

constexpr size_t kMaxCachedSources = 1024;

// Can a socket bound to `target` reach `remote`? IPv4 sockets reach IPv4,
// IPv6 sockets IPv6, and dual-stack ("*") sockets both.
bool fits(const detail::BindTarget& target, const asio::ip::address& remote) {
  if (target.ip.is_v4()) {
    return remote.is_v4();
  }
  return remote.is_v6() || !target.v6_only;
}

template <class Listener>
Listener* firstFitting(const std::vector<std::shared_ptr<Listener>>& listeners, const asio::ip::address& remote) {
  for (const auto& listener : listeners) {
    if (fits(listener->target(), remote)) {
      return listener.get();
    }
  }
  return nullptr;
}

}  // namespace

Egress::Egress(ConnectionTable& table, const std::vector<std::shared_ptr<UdpListener>>& udp,
               const std::vector<std::shared_ptr<TcpListener>>& tcp)
    : table_(&table), udp_(&udp), tcp_(&tcp) {}

void Egress::onSendFailed(SendFailureCallback callback) { table_->setFailureCallback(std::move(callback)); }

UdpListener* Egress::udpFor(const asio::ip::address& remote) const { return firstFitting(*udp_, remote); }

TcpListener* Egress::tcpFor(const asio::ip::address& remote) const { return firstFitting(*tcp_, remote); }

Status<SendError> Egress::send(std::string_view bytes, const Destination& to, SendToken token) {
  if (bytes.size() > table_->limits().max_message_size) {
    return fail(SendError::TooLarge);
  }
  switch (to.transport) {
    case TransportKind::Udp:
      return sendUdp(bytes, to.endpoint);
    case TransportKind::Tcp:
      return sendTcp(bytes, to, token);
    case TransportKind::Tls:
    case TransportKind::Mtls:
      break;  // arrives with the TLS issue
  }
  return fail(SendError::NoConnectionSpec);
}

Status<SendError> Egress::sendUdp(std::string_view bytes, const Endpoint& to) {
  const Endpoint remote = detail::normalize(to.address, to.port);
  UdpListener* udp = udpFor(remote.address);
  if (udp == nullptr) {
    return fail(SendError::NoConnectionSpec);
  }
  if (!udp->send(bytes, remote)) {
    return fail(SendError::Failed);
  }
  return {};
}

// RFC 3261 §18.1.1 / §18.2.2: reuse the named connection, else one to the
// same peer, else open one (RFC 5923 in spirit: accepted connections count).
Status<SendError> Egress::sendTcp(std::string_view bytes, const Destination& to, SendToken token) {
  const Endpoint remote = detail::normalize(to.endpoint.address, to.endpoint.port);
  TcpConnection* connection = to.connection ? table_->find(*to.connection) : nullptr;
  if (connection == nullptr) {
    connection = table_->findByRemote(TransportKind::Tcp, remote);
  }
  if (connection != nullptr) {
    return connection->send(bytes, token);
  }
  const TcpListener* entry = tcpFor(remote.address);
  if (entry == nullptr) {
    return fail(SendError::NoConnectionSpec);
  }
  if (table_->count(ConnectionTable::kOutbound) >= table_->limits().tcp_max_connections) {
    spdlog::warn("tcp: {} outbound connections open (limits.tcp_max_connections); not connecting to {}",
                 table_->count(ConnectionTable::kOutbound), toString(remote));
    return fail(SendError::Failed);
  }
  auto opened = std::make_shared<TcpConnection>(*table_, remote);
  if (Status<SendError> connecting = opened->connect(entry->target().ip); !connecting) {
    return connecting;
  }
  table_->add(opened, ConnectionTable::kOutbound);
  return opened->send(bytes, token);
}

TransportKind Egress::chooseTransport(size_t message_size, TransportKind requested, const Endpoint& remote) const {
  if (requested != TransportKind::Udp || message_size <= table_->limits().udp_mtu_limit) {
    return requested;
  }
  const Endpoint peer = detail::normalize(remote.address, remote.port);
  return tcpFor(peer.address) != nullptr ? TransportKind::Tcp : TransportKind::Udp;
}

std::optional<Endpoint> Egress::localEndpoint(TransportKind transport, const Endpoint& remote) {
  const Endpoint peer = detail::normalize(remote.address, remote.port);
  const detail::BindTarget* target = nullptr;
  Endpoint listening;
  if (transport == TransportKind::Udp) {
    if (const UdpListener* udp = udpFor(peer.address)) {
      target = &udp->target();
      listening = udp->localEndpoint();
    }
  } else if (transport == TransportKind::Tcp) {
    if (const TcpListener* tcp = tcpFor(peer.address)) {
      target = &tcp->target();
      listening = tcp->localEndpoint();
    }
  }
  if (target == nullptr) {
    return std::nullopt;
  }
  if (!target->ip.is_unspecified()) {
    return listening;
  }
  if (transport == TransportKind::Tcp) {
    const TcpConnection* open = table_->findByRemote(transport, peer);
    if (open != nullptr && !open->local().address.is_unspecified()) {
      return Endpoint{open->local().address, listening.port};
    }
  }
  const std::optional<asio::ip::address> source = sourceToward(peer.address);
  if (!source) {
    return std::nullopt;
  }
  return Endpoint{*source, listening.port};
}

// The local address the kernel picks toward `remote`: a connected UDP socket
// sends no packet, and getsockname() tells. Plain system calls: the probe
// never joins the event loop. Cached, since this is on the request path and
// routes seldom change.
std::optional<asio::ip::address> Egress::sourceToward(const asio::ip::address& remote) {
  if (const auto it = sources_.find(remote); it != sources_.end()) {
    return it->second;
  }
  const asio::ip::udp::endpoint toward(remote, 5060);
  const int probe = ::socket(toward.protocol().family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  asio::ip::udp::endpoint local;
  socklen_t length = static_cast<socklen_t>(local.capacity());
  const bool found = probe >= 0 && ::connect(probe, toward.data(), static_cast<socklen_t>(toward.size())) == 0 &&
                     ::getsockname(probe, local.data(), &length) == 0;
  if (probe >= 0) {
    ::close(probe);
  }
  if (!found) {
    spdlog::debug("no local address toward {}", remote.to_string());
    return std::nullopt;
  }
  local.resize(length);
  if (sources_.size() >= kMaxCachedSources) {
    sources_.clear();
  }
  const asio::ip::address source = detail::normalize(local.address(), 0).address;
  sources_.emplace(remote, source);
  return source;
}

}  // namespace tandem::transport
