#include "store/sqlite_schema.h"

#include <array>

namespace tandem::store::sqlite {
namespace {

// Version 1: the pool settings (issue: store and tandemctl).
constexpr std::string_view kPoolSettings = R"sql(
-- The pool's change counter: bumped once by every write that changes a pool
-- setting, so a running tandemd notices changes by polling one row.
CREATE TABLE pool_version (
  id      INTEGER PRIMARY KEY CHECK (id = 1),
  counter INTEGER NOT NULL
);
INSERT INTO pool_version (id, counter) VALUES (1, 0);

-- The SIP domains the pool is authoritative for (lower case).
CREATE TABLE domains (
  id   INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

-- Static routes; `position` is the match order.
CREATE TABLE routes (
  position     INTEGER PRIMARY KEY,
  user_part    TEXT NOT NULL,       -- '*' or a user part
  domain       TEXT NOT NULL,
  phone_uri    INTEGER NOT NULL CHECK (phone_uri IN (0, 1)),
  next_hop     TEXT NOT NULL,
  transport    TEXT NOT NULL CHECK (transport IN ('tcp', 'tls', 'udp')),
  port         INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
  replace_host INTEGER NOT NULL CHECK (replace_host IN (0, 1)),
  UNIQUE (user_part, domain, phone_uri)
);

CREATE TABLE authorized_hosts (
  id                     INTEGER PRIMARY KEY,
  host                   TEXT NOT NULL UNIQUE,
  outbound_only          INTEGER NOT NULL CHECK (outbound_only IN (0, 1)),
  throttle_as_server     INTEGER NOT NULL CHECK (throttle_as_server IN (0, 1)),
  treat_as_authenticated INTEGER NOT NULL CHECK (treat_as_authenticated IN (0, 1))
);

-- Users homed on the pool. Digest hashes only (realm = domain), never the
-- password. A domain cannot be dropped while users are homed in it.
CREATE TABLE users (
  id         INTEGER PRIMARY KEY,
  user_part  TEXT NOT NULL,
  domain     TEXT NOT NULL REFERENCES domains (name) ON DELETE RESTRICT,
  enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  ha1_md5    TEXT NOT NULL,
  ha1_sha256 TEXT NOT NULL,
  UNIQUE (user_part, domain)
);
CREATE INDEX users_by_domain ON users (domain);

-- Scalar pool settings by key ("presence.authorize").
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO settings (key, value) VALUES ('presence.authorize', 'ask');
)sql";

// Version 2: registrations (RFC 3261 §10.3). A binding belongs to a user and
// goes with it; expires_at is Unix seconds.
constexpr std::string_view kRegistrations = R"sql(
CREATE TABLE bindings (
  user_part  TEXT NOT NULL,
  domain     TEXT NOT NULL,
  contact    TEXT NOT NULL,
  q          INTEGER NOT NULL CHECK (q BETWEEN 0 AND 1000),
  expires_at INTEGER NOT NULL,
  call_id    TEXT NOT NULL,
  cseq       INTEGER NOT NULL,
  path       TEXT NOT NULL,
  received   TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  PRIMARY KEY (user_part, domain, contact),
  FOREIGN KEY (user_part, domain) REFERENCES users (user_part, domain) ON DELETE CASCADE ON UPDATE CASCADE
) WITHOUT ROWID;
CREATE INDEX bindings_by_expiry ON bindings (expires_at);
)sql";

// Version 3: a route to an FQDN without a port resolves SRV first (RFC 3263
// §4.2); `port` stays the fallback.
constexpr std::string_view kRouteSrv = R"sql(
ALTER TABLE routes ADD COLUMN srv INTEGER NOT NULL DEFAULT 0 CHECK (srv IN (0, 1));
)sql";

// Version 4: presence. The authorization rules are pool settings (they move
// the change counter); pending watchers, publications (RFC 3903) and
// subscriptions (RFC 6665) are user state. Everything keyed by a local user
// (the owner, the presentity) goes with that user. Times are Unix seconds.
constexpr std::string_view kPresence = R"sql(
-- What an owner decided about a watcher: a watcher URI ('sip:alice@example.org')
-- or a domain ('example.org', every watcher of it). One rule per pair.
CREATE TABLE presence_rules (
  owner_user   TEXT NOT NULL,
  owner_domain TEXT NOT NULL,
  watcher      TEXT NOT NULL,
  decision     TEXT NOT NULL CHECK (decision IN ('allow', 'block', 'reject')),
  PRIMARY KEY (owner_user, owner_domain, watcher),
  FOREIGN KEY (owner_user, owner_domain) REFERENCES users (user_part, domain) ON DELETE CASCADE ON UPDATE CASCADE
) WITHOUT ROWID;

-- Watchers waiting for their owner's decision (presence.authorize = ask).
CREATE TABLE pending_watchers (
  owner_user   TEXT NOT NULL,
  owner_domain TEXT NOT NULL,
  watcher      TEXT NOT NULL,
  since        INTEGER NOT NULL,
  PRIMARY KEY (owner_user, owner_domain, watcher),
  FOREIGN KEY (owner_user, owner_domain) REFERENCES users (user_part, domain) ON DELETE CASCADE ON UPDATE CASCADE
) WITHOUT ROWID;

-- One PUBLISH state of a presentity (a local user), by entity-tag. The body
-- is a few KiB: a rowid table.
CREATE TABLE publications (
  user_part    TEXT NOT NULL,
  domain       TEXT NOT NULL,
  etag         TEXT NOT NULL,
  expires_at   INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  body         TEXT NOT NULL,
  UNIQUE (user_part, domain, etag),
  FOREIGN KEY (user_part, domain) REFERENCES users (user_part, domain) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX publications_by_expiry ON publications (expires_at);

-- Notifier-side subscription dialogs to a local user's presence (or its
-- watcher information). id = call_id LF local_tag. route_set: the
-- Record-Route values, each followed by LF, with '\' and LF escaped as '\\'
-- and '\n'.
CREATE TABLE subscriptions (
  id            TEXT PRIMARY KEY,
  user_part     TEXT NOT NULL,
  domain        TEXT NOT NULL,
  watcher       TEXT NOT NULL,
  event         TEXT NOT NULL,
  call_id       TEXT NOT NULL,
  local_tag     TEXT NOT NULL,
  remote_tag    TEXT NOT NULL,
  remote_target TEXT NOT NULL,
  route_set     TEXT NOT NULL,
  local_cseq    INTEGER NOT NULL,
  remote_cseq   INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('pending', 'active', 'terminated')),
  accept        TEXT NOT NULL,
  version       INTEGER NOT NULL,
  FOREIGN KEY (user_part, domain) REFERENCES users (user_part, domain) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX subscriptions_by_presentity ON subscriptions (user_part, domain);
CREATE INDEX subscriptions_by_expiry ON subscriptions (expires_at);
)sql";

constexpr std::array<std::string_view, 4> kMigrations = {kPoolSettings, kRegistrations, kRouteSrv, kPresence};

}  // namespace

std::span<const std::string_view> migrations() { return kMigrations; }

}  // namespace tandem::store::sqlite
