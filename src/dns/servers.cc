#include "dns/servers.h"

#include <algorithm>
#include <optional>
#include <system_error>

namespace tandem::dns::detail {
namespace {

std::optional<uint16_t> parsePort(std::string_view text) {
  if (text.empty() || text.size() > 5 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  unsigned value = 0;
  for (char c : text) {
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value < 1 || value > 65535) {
    return std::nullopt;
  }
  return static_cast<uint16_t>(value);
}

std::optional<asio::ip::address> parseAddress(std::string_view text, bool v6) {
  std::error_code ec;
  const asio::ip::address address = asio::ip::make_address(std::string(text), ec);
  if (ec || address.is_v6() != v6) {
    return std::nullopt;
  }
  return address;
}

}  // namespace

Result<Server, std::string> parseServer(std::string_view text) {
  const auto bad = [&] {
    return fail("'" + std::string(text) + "' is not a DNS server (\"IP\", \"IP:port\" or \"[v6]:port\")");
  };
  std::string_view host = text;
  std::optional<uint16_t> port = 53;
  bool v6 = false;
  if (text.starts_with('[')) {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return bad();
    }
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      port = rest.starts_with(':') ? parsePort(rest.substr(1)) : std::nullopt;
    }
    v6 = true;
  } else if (std::count(text.begin(), text.end(), ':') > 1) {
    v6 = true;  // a bare IPv6 literal
  } else if (const size_t colon = text.find(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = parsePort(text.substr(colon + 1));
  }
  const std::optional<asio::ip::address> address = parseAddress(host, v6);
  if (!address || !port) {
    return bad();
  }
  return Server{*address, *port};
}

std::string toString(const Server& server) {
  const std::string host = server.address.is_v6() ? "[" + server.address.to_string() + "]" : server.address.to_string();
  return host + ":" + std::to_string(server.port);
}

}  // namespace tandem::dns::detail
