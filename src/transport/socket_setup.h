#pragma once

// Opening and binding listening sockets (UDP sockets and TCP acceptors alike),
// and the one-line text of what went wrong. Internal to transport/.
//
// One event loop per core: every worker has its own socket for each
// configured connection, all bound to the same address and port with
// SO_REUSEPORT, and the kernel spreads datagrams and accepted connections
// across them by 4-tuple hash. A second server on the same address and port
// must still fail to start, not silently share the traffic. So the group's
// first socket binds WITHOUT SO_REUSEPORT — failing when anyone holds the
// address, with or without SO_REUSEPORT — and only then turns SO_REUSEPORT on
// for the other workers to join. It never lets go of the port, so there is no
// window between a check and the bind: another tandemd's first socket fails
// the same way. (Linux puts a socket that set SO_REUSEPORT after bind in the
// group like the others; WorkersTest checks it on the running kernel.)

#include <asio/error.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/socket_base.hpp>
#include <string>
#include <string_view>
#include <type_traits>

#include "transport/endpoint.h"

namespace tandem::transport::detail {

// "address in use", "address not available on this host", ...
std::string describe(const asio::error_code& ec);

// IPv4 peers of a dual-stack socket arrive as ::ffff:a.b.c.d; show them as IPv4.
Endpoint normalize(const asio::ip::address& address, uint16_t port);
// The other way: how an IPv4 peer is addressed from an IPv6 (dual-stack) socket.
asio::ip::address toFamily(const asio::ip::address& address, bool v6_socket);

// What a listening socket binds to: the spec's address resolved ("*" is
// [::] dual-stack, or 0.0.0.0 without IPv6), the port once known.
struct BindTarget {
  asio::ip::address ip;
  bool v6_only = true;
  uint16_t port = 0;
};

enum class BindMode {
  Exclusive,  // the group's first socket: bind, then SO_REUSEPORT on
  Join,       // every other worker's socket: SO_REUSEPORT on, then bind
};

using ReusePortOption = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// Opens `socket` (a datagram socket or an acceptor of `Protocol`) and binds it to `target`.
template <class Protocol, class Socket>
asio::error_code bindTo(Socket& socket, const BindTarget& target, BindMode mode) {
  asio::error_code ec;
  if (socket.is_open()) {
    socket.close(ec);
  }
  const typename Protocol::endpoint endpoint(target.ip, target.port);
  socket.open(endpoint.protocol(), ec);
  if (!ec && target.ip.is_v6()) {
    socket.set_option(asio::ip::v6_only(target.v6_only), ec);
  }
  if (!ec) {
    // TCP: restart while old connections sit in TIME_WAIT (SO_REUSEADDR does
    // not let a TCP socket share a listening port). Not for UDP, where it would.
    socket.set_option(asio::socket_base::reuse_address(std::is_same_v<Protocol, asio::ip::tcp>), ec);
  }
  if (!ec && mode == BindMode::Join) {
    socket.set_option(ReusePortOption(true), ec);
  }
  if (!ec) {
    socket.bind(endpoint, ec);
  }
  if (!ec && mode == BindMode::Exclusive) {
    socket.set_option(ReusePortOption(true), ec);
  }
  return ec;
}

// Binds the group's first socket to `address` ("*" or an IP literal) and
// `port` (0: any free port) and sets `bound` to what it bound (port resolved),
// for the other workers to join.
template <class Protocol, class Socket>
asio::error_code bindFirst(Socket& socket, std::string_view address, uint16_t port, BindTarget& bound) {
  auto attempt = [&](const BindTarget& target) {
    asio::error_code ec = bindTo<Protocol>(socket, target, BindMode::Exclusive);
    if (!ec) {
      bound = target;
      bound.port = socket.local_endpoint(ec).port();
    }
    return ec;
  };
  if (address == "*") {
    asio::error_code ec = attempt(BindTarget{asio::ip::address_v6::any(), false, port});
    if (ec == asio::error::address_family_not_supported) {
      ec = attempt(BindTarget{asio::ip::address_v4::any(), false, port});
    }
    return ec;
  }
  asio::error_code ec;
  const asio::ip::address ip = asio::ip::make_address(std::string(address), ec);
  if (ec) {
    return asio::error::invalid_argument;
  }
  return attempt(BindTarget{ip, true, port});
}

}  // namespace tandem::transport::detail
