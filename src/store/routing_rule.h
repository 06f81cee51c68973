#pragma once

// The routing rule (docs/brief "The routing rule", federation.md §2.1): what
// becomes of a request by its Request-URI once Route processing is done. One
// copy, used by the proxy's routing phase (proxy/routing.cc) and by
// `tandemctl where`, so the two cannot disagree.
//
//   1. The Request-URI is a sip/sips URI in one of the pool's domains:
//      no user part → the domain itself (local service: REGISTER, OPTIONS);
//      a user homed here (enabled or not) → that user.
//   2. The first static route whose key matches (user "*" or exact, domain
//      exact and case-insensitive, phone_uri routes only for phone URIs).
//   3. Nothing: 404, final ("User does not exist" in our domains).
//
// Allocation-free: the request path calls it for every request.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "sip/message.h"
#include "sip/uri.h"
#include "store/pool_snapshot.h"

namespace tandem::store {

namespace decision {
// A user homed on this pool (a disabled one too: the user exists).
struct LocalUser {
  const UserRecord* user = nullptr;
  bool enabled() const { return user->enabled; }
};
// One of our domains without a user part (REGISTER, OPTIONS to the domain).
struct LocalDomainItself {};
// The index of the first matching static route, in match order.
struct StaticRoute {
  size_t index = 0;
};
// No user here and no route: 404.
struct NotFound {
  bool local_domain = false;  // the Request-URI host is one of ours
};
}  // namespace decision

using RouteDecision =
    std::variant<decision::LocalUser, decision::LocalDomainItself, decision::StaticRoute, decision::NotFound>;

// The 404's reason phrase: "User does not exist" for our domains,
// "No user or static route for <host>" otherwise.
std::string notFoundReason(const decision::NotFound& not_found, const sip::Uri& uri);

// True when a route with this key matches `uri` (§2.1).
bool routeMatches(std::string_view user, std::string_view domain, bool phone_uri, const sip::Uri& uri);

// The rule itself, over any route type with `user`, `domain` and `phone_uri`
// (config::Route, proxy::StaticRoute). `users` may be nullptr (no directory).
template <typename Route>
RouteDecision decide(std::span<const std::string> domains, std::span<const Route> routes, const UserDirectory* users,
                     const sip::Uri& uri) {
  bool local_domain = false;
  for (const std::string& domain : domains) {
    if (sip::equalsIgnoreCase(domain, uri.host)) {
      local_domain = true;
      break;
    }
  }
  if (local_domain && uri.isSip()) {
    if (uri.user.empty()) {
      return decision::LocalDomainItself{};
    }
    if (users != nullptr) {
      if (const UserRecord* user = users->find(uri.user, uri.host); user != nullptr) {
        return decision::LocalUser{user};
      }
    }
  }
  for (size_t i = 0; i < routes.size(); ++i) {
    if (routeMatches(routes[i].user, routes[i].domain, routes[i].phone_uri, uri)) {
      return decision::StaticRoute{i};
    }
  }
  return decision::NotFound{local_domain};
}

// The rule with the pool's settings and users.
RouteDecision decide(const PoolSnapshot& pool, const sip::Uri& uri);

// The Request-URI `raw` with its host (and port) replaced by `next_hop`
// (a route's replace_host; LCS "Replace host in request URI"). `uri` is
// parseUri(raw): its fields are views into `raw`.
std::string replaceHost(std::string_view raw, const sip::Uri& uri, std::string_view next_hop);

}  // namespace tandem::store
