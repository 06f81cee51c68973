#pragma once

// Presence state as the store keeps it: the authorization rules (pool
// settings), watchers waiting for their owner's decision, and the user state
// a presence agent must not lose (RFC 3903 publications, RFC 6665
// notifier-side subscriptions). What a presence agent acknowledged with a 200
// is here once Store::writePresence() returned.
//
// URIs are "sip:user@domain" of a local user where the field says so
// (owner, presentity): the store refuses (the whole write fails) one that is
// not a user homed here, and forgets everything of a user removed.

#include <cstdint>
#include <string>
#include <vector>

#include "config/pool.h"

namespace tandem::store {

// The rule types live with the pool settings (the pool file carries the
// rules, and config/ may not depend on store/); these are their store names.
//   WatcherDecision: Allow, BlockPolite (the watcher sees the owner offline),
//                    BlockReject (the subscription is refused).
//   PresenceRule:    owner ("sip:bob@example.com", a local user's URI),
//                    watcher ("sip:alice@example.com", or a domain
//                    "example.org": every watcher of that domain), decision.
using WatcherDecision = config::WatcherDecision;
using PresenceRule = config::PresenceRule;

// A watcher waiting for the owner's decision (authorize = "ask" and no rule).
struct PendingWatcher {
  std::string owner;    // "sip:bob@example.com" (a local user)
  std::string watcher;  // the watcher's URI, as the presence agent recorded it
  int64_t since = 0;    // unix s

  bool operator==(const PendingWatcher&) const = default;
};

// RFC 3903: one PUBLISH state of one presentity (device).
struct Publication {
  std::string presentity;  // "sip:bob@example.com" (a local user)
  std::string etag;        // unique per presentity
  int64_t expires_at = 0;  // unix s
  std::string content_type;
  std::string body;  // the PIDF as published

  bool operator==(const Publication&) const = default;
};

// RFC 6665 notifier-side dialog, enough to resume NOTIFYs after a restart.
struct Subscription {
  std::string id;          // unique: call_id + "\n" + local_tag
  std::string presentity;  // the resource: "sip:bob@example.com" (a local user)
  std::string watcher;     // From URI of the SUBSCRIBE
  std::string event;       // "presence" or "presence.winfo"
  std::string call_id;
  std::string local_tag;               // our To tag
  std::string remote_tag;              // the watcher's From tag
  std::string remote_target;           // the watcher's Contact URI (where NOTIFYs go)
  std::vector<std::string> route_set;  // Record-Route values, in the order NOTIFYs use them
  uint32_t local_cseq = 0;             // CSeq of our last NOTIFY
  uint32_t remote_cseq = 0;            // CSeq of the last SUBSCRIBE
  int64_t expires_at = 0;              // unix s
  std::string state;                   // "pending", "active", "terminated"
  std::string accept;                  // content type the NOTIFYs use
  uint32_t version = 0;                // last document version sent (winfo) / NOTIFY counter

  bool operator==(const Subscription&) const = default;
};

// One group-committed change (the presence agent batches them like the
// registrar's bindings). A Put inserts or replaces the row with the same key;
// a Delete of a row that is not there is no error.
struct PresenceChange {
  enum class Kind : uint8_t {
    PutPublication,      // key: presentity + etag
    DeletePublication,   // by presentity + etag
    PutSubscription,     // key: id
    DeleteSubscription,  // by id
    PutPending,          // key: owner + watcher
    DeletePending,       // by owner + watcher
  };
  Kind kind = Kind::PutPublication;
  Publication publication;    // Put/DeletePublication
  Subscription subscription;  // Put/DeleteSubscription
  PendingWatcher pending;     // Put/DeletePending
};

// What a presence agent starting up reloads.
struct PresenceLoad {
  std::vector<Publication> publications;    // unexpired; by presentity (domain, user), then etag
  std::vector<Subscription> subscriptions;  // unexpired; by id
  std::vector<PendingWatcher> pending;      // every one; by owner (domain, user), then watcher
};

}  // namespace tandem::store
