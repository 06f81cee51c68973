#include "dns/cache.h"

#include <memory>
#include <utility>

namespace tandem::dns::detail {

size_t KeyHash::operator()(const Key& key) const {
  size_t hash = std::hash<std::string>{}(key.name);
  const size_t rest = (static_cast<size_t>(key.port) << 16) | (static_cast<size_t>(key.transport) << 8) |
                      (static_cast<size_t>(key.transport_given) << 1) | static_cast<size_t>(key.addresses_only);
  hash ^= rest + 0x9e3779b97f4a7c15ULL + (hash << 6) + (hash >> 2);
  return hash;
}

Key keyOf(const Query& query, std::string name) {
  Key key{std::move(name), query.port, query.transport, query.transport_given, query.addresses_only};
  if (key.addresses_only) {
    key.port = 0;
    key.transport = Transport::Udp;
    key.transport_given = true;
  } else if (!key.transport_given) {
    key.transport = Transport::Udp;
    key.transport_given = key.port != 0;
  }
  return key;
}

Cache::Found Cache::find(const Key& key, Clock::time_point now, Callback& done) {
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.answer) {
    Entry& entry = it->second;
    const Answer& answer = *entry.answer;
    if (now < answer.expires) {
      touch(entry);
      return Found{entry.answer};
    }
    // RFC 8767 §4: an expired answer is served while it is refreshed; a
    // failure is never served stale.
    if (answer.error.empty() && now < answer.expires + limits_.stale) {
      Found found{entry.answer};
      if (!entry.in_flight && now >= entry.retry_after) {
        setInFlight(entry);
        found.start = true;
      } else {
        touch(entry);
      }
      return found;
    }
  }
  if (waiters_ >= limits_.max_waiters) {
    return Found{nullptr, false, true};
  }
  if (it == entries_.end()) {
    it = entries_.emplace(key, Entry{}).first;
    it->second.in_flight = true;  // not in lru_ yet
    Found found{nullptr, true};
    if (done) {
      it->second.waiters.push_back(std::move(done));
      ++waiters_;
    }
    evict();
    return found;
  }
  Entry& entry = it->second;
  if (done) {
    entry.waiters.push_back(std::move(done));
    ++waiters_;
  }
  Found found;
  if (!entry.in_flight) {
    setInFlight(entry);
    found.start = true;
  }
  return found;
}

std::vector<Cache::Callback> Cache::complete(const Key& key, Resolution resolution, Clock::time_point now) {
  auto it = entries_.find(key);
  if (it == entries_.end() || !it->second.in_flight) {
    return {};  // cannot happen: entries under way are never evicted
  }
  Entry& entry = it->second;
  const bool keep_stale = !resolution.error.empty() && entry.answer && entry.answer->error.empty() &&
                          now < entry.answer->expires + limits_.stale;
  if (keep_stale) {
    entry.retry_after = now + limits_.negative_ttl;
  } else {
    auto answer = std::make_shared<Answer>();
    answer->addresses = std::move(resolution.addresses);
    answer->error = std::move(resolution.error);
    answer->expires = now + resolution.ttl;
    entry.answer = std::move(answer);
    entry.retry_after = {};
  }
  std::vector<Callback> waiters = std::move(entry.waiters);
  entry.waiters.clear();
  waiters_ -= waiters.size();
  entry.in_flight = false;
  lru_.push_front(&it->first);
  entry.lru = lru_.begin();
  evict();
  return waiters;
}

void Cache::touch(Entry& entry) {
  if (!entry.in_flight) {
    lru_.splice(lru_.begin(), lru_, entry.lru);
  }
}

void Cache::setInFlight(Entry& entry) {
  lru_.erase(entry.lru);
  entry.in_flight = true;
}

// Only idle entries go; the most recent one stays even when everything else
// is under way, so a waiter finds the answer it was called for.
void Cache::evict() {
  while (entries_.size() > limits_.max_entries && lru_.size() > 1) {
    const auto oldest = entries_.find(*lru_.back());
    lru_.pop_back();
    entries_.erase(oldest);
  }
}

}  // namespace tandem::dns::detail
