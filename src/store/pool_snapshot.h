#pragma once

// An immutable picture of the pool settings at one change counter value: what
// a running tandemd holds in memory (every user included, tens of thousands
// of them) and swaps when the store's change counter moves. Lookups allocate
// nothing, so the request path can use them; share it read-only between
// threads (std::shared_ptr<const PoolSnapshot>).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/pool.h"

namespace tandem::store {

// A user homed on this pool, as the store keeps it.
struct UserRecord {
  std::string uri;     // "sip:alice@example.com"
  std::string user;    // "alice" (the digest username)
  std::string domain;  // "example.com" (the digest realm), lower case
  bool enabled = true;
  std::string ha1_md5;     // lower-case hex, H(user:domain:password)
  std::string ha1_sha256;  // lower-case hex

  bool operator==(const UserRecord&) const = default;
};

// The users of a pool, indexed by (user part, domain).
class UserDirectory {
 public:
  UserDirectory() = default;
  explicit UserDirectory(std::vector<UserRecord> users);

  // The user, or nullptr. `user` compares exactly (user parts are
  // case-sensitive), `domain` case-insensitively.
  const UserRecord* find(std::string_view user, std::string_view domain) const;
  const std::vector<UserRecord>& all() const { return users_; }
  size_t size() const { return users_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  struct Domain {
    std::string name;
    std::unordered_map<std::string, size_t, Hash, std::equal_to<>> users;  // user part -> index in users_
  };

  std::vector<UserRecord> users_;  // sorted by domain, then user
  std::vector<Domain> domains_;    // few: a linear scan beats hashing
};

struct PoolSnapshot {
  uint64_t version = 0;  // the store's change counter when it was read
  // Domains, routes (in match order), authorized hosts, presence; `users`
  // lists every user's URI (with enabled = false for a disabled one) and no
  // password: formatPoolFile(settings) is `tandemctl pool export`.
  config::PoolSettings settings;
  UserDirectory users;

  // True when `domain` (any case) is one of the pool's domains.
  bool isLocalDomain(std::string_view domain) const;
  const UserRecord* findUser(std::string_view user, std::string_view domain) const { return users.find(user, domain); }
};

}  // namespace tandem::store
