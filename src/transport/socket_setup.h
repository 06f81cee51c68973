#pragma once

// Opening and binding listening sockets (UDP sockets and TCP acceptors alike),
// and the one-line text of what went wrong. Internal to transport/.

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

// Opens `socket` (a datagram socket or an acceptor of `Protocol`) and binds it
// to `address` ("*" or an IP literal) and `port`.
template <class Protocol, class Socket>
asio::error_code openAndBind(Socket& socket, std::string_view address, uint16_t port) {
  auto attempt = [&](const asio::ip::address& ip, bool v6_only) {
    asio::error_code ec;
    if (socket.is_open()) {
      socket.close(ec);
    }
    const typename Protocol::endpoint endpoint(ip, port);
    socket.open(endpoint.protocol(), ec);
    if (!ec && ip.is_v6()) {
      socket.set_option(asio::ip::v6_only(v6_only), ec);
    }
    if (!ec) {
      // TCP: restart while old connections sit in TIME_WAIT. Not SO_REUSEPORT:
      // a second server on the same port must fail, not share the traffic.
      socket.set_option(asio::socket_base::reuse_address(std::is_same_v<Protocol, asio::ip::tcp>), ec);
    }
    if (!ec) {
      socket.bind(endpoint, ec);
    }
    return ec;
  };
  if (address == "*") {
    asio::error_code ec = attempt(asio::ip::address_v6::any(), false);
    if (ec == asio::error::address_family_not_supported) {
      ec = attempt(asio::ip::address_v4::any(), false);
    }
    return ec;
  }
  asio::error_code ec;
  const asio::ip::address ip = asio::ip::make_address(std::string(address), ec);
  if (ec) {
    return asio::error::invalid_argument;
  }
  return attempt(ip, true);
}

}  // namespace tandem::transport::detail
