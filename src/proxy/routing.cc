#include "proxy/routing.h"

#include <algorithm>
#include <asio/ip/address.hpp>

#include "sip/headers.h"

namespace tandem::proxy {
namespace {

std::optional<asio::ip::address> literalAddress(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  asio::error_code ec;
  const auto address = asio::ip::make_address(std::string(host), ec);
  if (ec) {
    return std::nullopt;
  }
  return address;
}

transport::TransportKind transportOf(std::string_view name, bool sips) {
  if (sip::equalsIgnoreCase(name, "tcp")) {
    return transport::TransportKind::Tcp;
  }
  if (sip::equalsIgnoreCase(name, "tls") || sips) {
    return transport::TransportKind::Tls;
  }
  return transport::TransportKind::Udp;
}

bool forThisServer(const LocalIdentity& identity, const sip::Uri& uri) {
  return uri.isSip() && identity.isLocal(uri.host, uri.port);
}

}  // namespace

const StaticRoute* matchRoute(const RoutingSnapshot& snapshot, const sip::Uri& uri) {
  const bool phone = uri.isPhone();
  for (const StaticRoute& route : snapshot.routes) {
    if (route.phone_uri && !phone) {
      continue;
    }
    if (!sip::equalsIgnoreCase(route.domain, uri.host)) {
      continue;
    }
    if (route.user != "*" && route.user != uri.user) {
      continue;
    }
    return &route;
  }
  return nullptr;
}

std::optional<Destination> uriDestination(const sip::Uri& uri) {
  if (!uri.isSip()) {
    return std::nullopt;
  }
  const std::string_view maddr = uri.maddr();
  const auto address = literalAddress(maddr.empty() ? uri.host : maddr);
  if (!address) {
    return std::nullopt;
  }
  Destination destination;
  destination.transport = transportOf(uri.transport(), uri.scheme == sip::UriScheme::Sips);
  const bool tls = destination.transport == transport::TransportKind::Tls;
  destination.endpoint = transport::Endpoint{*address, uri.has_port ? uri.port : uint16_t(tls ? 5061 : 5060)};
  return destination;
}

void RoutingPhase::takeOwnRoutes(RequestContext& context) const {
  const sip::Message& request = context.request;
  const auto routes = request.values(sip::HeaderId::Route);
  // Strict-router compatibility (§16.4): the previous hop put our URI in the
  // Request-URI; the real one is the last Route value.
  if (forThisServer(identity_, context.request_uri) && context.request_uri.user.empty() && !routes.empty()) {
    std::string_view last;
    for (std::string_view value : routes) {
      last = value;
    }
    if (auto address = sip::parseNameAddr(last, sip::HeaderId::Route); address.ok()) {
      context.strict_request_uri = std::string(address->uri_text);
      context.strict_route = last;
      context.routed_to_us = true;
    }
  }
  // Loose routing: our own values at the top (two of them when we
  // record-routed twice, one per interface).
  for (std::string_view value : routes) {
    auto address = sip::parseNameAddr(value, sip::HeaderId::Route);
    if (!address.ok() || !forThisServer(identity_, address->uri) || value.data() == context.strict_route.data()) {
      break;
    }
    context.own_routes.push_back(value);
    context.routed_to_us = true;
  }
}

Next RoutingPhase::toUri(RequestContext& context, const sip::Uri& uri, std::string_view what) const {
  auto destination = uriDestination(uri);
  if (!destination) {
    return context.respond(503, std::string(what) + " names a host name; DNS next hops are not resolved yet");
  }
  context.targets.push_back(Target{*destination, {}, {}});
  return Next::Forward;
}

Next RoutingPhase::byStaticRoute(RequestContext& context) const {
  const sip::Uri& uri = context.request_uri;
  const StaticRoute* route = snapshot_ ? matchRoute(*snapshot_, uri) : nullptr;
  if (route == nullptr) {
    if (snapshot_ && snapshot_->isLocalDomain(uri.host)) {
      return context.respond(404, "User does not exist");
    }
    return context.respond(404, "No user or static route for " + std::string(uri.host));
  }
  const auto address = literalAddress(route->next_hop);
  if (!address) {
    return context.respond(503, "Next hop " + route->next_hop + " cannot be resolved (FQDN next hops need DNS)");
  }
  // The bounce (federation.md §2.1): the peer the route points to sent us a
  // request for a user of a shared domain that is not homed here either. It
  // ends here; sending it back would ping-pong until Max-Forwards runs out.
  if (*address == context.source.endpoint.address && snapshot_->isLocalDomain(uri.host)) {
    return context.respond(404, "User does not exist");
  }
  Target target;
  target.destination.endpoint = transport::Endpoint{*address, route->port};
  target.destination.transport = route->transport;
  if (route->replace_host) {
    // Request-URI host replaced by the next hop (LCS "Replace host in request URI").
    const std::string_view raw = context.request.requestUri();
    const size_t host_at = static_cast<size_t>(uri.host.data() - raw.data());
    size_t host_end = host_at + uri.host.size();
    if (uri.has_port) {
      host_end = raw.find_first_of(";?>", host_end);
      host_end = host_end == std::string_view::npos ? raw.size() : host_end;
    }
    target.request_uri = std::string(raw.substr(0, host_at)) + route->next_hop + std::string(raw.substr(host_end));
  }
  context.targets.push_back(std::move(target));
  return Next::Forward;
}

Next RoutingPhase::run(RequestContext& context) {
  takeOwnRoutes(context);
  const sip::Message& request = context.request;
  // The first Route value that is not ours, if any, decides (§16.5).
  for (std::string_view value : request.values(sip::HeaderId::Route)) {
    const bool ours = std::any_of(context.own_routes.begin(), context.own_routes.end(),
                                  [&](std::string_view own) { return own.data() == value.data(); });
    if (ours || value.data() == context.strict_route.data()) {
      continue;
    }
    auto address = sip::parseNameAddr(value, sip::HeaderId::Route);
    if (!address.ok()) {
      return context.respond(400, "Malformed Route header");
    }
    return toUri(context, address->uri, "The Route");
  }
  if (!context.strict_request_uri.empty()) {
    auto uri = sip::parseUri(context.strict_request_uri);
    if (!uri.ok()) {
      return context.respond(400, "Malformed Route header");
    }
    return toUri(context, *uri, "The Request-URI");
  }
  if (forThisServer(identity_, context.request_uri)) {
    return Next::Continue;  // for this server: local service
  }
  if (context.routed_to_us) {
    return toUri(context, context.request_uri, "The Request-URI");
  }
  const sip::Uri& uri = context.request_uri;
  if (snapshot_ && uri.isSip() && snapshot_->isLocalDomain(uri.host)) {
    if (uri.user.empty()) {
      return Next::Continue;  // the domain itself (REGISTER): local service
    }
    if (snapshot_->pool) {
      if (const store::UserRecord* user = snapshot_->pool->findUser(uri.user, uri.host); user != nullptr) {
        context.local_user = user;
        return Next::Continue;
      }
    }
  }
  return byStaticRoute(context);
}

bool RoutingSnapshot::isLocalDomain(std::string_view domain) const {
  return std::any_of(domains.begin(), domains.end(),
                     [&](const std::string& ours) { return sip::equalsIgnoreCase(ours, domain); });
}

Next LocalServicePhase::run(RequestContext& context) {
  switch (context.request.method()) {
    case sip::Method::Options:
      context.response.headers.emplace_back("Allow", std::string(kAllow));
      context.response.headers.emplace_back("Accept", "text/plain, application/sdp");
      context.response.headers.emplace_back("Supported", "");
      return context.respond(200);
    case sip::Method::Unknown:
      context.response.headers.emplace_back("Allow", std::string(kAllow));
      return context.respond(501);
    case sip::Method::Register:
    case sip::Method::Subscribe:
    case sip::Method::Publish:
      // The registrar and the presence agent plug in here (registrar and
      // presence issues); until then the refusal is temporary and says so.
      return context.respond(480, std::string(context.request.methodName()) + " is served from a later release");
    default:
      return context.respond(404, "This server is not a user agent: no one to deliver " +
                                      std::string(context.request.methodName()) + " to");
  }
}

}  // namespace tandem::proxy
