#pragma once

// This server's own addresses: what it writes in Via and Record-Route, and
// how it recognises a Route, Request-URI or Via that names it (§16.4, §16.3).

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "transport/endpoint.h"

namespace tandem::proxy {

struct LocalAddress {
  transport::TransportKind transport = transport::TransportKind::Udp;
  transport::Endpoint endpoint;  // an address this server receives on (wildcards expanded)
};

class LocalIdentity {
 public:
  // Where the transport says a message toward `remote` leaves from (for "*"
  // listeners, the address the kernel picks); nullopt: unknown.
  using SourceResolver =
      std::function<std::optional<transport::Endpoint>(transport::TransportKind, const transport::Endpoint&)>;

  LocalIdentity(std::string fqdn, std::vector<LocalAddress> addresses);

  // The addresses are known once the listeners are bound.
  void setAddresses(std::vector<LocalAddress> addresses) { addresses_ = std::move(addresses); }
  void setSourceResolver(SourceResolver resolver) { resolver_ = std::move(resolver); }
  // RFC 3261 §18.1.1: the transport a request of `size` bytes actually goes
  // over (UDP above the MTU limit becomes TCP where a TCP connection can
  // reach the next hop). Without a chooser the requested one is used.
  using TransportChooser = std::function<transport::TransportKind(size_t size, transport::TransportKind requested,
                                                                  const transport::Endpoint& remote)>;
  void setTransportChooser(TransportChooser chooser) { chooser_ = std::move(chooser); }
  transport::TransportKind chooseTransport(size_t size, transport::TransportKind requested,
                                           const transport::Endpoint& remote) const {
    return chooser_ ? chooser_(size, requested, remote) : requested;
  }

  const std::string& fqdn() const { return fqdn_; }
  // `host` (a URI or Via host, IPv6 with brackets) and `port` (0: the
  // default for the transport) name this server: the FQDN, or one of our
  // addresses on one of our ports.
  bool isLocal(std::string_view host, uint16_t port) const;
  // The address of ours to put in Via / Record-Route for `transport`,
  // preferring one in the family of `remote`. Falls back to the first.
  transport::Endpoint localFor(transport::TransportKind transport, const transport::Endpoint& remote) const;
  const std::vector<LocalAddress>& addresses() const { return addresses_; }

 private:
  std::string fqdn_;
  std::vector<LocalAddress> addresses_;
  SourceResolver resolver_;
  TransportChooser chooser_;
};

// "127.0.0.1:5060" or "[::1]:5060" for a Via sent-by or a URI host:port.
std::string hostPort(const transport::Endpoint& endpoint);
// "udp"/"tcp" as in a Via ("UDP") or a transport= parameter ("udp").
std::string_view viaTransport(transport::TransportKind kind);

}  // namespace tandem::proxy
