#include "store/pool_snapshot.h"

#include <strings.h>
#include <algorithm>

namespace tandem::store {
namespace {

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

UserDirectory::UserDirectory(std::vector<UserRecord> users) : users_(std::move(users)) {
  std::sort(users_.begin(), users_.end(), [](const UserRecord& a, const UserRecord& b) {
    return a.domain != b.domain ? a.domain < b.domain : a.user < b.user;
  });
  for (size_t i = 0; i < users_.size(); ++i) {
    if (domains_.empty() || domains_.back().name != users_[i].domain) {
      domains_.push_back(Domain{users_[i].domain, {}});
    }
    domains_.back().users.emplace(users_[i].user, i);
  }
}

const UserRecord* UserDirectory::find(std::string_view user, std::string_view domain) const {
  for (const Domain& entry : domains_) {
    if (equalsIgnoringCase(entry.name, domain)) {
      const auto found = entry.users.find(user);
      return found == entry.users.end() ? nullptr : &users_[found->second];
    }
  }
  return nullptr;
}

bool PoolSnapshot::isLocalDomain(std::string_view domain) const {
  return std::any_of(settings.domains.begin(), settings.domains.end(),
                     [&](const std::string& name) { return equalsIgnoringCase(name, domain); });
}

}  // namespace tandem::store
