#pragma once

// The routing phase: route processing (RFC 3261 §16.4) and target
// determination (§16.5) by the static routes of the pool (federation.md §2.1).
//
//   1. Route values naming this server are taken off (loose routing); a
//      Request-URI naming us is replaced by the last Route value
//      (strict-router compatibility).
//   2. A Route left: the request goes to its top value.
//   3. We were named by a Route (a dialog we record-routed) and none is left:
//      the request goes to its Request-URI.
//   4. A request for this server itself (no user part): local service.
//   5.-7. The routing rule (store/routing_rule.h, shared with `tandemctl where`):
//   5. The Request-URI is in one of the pool's domains (federation.md §2.1,
//      a user-existence lookup first): no user part (REGISTER, OPTIONS to the
//      domain) or a user homed here → local service (context.local_user).
//   6. The first static route matching the Request-URI (user "*" or exact,
//      domain exact, phone_uri): the route's next hop, Request-URI unchanged
//      unless replace_host.
//   7. Nothing matches: 404, final ("User does not exist" for our domains).
//
// Host names (FQDN next hops, Route values and Request-URIs naming a host)
// are resolved per RFC 3263 through the proxy's HostLookup (lookup.h): a
// cached answer at once, otherwise the request is suspended until the
// resolver's thread has the answer; no answer → 503 with a Warning naming
// the name and the reason. The first address of the answer is used.

#include <asio/ip/address.hpp>
#include <memory>
#include <string>
#include <vector>

#include "proxy/context.h"
#include "proxy/identity.h"
#include "store/routing_rule.h"

namespace tandem::proxy {

struct StaticRoute {
  std::string user;    // "*" or an exact user part
  std::string domain;  // exact (case-insensitive); sub-domains are not implied
  bool phone_uri = false;
  std::string next_hop;  // as configured: an IP literal or an FQDN
  uint16_t port = 5060;
  transport::TransportKind transport = transport::TransportKind::Udp;
  bool replace_host = false;
  bool srv = false;  // an FQDN next hop without a port: SRV decides, `port` is the fallback
};

// An authorized host entry with its IP parsed (once per pool change).
struct HostEntry {
  asio::ip::address address;  // unspecified for an FQDN entry (matched through DNS)
  std::string host;           // as configured
  bool outbound_only = false;
  bool throttle_as_server = true;
  bool treat_as_authenticated = true;

  bool isFqdn() const { return address.is_unspecified() && !host.empty(); }
};

// The routing settings one request is decided with; replaced as a whole when
// the pool changes (the old snapshot lives on with the requests using it).
struct RoutingSnapshot {
  std::vector<std::string> domains;
  std::vector<StaticRoute> routes;
  // The users homed here (user directory); nullptr: none.
  std::shared_ptr<const store::PoolSnapshot> pool;
  // The authorized hosts, IP literals parsed (host_authorization.h).
  std::vector<HostEntry> hosts;

  bool isLocalDomain(std::string_view domain) const;
  // The routing rule (store/routing_rule.h) over these domains, routes and users.
  store::RouteDecision decide(const sip::Uri& uri) const;
};
using RoutingSnapshotPtr = std::shared_ptr<const RoutingSnapshot>;

// The first route whose key matches `uri` (§2.1: one route per matching URI).
const StaticRoute* matchRoute(const RoutingSnapshot& snapshot, const sip::Uri& uri);
// Where a SIP URI points: an IP host, its port (default by transport) and
// its transport parameter (UDP by default). nullopt for host names.
std::optional<Destination> uriDestination(const sip::Uri& uri);

class RoutingPhase final : public Phase {
 public:
  RoutingPhase(const LocalIdentity& identity, const RoutingSnapshotPtr& snapshot)
      : identity_(identity), snapshot_(snapshot) {}
  std::string_view name() const override { return "routing"; }
  Next run(RequestContext& context) override;

 private:
  void takeOwnRoutes(RequestContext& context) const;
  Next toUri(RequestContext& context, const sip::Uri& uri, std::string_view what) const;
  Next byStaticRoute(RequestContext& context, const StaticRoute& route) const;

  const LocalIdentity& identity_;
  const RoutingSnapshotPtr& snapshot_;  // owned by the proxy, swapped on pool change
};

// The local-service phase: requests addressed to this server itself.
// OPTIONS is answered 200 (a health check for load balancers and peers);
// the registrar, presence and IM services plug in here in later issues.
class LocalServicePhase final : public Phase {
 public:
  explicit LocalServicePhase(const LocalIdentity& identity) : identity_(identity) {}
  std::string_view name() const override { return "local service"; }
  Next run(RequestContext& context) override;

  static constexpr std::string_view kAllow = "INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, INFO, SUBSCRIBE, NOTIFY";

 private:
  const LocalIdentity& identity_;
};

}  // namespace tandem::proxy
