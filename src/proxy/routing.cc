#include "proxy/routing.h"

#include <algorithm>
#include <asio/ip/address.hpp>

#include "proxy/lookup.h"
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
  for (const StaticRoute& route : snapshot.routes) {
    if (store::routeMatches(route.user, route.domain, route.phone_uri, uri)) {
      return &route;
    }
  }
  return nullptr;
}

store::RouteDecision RoutingSnapshot::decide(const sip::Uri& uri) const {
  return store::decide(std::span<const std::string>(domains), std::span<const StaticRoute>(routes),
                       pool ? &pool->users : nullptr, uri);
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
  if (!uri.isSip()) {
    return context.respond(416, std::string(what) + " is not a SIP URI");
  }
  if (auto destination = uriDestination(uri)) {
    context.targets.push_back(Target{*destination, {}, {}});
    return Next::Forward;
  }
  // A host name (RFC 3263 §4): SRV when the URI has no port, A/AAAA otherwise.
  const std::string_view maddr = uri.maddr();
  const std::string_view transport = uri.transport();
  dns::Query query;
  query.name = std::string(maddr.empty() ? uri.host : maddr);
  query.port = uri.has_port ? uri.port : 0;
  query.transport = toDns(transportOf(transport, uri.scheme == sip::UriScheme::Sips));
  query.transport_given = !transport.empty() || uri.scheme == sip::UriScheme::Sips;
  const dns::AnswerPtr answer = resolve(context, query);
  if (!answer) {
    return Next::Suspend;
  }
  if (!answer->error.empty()) {
    return context.respond(503, std::string(what) + " cannot be resolved: " + answer->error);
  }
  const dns::Address& first = answer->addresses.front();
  Target target;
  target.destination.endpoint = transport::Endpoint{first.address, first.port};
  target.destination.transport = fromDns(first.transport);
  context.targets.push_back(std::move(target));
  return Next::Forward;
}

namespace {

bool answerHas(const dns::Answer& answer, const asio::ip::address& address) {
  return std::any_of(answer.addresses.begin(), answer.addresses.end(),
                     [&](const dns::Address& entry) { return entry.address == address; });
}

}  // namespace

Next RoutingPhase::byStaticRoute(RequestContext& context, const StaticRoute& route) const {
  const bool local_domain = snapshot_->isLocalDomain(context.request_uri.host);
  const asio::ip::address& source = context.source.endpoint.address;
  Target target;
  target.destination.transport = route.transport;
  if (const auto address = literalAddress(route.next_hop)) {
    target.destination.endpoint = transport::Endpoint{*address, route.port};
    // The bounce (federation.md §2.1): the peer the route points to sent us a
    // request for a user of a shared domain that is not homed here either. It
    // ends here; sending it back would ping-pong until Max-Forwards runs out.
    if (*address == source && local_domain) {
      return context.respond(404, "User does not exist");
    }
  } else {
    // An FQDN next hop: A/AAAA on the route's port, or SRV first when the
    // route gives no port (RFC 3263 §4.2).
    dns::Query query;
    query.name = route.next_hop;
    query.port = route.srv ? 0 : route.port;
    query.transport = toDns(route.transport);
    const dns::AnswerPtr answer = resolve(context, query);
    if (!answer) {
      return Next::Suspend;
    }
    if (!answer->error.empty()) {
      return context.respond(503, "Next hop cannot be resolved: " + answer->error);
    }
    if (local_domain && answerHas(*answer, source)) {
      return context.respond(404, "User does not exist");  // the bounce, as above
    }
    const dns::Address& first = answer->addresses.front();
    target.destination.endpoint = transport::Endpoint{first.address, first.port};
    target.destination.transport = fromDns(first.transport);
  }
  if (route.replace_host) {
    // Request-URI host replaced by the next hop (LCS "Replace host in request URI").
    target.request_uri = store::replaceHost(context.request.requestUri(), context.request_uri, route.next_hop);
  }
  context.targets.push_back(std::move(target));
  return Next::Forward;
}

Next RoutingPhase::run(RequestContext& context) {
  // Run again after a suspension (a DNS lookup): start from scratch.
  context.own_routes.clear();
  context.strict_request_uri.clear();
  context.strict_route = {};
  context.routed_to_us = false;
  context.targets.clear();
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
  // The routing rule (store/routing_rule.h): the same decision `tandemctl where` explains.
  const sip::Uri& uri = context.request_uri;
  if (!snapshot_) {
    return context.respond(404, store::notFoundReason(store::decision::NotFound{}, uri));
  }
  const store::RouteDecision decision = snapshot_->decide(uri);
  if (const auto* user = std::get_if<store::decision::LocalUser>(&decision)) {
    context.local_user = user->user;
    return Next::Continue;
  }
  if (std::holds_alternative<store::decision::LocalDomainItself>(decision)) {
    return Next::Continue;  // the domain itself (REGISTER): local service
  }
  if (const auto* route = std::get_if<store::decision::StaticRoute>(&decision)) {
    return byStaticRoute(context, snapshot_->routes[route->index]);
  }
  return context.respond(404, store::notFoundReason(std::get<store::decision::NotFound>(decision), uri));
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
