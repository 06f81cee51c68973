#pragma once

// What applying a pool file changes: the difference between the pool as it is
// (a snapshot) and the settings a file asks for, as the writes to make and one
// line per change. Independent of the store implementation, so SQLite and
// PostgreSQL apply files the same way.

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/pool.h"
#include "store/pool_snapshot.h"

namespace tandem::store {

struct PoolPlan {
  std::vector<std::string> changes;  // for the ChangeSummary, in the order below

  std::vector<std::string> add_domains;
  std::vector<std::string> remove_domains;
  std::optional<std::vector<config::Route>> routes;  // set: replace every route with these, in order
  std::vector<config::AuthorizedHost> add_hosts;
  std::vector<config::AuthorizedHost> update_hosts;  // by host
  std::vector<std::string> remove_hosts;
  std::vector<UserRecord> add_users;
  std::vector<UserRecord> update_users;            // by (user, domain): enabled and hashes
  std::vector<config::PresenceRule> remove_rules;  // by (owner, watcher)
  std::vector<config::PresenceRule> put_rules;     // new or changed decision; after the users
  std::optional<config::PresenceSettings> presence;
  std::optional<config::ThrottlingSettings> throttling;

  bool empty() const { return changes.empty(); }
};

// The plan that makes `current` into `desired` (see Store::applyPool for the
// rules). `desired` must be canonical (config::checkPoolSettings). Fails, and
// nothing must be written, when a listed user is new and has no password,
// when a domain to drop still has users the settings do not list, or when a
// presence rule's owner is neither a stored user nor a listed one.
Result<PoolPlan, std::string> planPool(const PoolSnapshot& current, const config::PoolSettings& desired);

// A user record with fresh digest hashes for `password`.
UserRecord makeUser(const config::UserAddress& address, std::string_view password, bool enabled);

}  // namespace tandem::store
