#include "store/pool_plan.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "store/digest.h"

namespace tandem::store {
namespace {

template <class Range, class Value>
bool has(const Range& range, const Value& value) {
  return std::find(range.begin(), range.end(), value) != range.end();
}

// Users homed in `domain`, for the refusal to drop it.
std::vector<const UserRecord*> usersIn(const UserDirectory& users, const std::string& domain) {
  std::vector<const UserRecord*> out;
  for (const UserRecord& user : users.all()) {
    if (user.domain == domain) {
      out.push_back(&user);
    }
  }
  return out;
}

Status<std::string> planDomains(const PoolSnapshot& current, const config::PoolSettings& desired, PoolPlan& plan) {
  for (const std::string& domain : desired.domains) {
    if (!has(current.settings.domains, domain)) {
      plan.add_domains.push_back(domain);
      plan.changes.push_back("domain added: " + domain);
    }
  }
  for (const std::string& domain : current.settings.domains) {
    if (has(desired.domains, domain)) {
      continue;
    }
    const std::vector<const UserRecord*> users = usersIn(current.users, domain);
    if (!users.empty()) {
      return fail("domain " + domain + " cannot be removed: " + std::to_string(users.size()) +
                  " user(s) are homed there (" + users.front()->uri + (users.size() > 1 ? ", ...)" : ")") +
                  "; remove them first (tandemctl user remove)");
    }
    plan.remove_domains.push_back(domain);
    plan.changes.push_back("domain removed: " + domain);
  }
  return {};
}

const config::Route* findRoute(const std::vector<config::Route>& routes, const config::RouteKey& key) {
  const auto found = std::find_if(routes.begin(), routes.end(), [&](const config::Route& r) { return r.key() == key; });
  return found == routes.end() ? nullptr : &*found;
}

// The keys of `routes` that `other` has too, in the order of `routes`.
std::vector<config::RouteKey> commonKeys(const std::vector<config::Route>& routes,
                                         const std::vector<config::Route>& other) {
  std::vector<config::RouteKey> keys;
  for (const config::Route& route : routes) {
    if (findRoute(other, route.key()) != nullptr) {
      keys.push_back(route.key());
    }
  }
  return keys;
}

void planRoutes(const std::vector<config::Route>& current, const std::vector<config::Route>& desired, PoolPlan& plan) {
  const size_t before = plan.changes.size();
  for (const config::Route& route : desired) {
    const config::Route* old = findRoute(current, route.key());
    if (old == nullptr) {
      plan.changes.push_back("route added: " + route.toString());
    } else if (!(*old == route)) {
      plan.changes.push_back("route changed: " + route.toString() + " (was " + old->toString() + ")");
    }
  }
  for (const config::Route& route : current) {
    if (findRoute(desired, route.key()) == nullptr) {
      plan.changes.push_back("route removed: " + route.toString());
    }
  }
  if (commonKeys(current, desired) != commonKeys(desired, current)) {
    plan.changes.push_back("routes reordered");
  }
  if (plan.changes.size() != before) {
    plan.routes = desired;
  }
}

void planHosts(const std::vector<config::AuthorizedHost>& current, const std::vector<config::AuthorizedHost>& desired,
               PoolPlan& plan) {
  const auto find = [](const std::vector<config::AuthorizedHost>& hosts, const std::string& host) {
    const auto found = std::find_if(hosts.begin(), hosts.end(), [&](const auto& h) { return h.host == host; });
    return found == hosts.end() ? nullptr : &*found;
  };
  for (const config::AuthorizedHost& host : desired) {
    const config::AuthorizedHost* old = find(current, host.host);
    if (old == nullptr) {
      plan.add_hosts.push_back(host);
      plan.changes.push_back("host added: " + host.toString());
    } else if (!(*old == host)) {
      plan.update_hosts.push_back(host);
      plan.changes.push_back("host changed: " + host.toString() + " (was " + old->toString() + ")");
    }
  }
  for (const config::AuthorizedHost& host : current) {
    if (find(desired, host.host) == nullptr) {
      plan.remove_hosts.push_back(host.host);
      plan.changes.push_back("host removed: " + host.toString());
    }
  }
}

// One listed user: added, or updated where the entry differs from the store.
Status<std::string> planUser(const UserDirectory& users, const config::UserEntry& entry, size_t index, PoolPlan& plan) {
  Result<config::UserAddress, std::string> address = config::parseUserUri(entry.uri);
  if (!address) {
    return fail("users[" + std::to_string(index + 1) + "]: uri: " + address.error());
  }
  const UserRecord* old = users.find(address->user, address->domain);
  if (old == nullptr) {
    if (entry.password.empty()) {
      return fail("users[" + std::to_string(index + 1) + "]: " + entry.uri +
                  " is a new user: its password is required");
    }
    plan.add_users.push_back(makeUser(*address, entry.password, entry.enabled.value_or(true)));
    plan.changes.push_back("user added: " + entry.uri + (plan.add_users.back().enabled ? "" : " (disabled)"));
    return {};
  }
  UserRecord updated = *old;
  if (!entry.password.empty()) {
    // Hashes cannot be compared with a password without recomputing them.
    const UserRecord fresh = makeUser(*address, entry.password, old->enabled);
    if (fresh.ha1_md5 != old->ha1_md5 || fresh.ha1_sha256 != old->ha1_sha256) {
      updated.ha1_md5 = fresh.ha1_md5;
      updated.ha1_sha256 = fresh.ha1_sha256;
      plan.changes.push_back("user password changed: " + entry.uri);
    }
  }
  if (entry.enabled.has_value() && *entry.enabled != old->enabled) {
    updated.enabled = *entry.enabled;
    plan.changes.push_back(std::string(updated.enabled ? "user enabled: " : "user disabled: ") + entry.uri);
  }
  if (!(updated == *old)) {
    plan.update_users.push_back(std::move(updated));
  }
  return {};
}

std::string ruleKey(const config::PresenceRule& rule) { return rule.owner + "\n" + rule.watcher; }

// A rule's owner must be a user: in the store, or added by the settings.
Status<std::string> planPresenceRules(const PoolSnapshot& current, const config::PoolSettings& desired,
                                      PoolPlan& plan) {
  std::unordered_set<std::string_view> listed_users;
  for (const config::UserEntry& user : desired.users) {
    listed_users.insert(user.uri);
  }
  std::unordered_map<std::string, const config::PresenceRule*> old_rules;
  for (const config::PresenceRule& rule : current.settings.presence_rules) {
    old_rules.emplace(ruleKey(rule), &rule);
  }
  std::unordered_set<std::string> kept;
  for (size_t i = 0; i < desired.presence_rules.size(); ++i) {
    const config::PresenceRule& rule = desired.presence_rules[i];
    Result<config::UserAddress, std::string> owner = config::parseUserUri(rule.owner);
    if (!owner) {
      return fail("presence_rules[" + std::to_string(i + 1) + "]: owner: " + owner.error());
    }
    if (current.users.find(owner->user, owner->domain) == nullptr && !listed_users.contains(rule.owner)) {
      return fail("presence_rules[" + std::to_string(i + 1) + "]: owner: " + rule.owner +
                  " is not a user homed here (list it in [[users]] or add it first: tandemctl user add)");
    }
    const auto old = old_rules.find(ruleKey(rule));
    if (old == old_rules.end()) {
      plan.put_rules.push_back(rule);
      plan.changes.push_back("presence rule added: " + rule.toString());
    } else {
      kept.insert(old->first);
      if (old->second->decision != rule.decision) {
        plan.put_rules.push_back(rule);
        plan.changes.push_back("presence rule changed: " + rule.toString() + " (was " +
                               std::string(config::watcherDecisionName(old->second->decision)) + ")");
      }
    }
  }
  for (const config::PresenceRule& rule : current.settings.presence_rules) {
    if (!kept.contains(ruleKey(rule))) {
      plan.remove_rules.push_back(rule);
      plan.changes.push_back("presence rule removed: " + rule.toString());
    }
  }
  return {};
}

}  // namespace

UserRecord makeUser(const config::UserAddress& address, std::string_view password, bool enabled) {
  return UserRecord{address.uri(),
                    address.user,
                    address.domain,
                    enabled,
                    ha1(DigestAlgorithm::Md5, address.user, address.domain, password),
                    ha1(DigestAlgorithm::Sha256, address.user, address.domain, password)};
}

Result<PoolPlan, std::string> planPool(const PoolSnapshot& current, const config::PoolSettings& desired) {
  PoolPlan plan;
  if (Status<std::string> domains = planDomains(current, desired, plan); !domains) {
    return fail(domains.error());
  }
  planRoutes(current.settings.routes, desired.routes, plan);
  planHosts(current.settings.authorized_hosts, desired.authorized_hosts, plan);
  for (size_t i = 0; i < desired.users.size(); ++i) {
    if (Status<std::string> user = planUser(current.users, desired.users[i], i, plan); !user) {
      return fail(user.error());
    }
  }
  if (Status<std::string> rules = planPresenceRules(current, desired, plan); !rules) {
    return fail(rules.error());
  }
  if (!(current.settings.presence == desired.presence)) {
    plan.presence = desired.presence;
    plan.changes.push_back("presence.authorize changed: " +
                           std::string(config::presenceAuthorizeName(current.settings.presence.authorize)) + " -> " +
                           std::string(config::presenceAuthorizeName(desired.presence.authorize)));
  }
  if (!(current.settings.throttling == desired.throttling)) {
    plan.throttling = desired.throttling;
    for (const config::ThrottlingKey& key : config::kThrottlingKeys) {
      if (current.settings.throttling.*key.member != desired.throttling.*key.member) {
        plan.changes.push_back("throttling." + std::string(key.name) +
                               " changed: " + std::to_string(current.settings.throttling.*key.member) + " -> " +
                               std::to_string(desired.throttling.*key.member));
      }
    }
  }
  return plan;
}

}  // namespace tandem::store
