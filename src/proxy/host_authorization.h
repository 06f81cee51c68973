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
// Entries are matched by IP literal, or by FQDN: an FQDN entry matches a
// source its name resolves to (A/AAAA through the proxy's HostLookup, cached
// with the records' TTL; the request waits for the first lookup, see
// lookup.h). In the TLS issue an FQDN entry also matches a peer whose
// verified certificate names it. throttle_as_server is read by the proxy's
// throttling (throttle.h) from the cache only.

#include <asio/ip/address.hpp>
#include <memory>
#include <vector>

#include "proxy/context.h"
#include "proxy/lookup.h"
#include "proxy/routing.h"

namespace tandem::proxy {

// The entries of `hosts`, IP literals parsed.
std::vector<HostEntry> hostEntries(const std::vector<config::AuthorizedHost>& hosts);
// The IP entry for `source`, or nullptr.
const HostEntry* findHost(const std::vector<HostEntry>& entries, const asio::ip::address& source);
// The IP entry for `source`, else an FQDN entry whose cached answer holds it
// (never waits: a name not in the cache yet matches nothing this time).
const HostEntry* findHostCached(const std::vector<HostEntry>& entries, const asio::ip::address& source,
                                HostLookup* lookup);

class HostAuthorizationPhase final : public Phase {
 public:
  explicit HostAuthorizationPhase(const RoutingSnapshotPtr& snapshot) : snapshot_(snapshot) {}
  std::string_view name() const override { return "host authorization"; }
  Next run(RequestContext& context) override;

 private:
  const RoutingSnapshotPtr& snapshot_;  // owned by the proxy, swapped on pool change
};

}  // namespace tandem::proxy
