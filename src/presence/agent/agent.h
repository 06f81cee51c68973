#pragma once

// The presence agent for the users homed here: the event state compositor of
// RFC 3903 (PUBLISH) and the notifier of RFC 6665 / RFC 3856 (SUBSCRIBE,
// NOTIFY), with RFC 3857 watcher information for the owners.
//
// All state lives on one event loop (the "presence loop", worker 0's): the
// other loops hand it EventRequests (event_request.h) and get their answers
// back through `Reply`, so nothing here takes a lock. NOTIFYs leave through
// that loop's proxy (Proxy::sendLocalRequest).
//
//   PUBLISH     Event: presence only (489 otherwise); initial (a body, a new
//               entity-tag), refresh (SIP-If-Match, no body), modify
//               (SIP-If-Match + body), remove (Expires: 0); 412 for an
//               unknown entity-tag; 400 for a body that is not PIDF, naming
//               the fault; 423 + Min-Expires. Only the presentity (or a
//               trusted host) publishes. A new entity-tag on every success.
//   SUBSCRIBE   Event: presence (PIDF to the watcher) or presence.winfo (the
//               owner only); Accept must allow application/pidf+xml or
//               application/cpim-pidf+xml (406); Expires clamped to
//               [min, max] (423 below min), 0 = fetch / unsubscribe; the
//               watcher is authorized by the pool's rules
//               (store::authorizeWatcher): allow → active, polite block →
//               active with an offline document, reject → 403, unknown →
//               pending (no state) until the owner decides; in-dialog
//               refreshes by Call-ID and our tag (481 when unknown).
//   NOTIFY      at once after every SUBSCRIBE, and on every change of the
//               presentity's composed state — at most one per
//               `notify_interval` per subscription (RFC 3856 §6.10; the
//               newest state goes out when the interval ends), never two
//               under way on one dialog. A NOTIFY answered 481, or not
//               answered at all (408), ends the subscription (RFC 6665
//               §4.2.2).
//   Durability  publications, subscription dialogs and pending watchers are
//               written through PresenceWriter before the 2xx. After a
//               restart every dialog is resumed: the current state is
//               NOTIFYed on it at once (CSeq continued with a gap), so a
//               watcher never waits for its refresh to see changes again.

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "presence/agent/event_request.h"
#include "presence/agent/writer.h"
#include "presence/pidf.h"
#include "proxy/proxy.h"
#include "store/pool_snapshot.h"
#include "store/presence.h"
#include "store/presence_policy.h"

namespace tandem::presence {

struct AgentSettings {
  uint32_t min_expires = 60;        // SUBSCRIBE and PUBLISH below: 423 with Min-Expires
  uint32_t max_expires = 86400;     // longer requests are shortened (IM&P's 7446 s passes as asked)
  uint32_t default_expires = 3600;  // SUBSCRIBE without Expires (RFC 3856 §6.4)
  uint32_t publish_default_expires = 3600;
  std::chrono::milliseconds notify_interval{5000};  // per subscription (RFC 3856 §6.10)
  size_t max_subscriptions = 1'000'000;
  size_t max_watchers_per_presentity = 10'000;
  size_t max_publications_per_presentity = 32;
  size_t max_body = size_t{64} * 1024;
};

class PresenceAgent {
 public:
  // Sends the answer back to the loop that received the request; `after`
  // (may be empty) runs on the agent's loop once the answer has been sent
  // (the first NOTIFY of a dialog follows its 200).
  using Reply = std::function<void(proxy::LocalResponse, std::function<void()> after)>;

  PresenceAgent(asio::io_context& loop, proxy::Proxy& proxy, PresenceWriter& writer, AgentSettings settings);
  ~PresenceAgent();
  PresenceAgent(const PresenceAgent&) = delete;
  PresenceAgent& operator=(const PresenceAgent&) = delete;

  // Everything below runs on the presence loop.

  // The durable state read at start-up: publications are composed, and
  // every subscription is resumed with a NOTIFY of the current state.
  void restore(store::PresenceLoad load);
  // New pool settings (rules, presence.authorize, users): pending watchers
  // the owner has decided on are activated or ended.
  void setPool(std::shared_ptr<const store::PoolSnapshot> pool);
  void onRequest(EventRequest request, Reply reply);
  // Stops the timer (before the loop goes away).
  void stop() noexcept;

  struct Stats {
    size_t presentities = 0;
    size_t publications = 0;
    size_t subscriptions = 0;
    uint64_t notifies_sent = 0;
    uint64_t notifies_failed = 0;
  };
  Stats stats() const;

 private:
  struct Publication {
    std::string etag;
    int64_t expires_at = 0;
    PresenceState state;
    std::string content_type;
    std::string body;
  };
  struct Presentity {
    std::string uri;
    std::vector<Publication> publications;
    PresenceState composed;
    std::vector<std::string> subscriptions;  // ids of the dialogs watching it (both packages)
  };
  struct Dialog {
    store::Subscription record;
    store::Authorization authorization = store::Authorization::Pending;
    transaction::Destination source;  // where the SUBSCRIBE came from (connection reuse)
    bool have_source = false;
    bool dirty = false;      // a NOTIFY is owed
    bool in_flight = false;  // a NOTIFY is under way
    std::chrono::steady_clock::time_point next_allowed{};
    std::string terminate_reason;  // non-empty: the next NOTIFY ends the dialog with this reason
  };

  void publish(EventRequest& request, Reply& reply);
  void subscribe(EventRequest& request, Reply& reply);
  void refresh(Dialog& dialog, EventRequest& request, Reply& reply);
  std::optional<uint32_t> grantExpires(const EventRequest& request, uint32_t fallback, Reply& reply) const;
  void persistThen(std::vector<store::PresenceChange> changes, std::function<void(bool)> then);

  Presentity& presentity(const std::string& uri);
  void recompose(Presentity& presentity);
  void changed(Presentity& presentity);
  store::Authorization authorize(const std::string& owner, const std::string& watcher) const;
  bool homedHere(const std::string& aor) const;  // a user of the current pool

  // NOTIFY machinery. afterReply: the NOTIFY owed once the 2xx is out.
  std::function<void()> afterReply(const std::string& id);
  void markDirty(Dialog& dialog);
  void flush();
  void sendNotify(Dialog& dialog);
  std::string notifyBody(const Dialog& dialog, std::string& content_type) const;
  std::optional<transaction::Destination> destinationOf(const Dialog& dialog) const;
  void endDialog(const std::string& id, bool persist);
  void winfoChanged(const std::string& owner);

  void armTimer();
  void onTimer();
  void expire(int64_t now);

  static int64_t unixNow();
  std::string newTag();
  std::string newEtag();

  asio::io_context& loop_;
  proxy::Proxy& proxy_;
  PresenceWriter& writer_;
  AgentSettings settings_;
  std::shared_ptr<const store::PoolSnapshot> pool_;
  std::vector<store::PendingWatcher> pending_;
  std::unordered_map<std::string, Presentity> presentities_;  // by AOR
  std::unordered_map<std::string, Dialog> dialogs_;           // by store::Subscription::id
  std::vector<std::string> dirty_;                            // dialogs owing a NOTIFY
  asio::steady_timer timer_;
  bool stopped_ = false;
  uint64_t sequence_ = 0;
  int64_t next_expiry_scan_ = 0;
  Stats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for callbacks that may outlive the agent
};

}  // namespace tandem::presence
