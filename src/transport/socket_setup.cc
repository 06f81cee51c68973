#include "transport/socket_setup.h"

#include <cerrno>

namespace tandem::transport::detail {

std::string describe(const asio::error_code& ec) {
  if (ec == asio::error::address_in_use) {
    return "address in use";
  }
  if (ec.value() == EADDRNOTAVAIL) {
    return "address not available on this host";
  }
  if (ec == asio::error::access_denied || ec == asio::error::no_permission) {
    return "permission denied (ports below 1024 need CAP_NET_BIND_SERVICE)";
  }
  if (ec == asio::error::invalid_argument) {
    return "not a usable IP address";
  }
  return ec.message();
}

Endpoint normalize(const asio::ip::address& address, uint16_t port) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return Endpoint{asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()), port};
  }
  return Endpoint{address, port};
}

asio::ip::address toFamily(const asio::ip::address& address, bool v6_socket) {
  if (v6_socket && address.is_v4()) {
    return asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4());
  }
  return address;
}

}  // namespace tandem::transport::detail
