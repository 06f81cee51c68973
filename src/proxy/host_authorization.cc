#include "proxy/host_authorization.h"

#include <spdlog/spdlog.h>

#include "proxy/lookup.h"

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

namespace {

// An IPv4 peer may reach a dual-stack socket as ::ffff:a.b.c.d.
asio::ip::address plainAddress(const asio::ip::address& source) {
  return source.is_v6() && source.to_v6().is_v4_mapped()
             ? asio::ip::address(asio::ip::make_address_v4(asio::ip::v4_mapped, source.to_v6()))
             : source;
}

dns::Query hostQuery(const HostEntry& entry) {
  dns::Query query;
  query.name = entry.host;
  query.addresses_only = true;
  return query;
}

bool resolvesTo(const dns::Answer& answer, const asio::ip::address& address) {
  for (const dns::Address& entry : answer.addresses) {
    if (entry.address == address) {
      return true;
    }
  }
  return false;
}

}  // namespace

const HostEntry* findHostCached(const std::vector<HostEntry>& entries, const asio::ip::address& source,
                                HostLookup* lookup) {
  if (const HostEntry* entry = findHost(entries, source)) {
    return entry;
  }
  const asio::ip::address plain = plainAddress(source);
  for (const HostEntry& entry : entries) {
    if (!entry.isFqdn()) {
      continue;
    }
    const dns::AnswerPtr answer = cachedOnly(lookup, hostQuery(entry));
    if (answer && resolvesTo(*answer, plain)) {
      return &entry;
    }
  }
  return nullptr;
}

const HostEntry* findHost(const std::vector<HostEntry>& entries, const asio::ip::address& source) {
  const asio::ip::address plain = plainAddress(source);
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
    // FQDN entries: the source is the host when the name resolves to it
    // (A/AAAA, cached with the records' TTL). A name that does not resolve
    // matches nothing (its requests are treated as anyone's).
    const asio::ip::address source = plainAddress(context.source.endpoint.address);
    for (const HostEntry& entry : snapshot->hosts) {
      if (!entry.isFqdn()) {
        continue;
      }
      const dns::AnswerPtr answer = resolve(context, hostQuery(entry));
      if (!answer) {
        return Next::Suspend;
      }
      if (answer->error.empty() && resolvesTo(*answer, source)) {
        host = &entry;
        break;
      }
    }
  }
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
