#pragma once

// The store: everything Tandem keeps. The pool settings (domains, static
// routes, authorized hosts, users with their digest hashes, presence policy
// and rules) with a change counter, and the user state (registrations;
// presence publications, subscriptions and pending watchers).
//
// Contracts shared by every implementation:
// - Every operation is a value: nothing throws into the caller.
// - Every write is one transaction: it happens whole or not at all, and when
//   it changes something it bumps the change counter exactly once.
// - A Store object is used from one thread at a time; open one per thread
//   that needs its own (SQLite: several processes and connections may share
//   one file, e.g. tandemd and tandemctl).
// - Inputs are checked (config::check* rules) and made canonical before they
//   are stored; a refused input changes nothing and the error says why in
//   one line.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/pool.h"
#include "config/server_config.h"
#include "store/pool_snapshot.h"
#include "store/presence.h"
#include "store/registration.h"

namespace tandem::store {

template <class T>
using StoreResult = Result<T, std::string>;
using StoreStatus = Status<std::string>;

// What a write changed, one line per change ("route added: *@example.com ->
// tcp 10.0.0.5:5060"). Empty when it changed nothing.
struct ChangeSummary {
  std::vector<std::string> changes;
  uint64_t version = 0;  // the change counter after the write

  bool empty() const { return changes.empty(); }
};

class Store {
 public:
  virtual ~Store() = default;

  // --- Pool settings as a whole -------------------------------------------

  // Every pool setting and user, consistent with one change counter value.
  virtual StoreResult<PoolSnapshot> loadPool() = 0;

  // A number that grows with every committed write to the pool settings, by
  // anyone (this object, another process). Cheap enough to poll every
  // second: it reads the database only after another connection committed.
  virtual StoreResult<uint64_t> changeCounter() = 0;

  // Makes the pool's domains, routes, authorized hosts, presence policy and
  // presence rules those of `settings` (routes in its order), and adds or
  // updates the users it lists: a password given replaces the stored hashes
  // when it differs, `enabled` given is applied. Users the settings do not
  // list are kept. A new user needs a password. A domain that still has users
  // cannot be dropped. A rule's owner must be a user (stored or listed).
  // Pending watchers a new or changed rule covers stop pending (as
  // setPresenceRule). One transaction; applying the same settings again
  // reports no change.
  virtual StoreResult<ChangeSummary> applyPool(const config::PoolSettings& settings) = 0;

  // --- Domains ------------------------------------------------------------

  virtual StoreResult<std::vector<std::string>> listDomains() = 0;
  virtual StoreResult<ChangeSummary> addDomain(std::string_view domain) = 0;
  // Refused while users are homed in the domain.
  virtual StoreResult<ChangeSummary> removeDomain(std::string_view domain) = 0;

  // --- Static routes (in match order) -------------------------------------

  virtual StoreResult<std::vector<config::Route>> listRoutes() = 0;
  // Appends the route (it is tried after every existing route). Refused when
  // a route with the same key exists.
  virtual StoreResult<ChangeSummary> addRoute(const config::Route& route) = 0;
  virtual StoreResult<ChangeSummary> removeRoute(const config::RouteKey& key) = 0;

  // --- Authorized hosts ---------------------------------------------------

  virtual StoreResult<std::vector<config::AuthorizedHost>> listHosts() = 0;
  virtual StoreResult<ChangeSummary> addHost(const config::AuthorizedHost& host) = 0;
  virtual StoreResult<ChangeSummary> removeHost(std::string_view host) = 0;

  // --- Users --------------------------------------------------------------

  // `uri` is "sip:user@domain" in one of the pool's domains; the password is
  // kept only as digest hashes (realm = the domain).
  virtual StoreResult<ChangeSummary> addUser(std::string_view uri, std::string_view password) = 0;
  virtual StoreResult<ChangeSummary> removeUser(std::string_view uri) = 0;
  virtual StoreResult<ChangeSummary> setUserEnabled(std::string_view uri, bool enabled) = 0;
  // Sorted by domain, then user.
  virtual StoreResult<std::vector<UserRecord>> listUsers() = 0;
  // nullopt when there is no such user.
  virtual StoreResult<std::optional<UserRecord>> getUser(std::string_view uri) = 0;
  virtual StoreResult<std::optional<UserRecord>> findUser(std::string_view user, std::string_view domain) = 0;

  // --- Presence rules (pool settings: they move the change counter) --------

  // Sorted by owner, then watcher (as strings: store/presence_policy.h's
  // rulesOf relies on it). `owner` empty: every owner's; otherwise a user URI
  // (sip:user@domain), refused when malformed.
  virtual StoreResult<std::vector<PresenceRule>> listPresenceRules(std::string_view owner) = 0;
  // Sets the owner's rule for the watcher, replacing the one there was. The
  // owner must be a user homed here; the watcher is a sip URI or a domain
  // (config::checkPresenceRule). The watchers pending for that owner that the
  // rule covers stop pending: the decision is made. No change when the same
  // rule is there.
  virtual StoreResult<ChangeSummary> setPresenceRule(const PresenceRule& rule) = 0;
  // Refused when there is no such rule.
  virtual StoreResult<ChangeSummary> removePresenceRule(std::string_view owner, std::string_view watcher) = 0;

  // --- User state ---------------------------------------------------------
  // Writes acknowledged to a client must be durable when the call returns
  // (SQLite: committed with synchronous = FULL). They do not move the pool's
  // change counter.

  // Every binding that has not expired at `now` (Unix seconds), for a
  // registrar starting up. Sorted by domain, user, contact.
  virtual StoreResult<std::vector<Binding>> loadBindings(int64_t now) = 0;
  // Applies the changes in order, in one transaction (a group commit of
  // several REGISTERs): all or none. Bindings of a user that does not exist
  // are refused (the whole write fails).
  virtual StoreStatus writeBindings(const std::vector<BindingChange>& changes) = 0;
  // Deletes the bindings expired at `now`; returns how many.
  virtual StoreResult<size_t> purgeExpiredBindings(int64_t now) = 0;

  // Watchers waiting for a decision, sorted by owner, then watcher. `owner`
  // empty: every owner's; otherwise a user URI, refused when malformed.
  virtual StoreResult<std::vector<PendingWatcher>> listPendingWatchers(std::string_view owner) = 0;
  // The publications of one presentity (a user URI) that have not expired at
  // `now`, by etag.
  virtual StoreResult<std::vector<Publication>> listPublications(std::string_view presentity, int64_t now) = 0;
  // Everything a presence agent starting up needs: the publications and
  // subscriptions that have not expired at `now`, and every pending watcher.
  // One consistent read.
  virtual StoreResult<PresenceLoad> loadPresence(int64_t now) = 0;
  // Applies the changes in order, in one transaction (a group commit of
  // several PUBLISH / SUBSCRIBE): all or none. A change naming a presentity
  // or owner that is not a user homed here is refused (the whole write fails).
  virtual StoreStatus writePresence(const std::vector<PresenceChange>& changes) = 0;
  // Deletes the publications and subscriptions expired at `now`; returns how
  // many. Pending watchers wait for their owner and do not expire.
  virtual StoreResult<size_t> purgeExpiredPresence(int64_t now) = 0;
};

// Whether open() may create a missing database. tandemctl creates it;
// tandemd refuses to start on a missing one (a typo in server.store must not
// start an empty server).
enum class Missing : uint8_t { Create, Refuse };

// Opens (and creates or migrates) the store a server file names.
// Sqlite: `store.location` is the database file; its folder must exist.
// Postgresql: refused until the Enterprise Edition issue.
StoreResult<std::unique_ptr<Store>> open(const config::Store& store, Missing missing = Missing::Create);

// Same from a URL: "sqlite:PATH" (PATH as given: relative to the working
// directory) or "postgresql://..." / "postgres://...".
StoreResult<std::unique_ptr<Store>> open(std::string_view url);

}  // namespace tandem::store
