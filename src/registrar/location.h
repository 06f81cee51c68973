#pragma once

// The location service (RFC 3261 §10): the current bindings of every address
// of record, in memory, read by every event loop and written only by the
// registrar's store thread once a change is durable.
//
// Striped locks: 64 shards, each a shared_mutex over a hash map. A lookup
// holds one shard's shared lock for the copy of one user's contacts; a
// write holds one shard's exclusive lock for the swap of one user's list.
// Nothing else blocks a loop.

#include <array>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/registration.h"

namespace tandem::registrar {

class LocationTable {
 public:
  // The bindings of user@domain that have not expired at `now` (Unix
  // seconds), highest q first. `domain` is compared case-insensitively.
  std::vector<store::Binding> lookup(std::string_view user, std::string_view domain, int64_t now) const;
  // Replaces the user's bindings (none: the user is dropped).
  void replace(std::string_view user, std::string_view domain, std::vector<store::Binding> bindings);
  // Drops the bindings expired at `now`; returns how many.
  size_t purge(int64_t now);
  // Drops everything (before a reload from the store).
  void clear();
  // Addresses of record with at least one binding / bindings in all.
  size_t users() const;
  size_t bindings() const;

  static std::string key(std::string_view user, std::string_view domain);

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  struct Shard {
    mutable std::shared_mutex mutex;
    std::unordered_map<std::string, std::vector<store::Binding>, Hash, std::equal_to<>> users;
  };
  static constexpr size_t kShards = 64;
  Shard& shardOf(std::string_view key) { return shards_[Hash{}(key) % kShards]; }
  const Shard& shardOf(std::string_view key) const { return shards_[Hash{}(key) % kShards]; }

  std::array<Shard, kShards> shards_;
};

}  // namespace tandem::registrar
