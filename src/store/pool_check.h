#pragma once

// The pool findings of `tandemd --check`: settings the store accepts (every
// field valid, no duplicate domain, route key, host or user: the store
// refuses those) but that will not work as meant on this server. Pure: the
// caller reads the pool from the store.
//
// Findings name the pool entry ("routes[1]" is the first route in match
// order, "domains[2]", as `tandemctl where` numbers routes) in `key`; their
// `file` is "pool" and `line` 0.

#include <vector>

#include "config/server_config.h"
#include "store/pool_snapshot.h"

namespace tandem::store {

// Errors:
//   - a route whose next hop is this server (the fqdn, or a connection's
//     address, "*" standing for loopback and unspecified addresses) on a port
//     it listens on: requests would loop.
// Warnings:
//   - a route whose next hop has no authorized-host entry (the peer's
//     requests will be challenged);
//   - a tls route to an IP (the certificate identity cannot match an IP);
//   - a tls route whose next hop is authorized while the authorized hosts
//     hold no entry of the other kind (an FQDN next hop and no IP entry, or
//     the reverse): a TLS peer needs both (federation.md §6.3). Without DNS
//     the IP and the name cannot be paired, so any entry of the other kind
//     satisfies the check;
//   - a domain with no static route (users not homed here get 404: right
//     for a single system, wrong for a federation).
std::vector<config::Finding> checkPool(const config::ServerConfig& config, const PoolSnapshot& pool);

}  // namespace tandem::store
