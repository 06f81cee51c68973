#pragma once

// The DNS servers of Resolver::Options: "IP", "IP:port" or "[v6]:port"
// (a bare IPv6 literal without brackets is taken whole, port 53).

#include <asio/ip/address.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace tandem::dns::detail {

struct Server {
  asio::ip::address address;
  uint16_t port = 53;
};

// The server, or why not: "'1.2.3' is not an IP address (\"IP\", \"IP:port\" or \"[v6]:port\")".
Result<Server, std::string> parseServer(std::string_view text);

// "127.0.0.1:53", "[::1]:5353".
std::string toString(const Server& server);

}  // namespace tandem::dns::detail
