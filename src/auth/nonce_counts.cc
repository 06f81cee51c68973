#include "auth/nonce_counts.h"

#include <algorithm>
#include <functional>

namespace tandem::auth {

NonceCounts::NonceCounts(std::chrono::seconds lifetime, size_t max_entries)
    : lifetime_(lifetime), per_shard_(std::max<size_t>(1, max_entries / kShards)) {}

NonceCounts::Key NonceCounts::keyOf(std::string_view nonce) {
  Key key;
  key.a = std::hash<std::string_view>{}(nonce);
  uint64_t fnv = 14695981039346656037ULL;  // FNV-1a 64
  for (char c : nonce) {
    fnv = (fnv ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  }
  key.b = fnv;
  return key;
}

// Drops entries from the front of the insertion order while they are
// expired. An entry inserted slightly out of order waits for the ones ahead.
void NonceCounts::purge(Shard& shard, TimePoint now) {
  while (!shard.order.empty() && shard.order.front().expires <= now) {
    shard.entries.erase(shard.order.front().key);
    shard.order.pop_front();
  }
}

bool NonceCounts::accept(std::string_view nonce, uint32_t nc, TimePoint now) {
  if (nc == 0) {
    return false;
  }
  const Key key = keyOf(nonce);
  Shard& shard = shards_[(key.b >> 32) % kShards];
  std::lock_guard lock(shard.mutex);
  purge(shard, now);
  if (auto found = shard.entries.find(key); found != shard.entries.end()) {
    if (nc <= found->second.highest_nc) {
      return false;
    }
    found->second.highest_nc = nc;
    return true;
  }
  if (shard.entries.size() >= per_shard_) {
    return false;
  }
  const TimePoint expires = now + lifetime_;
  shard.entries.emplace(key, Entry{nc, expires});
  shard.order.push_back({key, expires});
  return true;
}

size_t NonceCounts::size() const {
  size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.entries.size();
  }
  return total;
}

}  // namespace tandem::auth
