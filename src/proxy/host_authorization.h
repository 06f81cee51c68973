#pragma once

// The host-authorization phase (LCS "Host Authorization" tab, federation.md
// §6.3): who the request's source is, by the pool's authorized_hosts.
//
//   source is an authorized host        → context.authorized_host
//     with treat_as_authenticated       → context.trusted (not challenged:
//                                          the peer vouches for its users)
//     with outbound_only                → 403: Tandem may send to it, it may
//                                          not send to Tandem (logged)
//   anyone else                         → nothing set; the authentication
//                                          phase decides
//
// Entries are matched by IP literal; an FQDN entry matches nothing until the
// federation issue resolves it (c-ares) — it is logged once per pool version.
// throttle_as_server is read by the throttling of the federation issue.

#include <asio/ip/address.hpp>
#include <memory>
#include <vector>

#include "proxy/context.h"
#include "proxy/routing.h"

namespace tandem::proxy {

// The entries of `hosts`, IP literals parsed.
std::vector<HostEntry> hostEntries(const std::vector<config::AuthorizedHost>& hosts);
// The entry for `source`, or nullptr.
const HostEntry* findHost(const std::vector<HostEntry>& entries, const asio::ip::address& source);

class HostAuthorizationPhase final : public Phase {
 public:
  explicit HostAuthorizationPhase(const RoutingSnapshotPtr& snapshot) : snapshot_(snapshot) {}
  std::string_view name() const override { return "host authorization"; }
  Next run(RequestContext& context) override;

 private:
  const RoutingSnapshotPtr& snapshot_;  // owned by the proxy, swapped on pool change
};

}  // namespace tandem::proxy
