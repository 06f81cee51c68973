#include "proxy/host_authorization.h"

#include <spdlog/spdlog.h>

namespace tandem::proxy {

std::vector<HostEntry> hostEntries(const std::vector<config::AuthorizedHost>& hosts) {
  std::vector<HostEntry> out;
  out.reserve(hosts.size());
  for (const config::AuthorizedHost& host : hosts) {
    HostEntry entry;
    entry.host = host.host;
    entry.outbound_only = host.outbound_only;
    entry.throttle_as_server = host.throttle_as_server;
    entry.treat_as_authenticated = host.treat_as_authenticated;
    asio::error_code ec;
    std::string literal = host.host;
    if (literal.size() > 2 && literal.front() == '[' && literal.back() == ']') {
      literal = literal.substr(1, literal.size() - 2);
    }
    const asio::ip::address address = asio::ip::make_address(literal, ec);
    if (!ec) {
      entry.address = address;
    }
    out.push_back(std::move(entry));
  }
  return out;
}

const HostEntry* findHost(const std::vector<HostEntry>& entries, const asio::ip::address& source) {
  // An IPv4 peer may reach a dual-stack socket as ::ffff:a.b.c.d.
  const asio::ip::address plain =
      source.is_v6() && source.to_v6().is_v4_mapped()
          ? asio::ip::address(asio::ip::make_address_v4(asio::ip::v4_mapped, source.to_v6()))
          : source;
  for (const HostEntry& entry : entries) {
    if (!entry.address.is_unspecified() && entry.address == plain) {
      return &entry;
    }
  }
  return nullptr;
}

Next HostAuthorizationPhase::run(RequestContext& context) {
  const RoutingSnapshotPtr snapshot = snapshot_;
  if (!snapshot || snapshot->hosts.empty()) {
    return Next::Continue;
  }
  const HostEntry* host = findHost(snapshot->hosts, context.source.endpoint.address);
  if (host == nullptr) {
    return Next::Continue;
  }
  if (host->outbound_only) {
    spdlog::info("{} {} from {}: refused, the host is authorized outbound only", context.request.methodName(),
                 context.request.requestUri(), host->host);
    return context.respond(403, "Host " + host->host + " is authorized outbound only");
  }
  context.authorized_host = true;
  context.trusted = host->treat_as_authenticated;
  return Next::Continue;
}

}  // namespace tandem::proxy
