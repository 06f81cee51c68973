#include "proxy/identity.h"

#include <asio/ip/address.hpp>
#include <optional>

#include "sip/message.h"

namespace tandem::proxy {
namespace {

// A URI or Via host as an address: brackets stripped; nullopt for names.
std::optional<asio::ip::address> hostAddress(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  asio::error_code ec;
  const asio::ip::address address = asio::ip::make_address(std::string(host), ec);
  if (ec) {
    return std::nullopt;
  }
  return address;
}

}  // namespace

LocalIdentity::LocalIdentity(std::string fqdn, std::vector<LocalAddress> addresses)
    : fqdn_(std::move(fqdn)), addresses_(std::move(addresses)) {}

bool LocalIdentity::isLocal(std::string_view host, uint16_t port) const {
  const auto address = hostAddress(host);
  if (!address) {
    if (!sip::equalsIgnoreCase(host, fqdn_)) {
      return false;
    }
    if (port == 0) {
      return true;  // our name without a port: us, whatever port we listen on
    }
  }
  for (const LocalAddress& local : addresses_) {
    const uint16_t wanted = port != 0 ? port : (local.transport == transport::TransportKind::Tls ||
                                                        local.transport == transport::TransportKind::Mtls
                                                    ? 5061
                                                    : 5060);
    if (local.endpoint.port != wanted) {
      continue;
    }
    if (!address || *address == local.endpoint.address) {
      return true;
    }
  }
  return false;
}

transport::Endpoint LocalIdentity::localFor(transport::TransportKind transport,
                                            const transport::Endpoint& remote) const {
  if (resolver_) {
    if (auto source = resolver_(transport, remote)) {
      return *source;
    }
  }
  const LocalAddress* fallback = nullptr;
  for (const LocalAddress& local : addresses_) {
    if (local.transport != transport) {
      continue;
    }
    if (local.endpoint.address.is_v4() == remote.address.is_v4()) {
      return local.endpoint;
    }
    fallback = fallback != nullptr ? fallback : &local;
  }
  if (fallback != nullptr) {
    return fallback->endpoint;
  }
  return addresses_.empty() ? transport::Endpoint{} : addresses_.front().endpoint;
}

std::string hostPort(const transport::Endpoint& endpoint) { return transport::toString(endpoint); }

std::string_view viaTransport(transport::TransportKind kind) {
  switch (kind) {
    case transport::TransportKind::Udp:
      return "UDP";
    case transport::TransportKind::Tcp:
      return "TCP";
    case transport::TransportKind::Tls:
    case transport::TransportKind::Mtls:
      return "TLS";
  }
  return "UDP";
}

}  // namespace tandem::proxy
