#include "store/presence_policy.h"

#include <algorithm>
#include <array>
#include <optional>

#include "sip/message.h"
#include "sip/uri.h"

namespace tandem::store {
namespace {

constexpr std::array<std::string_view, 4> kAuthorizationNames = {"allow", "polite-block", "reject", "pending"};

// A URI's identity for authorization: user part and host.
struct Address {
  std::string_view user;  // empty when the URI has none
  std::string_view host;
};

std::optional<Address> addressOf(std::string_view uri_text) {
  sip::Result<sip::Uri> uri = sip::parseUri(uri_text);
  if (!uri.ok() || !uri->isSip()) {
    return std::nullopt;
  }
  return Address{uri->user, uri->host};
}

bool sameAddress(const Address& a, const Address& b) {
  return a.user == b.user && sip::equalsIgnoreCase(a.host, b.host);
}

// A rule's watcher is a URI when it has a scheme, else a domain.
bool isDomainRule(std::string_view rule_watcher) { return rule_watcher.find(':') == std::string_view::npos; }

bool ruleCovers(std::string_view rule_watcher, const Address& watcher) {
  if (isDomainRule(rule_watcher)) {
    return sip::equalsIgnoreCase(rule_watcher, watcher.host);
  }
  const std::optional<Address> rule = addressOf(rule_watcher);
  return rule.has_value() && !rule->user.empty() && sameAddress(*rule, watcher);
}

Authorization fromDecision(WatcherDecision decision) {
  switch (decision) {
    case WatcherDecision::Allow:
      return Authorization::Allow;
    case WatcherDecision::BlockPolite:
      return Authorization::PoliteBlock;
    case WatcherDecision::BlockReject:
      return Authorization::Reject;
  }
  return Authorization::Reject;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Compares `text` with "sip:" + user + "@" + lower-case(host) (the canonical
// owner of `address`) as std::string would, without building that string.
int compareWithCanonical(std::string_view text, const Address& address) {
  constexpr std::string_view kScheme = "sip:";
  const size_t size = kScheme.size() + address.user.size() + 1 + address.host.size();
  const auto at = [&](size_t i) {
    if (i < kScheme.size()) {
      return kScheme[i];
    }
    i -= kScheme.size();
    if (i < address.user.size()) {
      return address.user[i];
    }
    i -= address.user.size();
    return i == 0 ? '@' : lower(address.host[i - 1]);
  };
  const size_t common = std::min(text.size(), size);
  for (size_t i = 0; i < common; ++i) {
    const auto a = static_cast<unsigned char>(text[i]);
    const auto b = static_cast<unsigned char>(at(i));
    if (a != b) {
      return a < b ? -1 : 1;
    }
  }
  return text.size() == size ? 0 : (text.size() < size ? -1 : 1);
}

}  // namespace

std::string_view authorizationName(Authorization authorization) {
  return kAuthorizationNames[static_cast<size_t>(authorization)];
}

bool watcherMatches(std::string_view rule_watcher, std::string_view watcher_uri) {
  const std::optional<Address> watcher = addressOf(watcher_uri);
  return watcher.has_value() && ruleCovers(rule_watcher, *watcher);
}

Authorization authorizeWatcher(const config::PoolSettings& pool, std::span<const PresenceRule> rules,
                               std::string_view owner, std::string_view watcher_uri) {
  const std::optional<Address> owner_address = addressOf(owner);
  const std::optional<Address> watcher = addressOf(watcher_uri);
  if (owner_address && watcher && sameAddress(*owner_address, *watcher)) {
    return Authorization::Allow;
  }
  if (owner_address && watcher) {
    const PresenceRule* domain_rule = nullptr;
    for (const PresenceRule& rule : rules) {
      const std::optional<Address> rule_owner = addressOf(rule.owner);
      if (!rule_owner || !sameAddress(*rule_owner, *owner_address) || !ruleCovers(rule.watcher, *watcher)) {
        continue;
      }
      if (!isDomainRule(rule.watcher)) {
        return fromDecision(rule.decision);  // the exact watcher wins
      }
      domain_rule = &rule;
    }
    if (domain_rule != nullptr) {
      return fromDecision(domain_rule->decision);
    }
  }
  switch (pool.presence.authorize) {
    case config::PresenceAuthorize::All:
      return Authorization::Allow;
    case config::PresenceAuthorize::SameDomain: {
      const bool local =
          watcher.has_value() && std::any_of(pool.domains.begin(), pool.domains.end(), [&](const std::string& domain) {
            return sip::equalsIgnoreCase(domain, watcher->host);
          });
      return local ? Authorization::Allow : Authorization::Pending;
    }
    case config::PresenceAuthorize::Ask:
      return Authorization::Pending;
  }
  return Authorization::Pending;
}

std::span<const PresenceRule> rulesOf(std::span<const PresenceRule> sorted, std::string_view owner) {
  const std::optional<Address> address = addressOf(owner);
  if (!address || address->user.empty()) {
    return {};
  }
  const auto first = std::partition_point(sorted.begin(), sorted.end(), [&](const PresenceRule& rule) {
    return compareWithCanonical(rule.owner, *address) < 0;
  });
  const auto last = std::partition_point(
      first, sorted.end(), [&](const PresenceRule& rule) { return compareWithCanonical(rule.owner, *address) == 0; });
  return {first, last};
}

}  // namespace tandem::store
