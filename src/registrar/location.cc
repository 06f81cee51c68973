#include "registrar/location.h"

#include <algorithm>
#include "common/text.h"

namespace tandem::registrar {

std::string LocationTable::key(std::string_view user, std::string_view domain) {
  std::string out(user);
  out.push_back('@');
  out += asciiLower(domain);
  return out;
}

std::vector<store::Binding> LocationTable::lookup(std::string_view user, std::string_view domain, int64_t now) const {
  const std::string k = key(user, domain);
  const Shard& shard = shardOf(k);
  std::vector<store::Binding> out;
  {
    std::shared_lock lock(shard.mutex);
    const auto it = shard.users.find(std::string_view(k));
    if (it == shard.users.end()) {
      return out;
    }
    for (const store::Binding& binding : it->second) {
      if (binding.expires_at > now) {
        out.push_back(binding);
      }
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.q > b.q; });
  return out;
}

void LocationTable::replace(std::string_view user, std::string_view domain, std::vector<store::Binding> bindings) {
  std::string k = key(user, domain);
  Shard& shard = shardOf(k);
  std::unique_lock lock(shard.mutex);
  if (bindings.empty()) {
    shard.users.erase(k);
    return;
  }
  shard.users.insert_or_assign(std::move(k), std::move(bindings));
}

size_t LocationTable::purge(int64_t now) {
  size_t purged = 0;
  for (Shard& shard : shards_) {
    std::unique_lock lock(shard.mutex);
    for (auto it = shard.users.begin(); it != shard.users.end();) {
      auto& list = it->second;
      const auto before = list.size();
      std::erase_if(list, [now](const store::Binding& binding) { return binding.expires_at <= now; });
      purged += before - list.size();
      it = list.empty() ? shard.users.erase(it) : std::next(it);
    }
  }
  return purged;
}

void LocationTable::clear() {
  for (Shard& shard : shards_) {
    std::unique_lock lock(shard.mutex);
    shard.users.clear();
  }
}

size_t LocationTable::users() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    std::shared_lock lock(shard.mutex);
    n += shard.users.size();
  }
  return n;
}

size_t LocationTable::bindings() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    std::shared_lock lock(shard.mutex);
    for (const auto& [k, list] : shard.users) {
      n += list.size();
    }
  }
  return n;
}

}  // namespace tandem::registrar
