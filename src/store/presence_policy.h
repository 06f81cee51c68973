#pragma once

// Who may watch a local user's presence (federation.md §3.1, the brief's
// [presence] authorize): the decision for a SUBSCRIBE, the same for native
// watchers and for watchers behind the peer partition. One copy, for the
// presence agent and for tandemctl.
//
//   1. The owner watching themselves: Allow.
//   2. The owner's rule for the watcher's exact URI, else the owner's rule for
//      the watcher's domain: allow → Allow, block → PoliteBlock (the watcher
//      sees the owner offline), reject → Reject.
//   3. No rule: by presence.authorize — all → Allow (the migration switch);
//      same-domain → Allow for a watcher in one of the pool's domains, else
//      Pending; ask → Pending (the owner decides; until then the
//      subscription is pending).
//
// Addresses compare by user part (exactly, as written) and host (ASCII
// case-insensitively); the scheme (sip or sips) and URI parameters do not
// count. A watcher URI that is not a sip/sips URI matches no rule.
// Allocation-free: the presence agent calls it for every SUBSCRIBE.

#include <cstdint>
#include <span>
#include <string_view>

#include "config/pool.h"
#include "store/presence.h"

namespace tandem::store {

enum class Authorization : uint8_t { Allow, PoliteBlock, Reject, Pending };

// "allow", "polite-block", "reject", "pending".
std::string_view authorizationName(Authorization authorization);

// `pool`: its domains and presence.authorize. `rules` in any order; only the
// owner's count (pass rulesOf(...) to skip the others cheaply). `owner` and
// `watcher_uri` are URIs ("sip:bob@example.com", a From URI).
Authorization authorizeWatcher(const config::PoolSettings& pool, std::span<const PresenceRule> rules,
                               std::string_view owner, std::string_view watcher_uri);

// True when a rule's watcher (a URI, or a domain for all its users) covers
// `watcher_uri`.
bool watcherMatches(std::string_view rule_watcher, std::string_view watcher_uri);

// The rules of `owner` in `sorted`, which is sorted by owner (as
// PoolSnapshot's settings.presence_rules and Store::listPresenceRules are);
// empty when `owner` is not a sip/sips URI with a user part.
std::span<const PresenceRule> rulesOf(std::span<const PresenceRule> sorted, std::string_view owner);

}  // namespace tandem::store
