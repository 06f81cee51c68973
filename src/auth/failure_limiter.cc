#include "auth/failure_limiter.h"

#include <algorithm>
#include <functional>

namespace tandem::auth {

FailureLimiter::FailureLimiter(Settings settings)
    : settings_(settings), per_shard_(std::max<size_t>(1, settings.max_sources / kShards)) {
  settings_.limit = std::max<uint32_t>(1, settings_.limit);
  settings_.window = std::max(settings_.window, std::chrono::seconds(1));
}

FailureLimiter::Shard& FailureLimiter::shardOf(std::string_view source) {
  return shards_[std::hash<std::string_view>{}(source) % kShards];
}
const FailureLimiter::Shard& FailureLimiter::shardOf(std::string_view source) const {
  return shards_[std::hash<std::string_view>{}(source) % kShards];
}

void FailureLimiter::dropFront(Shard& shard) {
  const Opened& front = shard.order.front();
  if (auto found = shard.windows.find(front.source);
      found != shard.windows.end() && found->second.start == front.start) {
    shard.windows.erase(found);
  }
  shard.order.pop_front();
}

void FailureLimiter::purge(Shard& shard, TimePoint now) {
  while (!shard.order.empty() && shard.order.front().start + settings_.window <= now) {
    dropFront(shard);
  }
}

std::optional<uint32_t> FailureLimiter::blocked(std::string_view source, TimePoint now) const {
  const Shard& shard = shardOf(source);
  std::lock_guard lock(shard.mutex);
  const auto found = shard.windows.find(source);
  if (found == shard.windows.end() || found->second.failures < settings_.limit) {
    return std::nullopt;
  }
  const TimePoint end = found->second.start + settings_.window;
  if (end <= now) {
    return std::nullopt;
  }
  // Rounded up, so a client that waits Retry-After seconds finds the window over.
  const auto left = std::chrono::ceil<std::chrono::seconds>(end - now).count();
  return static_cast<uint32_t>(std::max<int64_t>(1, left));
}

bool FailureLimiter::recordFailure(std::string_view source, TimePoint now) {
  Shard& shard = shardOf(source);
  std::lock_guard lock(shard.mutex);
  purge(shard, now);
  auto found = shard.windows.find(source);
  if (found != shard.windows.end() && found->second.start + settings_.window <= now) {
    // Expired but kept by an out-of-order front: reopen it.
    found->second = Window{now, 0};
    shard.order.push_back({std::string(source), now});
  }
  if (found == shard.windows.end()) {
    while (shard.windows.size() >= per_shard_ && !shard.order.empty()) {
      dropFront(shard);  // the oldest window goes
    }
    found = shard.windows.emplace(std::string(source), Window{now, 0}).first;
    shard.order.push_back({std::string(source), now});
  }
  // Saturates at the limit: later failures of a blocked source change nothing.
  if (found->second.failures >= settings_.limit) {
    return false;
  }
  return ++found->second.failures == settings_.limit;
}

size_t FailureLimiter::size() const {
  size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.windows.size();
  }
  return total;
}

}  // namespace tandem::auth
