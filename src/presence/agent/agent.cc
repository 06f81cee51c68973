#include "presence/agent/agent.h"

#include <spdlog/spdlog.h>

#include <asio/post.hpp>

#include <algorithm>
#include <charconv>
#include <random>

#include "common/text.h"
#include "presence/winfo.h"
#include "proxy/lookup.h"
#include "proxy/routing.h"
#include "sip/headers.h"
#include "sip/uri.h"

namespace tandem::presence {
namespace {

using proxy::LocalResponse;

constexpr std::string_view kPidf = "application/pidf+xml";
constexpr std::string_view kCpimPidf = "application/cpim-pidf+xml";
constexpr std::string_view kWatcherInfo = "application/watcherinfo+xml";
constexpr std::string_view kPresence = "presence";
constexpr std::string_view kWinfo = "presence.winfo";
// After a restart our NOTIFYs continue every dialog's CSeq with this gap: the
// CSeq stored is the one of the last durable write, and fewer NOTIFYs than
// this go out on one dialog between two writes (one per refresh at most
// every notify_interval: 5 s × 1000 is longer than any refresh interval).
constexpr uint32_t kCseqGapAfterRestart = 1000;
constexpr auto kTick = std::chrono::milliseconds(250);

LocalResponse answer(uint16_t status, std::string warning = {}) {
  LocalResponse response;
  response.status = status;
  response.warning = std::move(warning);
  return response;
}

std::string dialogId(std::string_view call_id, std::string_view local_tag) {
  std::string id(call_id);
  id += '\n';
  id += local_tag;
  return id;
}

// The AOR a Request-URI or To names: "sip:user@domain", domain lower case.
std::string aorKey(std::string_view uri) {
  auto parsed = sip::parseUri(uri);
  if (!parsed.ok() || parsed->user.empty()) {
    return std::string(uri);
  }
  return "sip:" + std::string(parsed->user) + "@" + asciiLower(parsed->host);
}

bool accepts(const std::vector<std::string>& accept, std::string_view type) {
  return std::find(accept.begin(), accept.end(), type) != accept.end();
}

std::string transportParam(transport::TransportKind kind) {
  switch (kind) {
    case transport::TransportKind::Tcp:
      return ";transport=tcp";
    case transport::TransportKind::Tls:
    case transport::TransportKind::Mtls:
      return ";transport=tls";
    default:
      return {};
  }
}

std::string hostPort(const transport::Endpoint& endpoint) {
  const std::string host =
      endpoint.address.is_v6() ? "[" + endpoint.address.to_string() + "]" : endpoint.address.to_string();
  return host + ":" + std::to_string(endpoint.port);
}

std::string asciiUpper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return out;
}

std::string userOf(std::string_view aor) {
  auto parsed = sip::parseUri(aor);
  return parsed.ok() ? std::string(parsed->user) : std::string();
}

}  // namespace

PresenceAgent::PresenceAgent(asio::io_context& loop, proxy::Proxy& proxy, PresenceWriter& writer,
                             AgentSettings settings)
    : loop_(loop), proxy_(proxy), writer_(writer), settings_(settings), timer_(loop) {
  armTimer();
}

PresenceAgent::~PresenceAgent() {
  *alive_ = false;
  stop();
}

void PresenceAgent::stop() noexcept {
  stopped_ = true;
  try {
    timer_.cancel();
  } catch (const std::exception& error) {
    spdlog::warn("presence: timer: {}", error.what());
  }
}

int64_t PresenceAgent::unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string PresenceAgent::newTag() {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  char text[40];
  const auto [end, ec] = std::to_chars(text, text + sizeof text, random() ^ ++sequence_, 36);
  return "tdp" + std::string(text, static_cast<size_t>(end - text));
}

std::string PresenceAgent::newEtag() { return "e" + newTag(); }

PresenceAgent::Stats PresenceAgent::stats() const {
  Stats out = stats_;
  out.presentities = presentities_.size();
  out.subscriptions = dialogs_.size();
  out.publications = 0;
  for (const auto& [uri, presentity] : presentities_) {
    out.publications += presentity.publications.size();
  }
  return out;
}

PresenceAgent::Presentity& PresenceAgent::presentity(const std::string& uri) {
  auto [it, inserted] = presentities_.try_emplace(uri);
  if (inserted) {
    it->second.uri = uri;
    it->second.composed = offline(uri);
  }
  return it->second;
}

void PresenceAgent::recompose(Presentity& presentity) {
  std::vector<PresenceState> states;
  states.reserve(presentity.publications.size());
  for (const Publication& publication : presentity.publications) {
    states.push_back(publication.state);
  }
  presentity.composed = states.empty() ? offline(presentity.uri) : compose(presentity.uri, states);
}

void PresenceAgent::changed(Presentity& presentity) {
  for (const std::string& id : presentity.subscriptions) {
    auto it = dialogs_.find(id);
    if (it != dialogs_.end() && it->second.record.event == kPresence) {
      markDirty(it->second);
    }
  }
  flush();
}

bool PresenceAgent::homedHere(const std::string& aor) const {
  auto uri = sip::parseUri(aor);
  return uri.ok() && pool_->findUser(uri->user, uri->host) != nullptr;
}

store::Authorization PresenceAgent::authorize(const std::string& owner, const std::string& watcher) const {
  if (!pool_) {
    return store::Authorization::Pending;
  }
  return store::authorizeWatcher(pool_->settings, pool_->settings.presence_rules, owner, watcher);
}

void PresenceAgent::persistThen(std::vector<store::PresenceChange> changes, std::function<void(bool)> then) {
  std::weak_ptr<bool> alive = alive_;
  asio::io_context* loop = &loop_;
  auto shared = std::make_shared<std::function<void(bool)>>(std::move(then));
  const bool queued = writer_.submit(std::move(changes), [alive, loop, shared](bool durable) {
    asio::post(*loop, [alive, shared, durable] {
      if (auto live = alive.lock(); live && *live) {
        (*shared)(durable);
      }
    });
  });
  if (!queued) {
    (*shared)(false);
  }
}

void PresenceAgent::onRequest(EventRequest request, Reply reply) {
  if (request.method == sip::Method::Publish) {
    publish(request, reply);
  } else {
    subscribe(request, reply);
  }
}

// The expiry granted to a PUBLISH or SUBSCRIBE: the request's (or
// `fallback`), shortened to max_expires; 0 stays 0. Below min_expires: 423
// with Min-Expires is answered and nullopt returned.
std::optional<uint32_t> PresenceAgent::grantExpires(const EventRequest& request, uint32_t fallback,
                                                    Reply& reply) const {
  const uint32_t asked = request.expires.value_or(fallback);
  if (asked != 0 && asked < settings_.min_expires) {
    LocalResponse response = answer(423);
    response.headers.emplace_back("Min-Expires", std::to_string(settings_.min_expires));
    reply(std::move(response), {});
    return std::nullopt;
  }
  return std::min(asked, settings_.max_expires);
}

// --- PUBLISH (RFC 3903 §6) ---

void PresenceAgent::publish(EventRequest& request, Reply& reply) {
  if (request.event != kPresence) {
    LocalResponse response = answer(489, "Only the presence event package is published here");
    response.headers.emplace_back("Allow-Events", "presence");
    reply(std::move(response), {});
    return;
  }
  if (!request.authenticated_as_presentity && !request.trusted_host) {
    reply(answer(403, "Only " + request.presentity + " publishes its presence"), {});
    return;
  }
  const int64_t now = unixNow();
  const std::optional<uint32_t> granted = grantExpires(request, settings_.publish_default_expires, reply);
  if (!granted) {
    return;
  }
  const uint32_t expires = *granted;
  Presentity& target = presentity(request.presentity);

  // The new state, when the request carries one.
  std::optional<PresenceState> state;
  if (!request.body.empty()) {
    if (request.content_type != kPidf && request.content_type != kCpimPidf) {
      LocalResponse response = answer(415, "PUBLISH bodies are application/pidf+xml (RFC 3863)");
      response.headers.emplace_back("Accept", "application/pidf+xml, application/cpim-pidf+xml");
      reply(std::move(response), {});
      return;
    }
    auto parsed = parsePidf(request.body, settings_.max_body);
    if (!parsed) {
      reply(answer(400, "Bad PIDF body: " + parsed.error()), {});
      return;
    }
    state = std::move(*parsed);
  }

  std::vector<store::PresenceChange> changes;
  Publication next;
  const auto existing = std::find_if(target.publications.begin(), target.publications.end(),
                                     [&](const Publication& p) { return p.etag == request.if_match; });
  if (request.if_match.empty()) {
    if (expires == 0) {
      reply(answer(400, "Expires: 0 without SIP-If-Match removes nothing"), {});
      return;
    }
    if (!state) {
      reply(answer(400, "An initial PUBLISH needs a body (RFC 3903 §6)"), {});
      return;
    }
    if (target.publications.size() >= settings_.max_publications_per_presentity) {
      reply(answer(403, "Too many publications for " + request.presentity), {});
      return;
    }
  } else if (existing == target.publications.end()) {
    reply(answer(412, "No publication with entity-tag " + request.if_match), {});
    return;
  } else {
    store::PresenceChange remove;
    remove.kind = store::PresenceChange::Kind::DeletePublication;
    remove.publication.presentity = request.presentity;
    remove.publication.etag = existing->etag;
    changes.push_back(std::move(remove));
  }
  const bool removal = expires == 0;
  if (!removal) {
    next.etag = newEtag();
    next.expires_at = now + expires;
    if (state) {
      next.state = std::move(*state);
      next.content_type = request.content_type;
      next.body = std::move(request.body);
    } else {  // a refresh keeps the state
      next.state = existing->state;
      next.content_type = existing->content_type;
      next.body = existing->body;
    }
    store::PresenceChange put;
    put.kind = store::PresenceChange::Kind::PutPublication;
    put.publication = store::Publication{request.presentity, next.etag, next.expires_at, next.content_type, next.body};
    changes.push_back(std::move(put));
  }
  const std::string old_etag = request.if_match;
  const std::string uri = request.presentity;
  persistThen(std::move(changes), [this, uri, old_etag, next = std::move(next), removal, expires,
                                   reply = std::move(reply)](bool durable) mutable {
    if (!durable) {
      reply(answer(500, "The publication could not be stored"), {});
      return;
    }
    Presentity& published = presentity(uri);
    std::erase_if(published.publications,
                  [&](const Publication& p) { return !old_etag.empty() && p.etag == old_etag; });
    LocalResponse response = answer(200);
    if (!removal) {
      response.headers.emplace_back("SIP-ETag", next.etag);
      published.publications.push_back(std::move(next));
    }
    response.headers.emplace_back("Expires", std::to_string(removal ? 0 : expires));
    reply(std::move(response), {});
    recompose(published);
    changed(published);
  });
}

// --- SUBSCRIBE (RFC 6665 §4.2, RFC 3856 §6) ---

void PresenceAgent::subscribe(EventRequest& request, Reply& reply) {
  if (!request.to_tag.empty()) {
    const auto it = dialogs_.find(dialogId(request.call_id, request.to_tag));
    if (it == dialogs_.end() || !it->second.terminate_reason.empty()) {
      reply(answer(481, "No subscription with this Call-ID and tag"), {});
      return;
    }
    refresh(it->second, request, reply);
    return;
  }
  const bool winfo = request.event == kWinfo;
  if (request.event != kPresence && !winfo) {
    LocalResponse response = answer(489, "Event packages here: presence, presence.winfo");
    response.headers.emplace_back("Allow-Events", "presence, presence.winfo");
    reply(std::move(response), {});
    return;
  }
  std::string content_type;
  if (winfo) {
    if (!request.accept.empty() && !accepts(request.accept, kWatcherInfo)) {
      LocalResponse response = answer(406);
      response.headers.emplace_back("Accept", std::string(kWatcherInfo));
      reply(std::move(response), {});
      return;
    }
    content_type = kWatcherInfo;
  } else if (request.accept.empty() || accepts(request.accept, kPidf)) {
    content_type = kPidf;  // RFC 3856 §6.7: PIDF when Accept is absent
  } else if (accepts(request.accept, kCpimPidf)) {
    content_type = kCpimPidf;
  } else {
    LocalResponse response = answer(406, "Presence documents here are PIDF");
    response.headers.emplace_back("Accept", "application/pidf+xml, application/cpim-pidf+xml");
    reply(std::move(response), {});
    return;
  }
  if (winfo && !request.authenticated_as_presentity) {
    reply(answer(403, "Only " + request.presentity + " may watch its watchers"), {});
    return;
  }
  const std::optional<uint32_t> granted = grantExpires(request, settings_.default_expires, reply);
  if (!granted) {
    return;
  }
  const uint32_t expires = *granted;
  const std::string watcher = aorKey(request.from_uri);
  const store::Authorization authorization =
      winfo ? store::Authorization::Allow : authorize(request.presentity, watcher);
  if (authorization == store::Authorization::Reject) {
    reply(answer(403, request.presentity + " does not share its presence with " + watcher), {});
    return;
  }
  Presentity& target = presentity(request.presentity);
  if (dialogs_.size() >= settings_.max_subscriptions ||
      target.subscriptions.size() >= settings_.max_watchers_per_presentity) {
    LocalResponse response = answer(503, "Too many subscriptions");
    response.headers.emplace_back("Retry-After", "60");
    reply(std::move(response), {});
    return;
  }

  const int64_t now = unixNow();
  Dialog dialog;
  store::Subscription& record = dialog.record;
  record.local_tag = newTag();
  record.call_id = request.call_id;
  record.id = dialogId(record.call_id, record.local_tag);
  record.presentity = request.presentity;
  record.watcher = watcher;
  record.event = winfo ? std::string(kWinfo) : std::string(kPresence);
  record.remote_tag = request.from_tag;
  record.remote_target = request.contact;
  record.route_set = request.record_route;
  record.remote_cseq = request.cseq;
  record.expires_at = now + expires;
  record.state = authorization == store::Authorization::Pending ? "pending" : "active";
  record.accept = content_type;
  dialog.authorization = authorization;
  dialog.source = request.source;
  dialog.have_source = true;

  std::vector<store::PresenceChange> changes;
  const bool fetch = expires == 0;
  if (fetch) {
    dialog.terminate_reason = "timeout";  // RFC 6665 §4.4.3: one NOTIFY, then over
  } else {
    store::PresenceChange put;
    put.kind = store::PresenceChange::Kind::PutSubscription;
    put.subscription = record;
    changes.push_back(std::move(put));
  }
  const bool new_pending = authorization == store::Authorization::Pending &&
                           std::none_of(pending_.begin(), pending_.end(), [&](const store::PendingWatcher& p) {
                             return p.owner == request.presentity && p.watcher == watcher;
                           });
  if (new_pending) {
    store::PresenceChange put;
    put.kind = store::PresenceChange::Kind::PutPending;
    put.pending = store::PendingWatcher{request.presentity, watcher, now};
    changes.push_back(std::move(put));
  }
  const transport::Endpoint local = proxy_.identity().localFor(request.source.transport, request.source.endpoint);
  const std::string contact =
      "<sip:" + userOf(request.presentity) + "@" + hostPort(local) + transportParam(request.source.transport) + ">";
  auto finish = [this, dialog = std::move(dialog), new_pending, expires, contact, reply = std::move(reply),
                 now](bool durable) mutable {
    if (!durable) {
      reply(answer(500, "The subscription could not be stored"), {});
      return;
    }
    LocalResponse response = answer(200);
    response.to_tag = dialog.record.local_tag;
    response.headers.emplace_back("Expires", std::to_string(expires));
    response.headers.emplace_back("Contact", contact);
    const std::string id = dialog.record.id;
    const std::string owner = dialog.record.presentity;
    if (new_pending) {
      pending_.push_back(store::PendingWatcher{owner, dialog.record.watcher, now});
    }
    presentity(owner).subscriptions.push_back(id);
    const Dialog& stored = dialogs_.insert_or_assign(id, std::move(dialog)).first->second;
    spdlog::info("SUBSCRIBE {} to {} ({}): {} for {} s", stored.record.watcher, owner, stored.record.event,
                 stored.record.state, expires);
    // The first NOTIFY goes once the 200 is out (RFC 6665 §4.2.1.1 allows
    // either order; watchers handle this one best).
    reply(std::move(response), afterReply(id));
    if (new_pending) {
      winfoChanged(owner);
      flush();
    }
  };
  if (changes.empty()) {
    finish(true);
  } else {
    persistThen(std::move(changes), std::move(finish));
  }
}

void PresenceAgent::refresh(Dialog& dialog, EventRequest& request, Reply& reply) {
  if (request.cseq <= dialog.record.remote_cseq) {
    reply(answer(500, "CSeq lower than the dialog's (RFC 3261 §12.2.2)"), {});
    return;
  }
  const std::optional<uint32_t> granted = grantExpires(request, settings_.default_expires, reply);
  if (!granted) {
    return;
  }
  const uint32_t expires = *granted;
  dialog.record.remote_cseq = request.cseq;
  if (!request.contact.empty()) {
    dialog.record.remote_target = request.contact;  // a target refresh (RFC 6665 §4.1.2.1)
  }
  dialog.source = request.source;
  dialog.have_source = true;
  store::PresenceChange change;
  if (expires == 0) {
    change.kind = store::PresenceChange::Kind::DeleteSubscription;
  } else {
    dialog.record.expires_at = unixNow() + expires;
    change.kind = store::PresenceChange::Kind::PutSubscription;
  }
  change.subscription = dialog.record;
  const std::string id = dialog.record.id;
  persistThen({std::move(change)}, [this, id, expires, reply = std::move(reply)](bool durable) mutable {
    if (!durable) {
      reply(answer(500, "The subscription could not be stored"), {});
      return;
    }
    LocalResponse response = answer(200);
    response.headers.emplace_back("Expires", std::to_string(expires));
    const auto it = dialogs_.find(id);
    if (it == dialogs_.end()) {
      reply(std::move(response), {});
      return;
    }
    response.to_tag = it->second.record.local_tag;
    if (expires == 0) {
      it->second.terminate_reason = "timeout";
    }
    it->second.next_allowed = {};  // RFC 6665 §4.2.2: a NOTIFY answers every SUBSCRIBE at once
    reply(std::move(response), afterReply(id));
  });
}

std::function<void()> PresenceAgent::afterReply(const std::string& id) {
  std::weak_ptr<bool> alive = alive_;
  return [this, alive, id] {
    if (auto live = alive.lock(); !live || !*live) {
      return;
    }
    if (auto it = dialogs_.find(id); it != dialogs_.end()) {
      markDirty(it->second);
      flush();
    }
  };
}

// --- NOTIFY ---

void PresenceAgent::markDirty(Dialog& dialog) {
  if (!dialog.dirty) {
    dialog.dirty = true;
    dirty_.push_back(dialog.record.id);
  }
}

void PresenceAgent::flush() {
  if (dirty_.empty()) {
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::string> waiting;
  std::vector<std::string> ids = std::move(dirty_);
  dirty_.clear();
  for (const std::string& id : ids) {
    auto it = dialogs_.find(id);
    if (it == dialogs_.end() || !it->second.dirty) {
      continue;
    }
    Dialog& dialog = it->second;
    // The end of a dialog is never held back by the rate limit.
    if (dialog.in_flight || (now < dialog.next_allowed && dialog.terminate_reason.empty())) {
      waiting.push_back(id);
      continue;
    }
    sendNotify(dialog);
  }
  for (std::string& id : waiting) {
    dirty_.push_back(std::move(id));
  }
}

std::string PresenceAgent::notifyBody(const Dialog& dialog, std::string& content_type) const {
  const store::Subscription& record = dialog.record;
  if (record.event == kWinfo) {
    std::vector<WatcherEntry> entries;
    const auto owner = presentities_.find(record.presentity);
    if (owner != presentities_.end()) {
      for (const std::string& id : owner->second.subscriptions) {
        const auto it = dialogs_.find(id);
        if (it == dialogs_.end() || it->second.record.event != kPresence) {
          continue;
        }
        const store::Subscription& watched = it->second.record;
        WatcherEntry entry;
        entry.id = std::to_string(std::hash<std::string>{}(watched.id));
        entry.watcher = watched.watcher;
        entry.status = it->second.authorization == store::Authorization::Pending ? "pending" : "active";
        entry.event = it->second.authorization == store::Authorization::Pending ? "subscribe" : "approved";
        entries.push_back(std::move(entry));
      }
    }
    for (const store::PendingWatcher& pending : pending_) {
      const bool listed = std::any_of(entries.begin(), entries.end(),
                                      [&](const WatcherEntry& e) { return e.watcher == pending.watcher; });
      if (pending.owner == record.presentity && !listed) {
        entries.push_back(WatcherEntry{std::to_string(std::hash<std::string>{}(pending.watcher)), pending.watcher,
                                       "waiting", "subscribe", 0});
      }
    }
    content_type = kWatcherInfo;
    return toWatcherInfo(record.presentity, record.version, true, entries);
  }
  switch (dialog.authorization) {
    case store::Authorization::Pending:
    case store::Authorization::Reject:
      return {};  // RFC 3856 §6.6.2: no state while pending
    case store::Authorization::PoliteBlock:
      content_type = record.accept;
      return toPidf(offline(record.presentity));
    case store::Authorization::Allow:
      break;
  }
  content_type = record.accept;
  const auto it = presentities_.find(record.presentity);
  return toPidf(it == presentities_.end() ? offline(record.presentity) : it->second.composed);
}

std::optional<transaction::Destination> PresenceAgent::destinationOf(const Dialog& dialog) const {
  const store::Subscription& record = dialog.record;
  std::string target = record.remote_target;
  if (!record.route_set.empty()) {
    auto route = sip::parseNameAddr(record.route_set.front(), sip::HeaderId::Route);
    if (!route.ok()) {
      return std::nullopt;
    }
    target = std::string(route->uri_text);
  }
  auto uri = sip::parseUri(target);
  if (!uri.ok()) {
    return std::nullopt;
  }
  std::optional<transaction::Destination> destination = proxy::uriDestination(*uri);
  if (!destination) {
    // A host name: the resolver's cache (a lookup starts when it is not
    // there; the NOTIFY waits for the next tick).
    dns::Query query;
    query.name = std::string(uri->maddr().empty() ? uri->host : uri->maddr());
    query.port = uri->has_port ? uri->port : 0;
    query.transport_given = !uri->transport().empty();
    query.transport = sip::equalsIgnoreCase(uri->transport(), "tcp") ? dns::Transport::Tcp : dns::Transport::Udp;
    const dns::AnswerPtr answer = proxy::cachedOnly(proxy_.lookup(), query);
    if (!answer || !answer->error.empty()) {
      return std::nullopt;
    }
    destination =
        transaction::Destination{transport::Endpoint{answer->addresses.front().address, answer->addresses.front().port},
                                 proxy::fromDns(answer->addresses.front().transport), std::nullopt};
  }
  // The watcher's own connection, when the NOTIFY goes straight back to
  // where the SUBSCRIBE came from over a stream.
  if (dialog.have_source && record.route_set.empty() && transport::isStream(dialog.source.transport) &&
      destination->endpoint == dialog.source.endpoint) {
    return dialog.source;
  }
  return destination;
}

void PresenceAgent::sendNotify(Dialog& dialog) {
  store::Subscription& record = dialog.record;
  const std::optional<transaction::Destination> destination = destinationOf(dialog);
  if (!destination) {
    spdlog::info("NOTIFY to {} for {}: next hop not known yet (DNS); retried", record.watcher, record.presentity);
    dialog.next_allowed = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    dirty_.push_back(record.id);
    return;
  }
  dialog.dirty = false;
  const int64_t now = unixNow();
  const bool terminating = !dialog.terminate_reason.empty();
  std::string state;
  if (terminating) {
    state = "terminated;reason=" + dialog.terminate_reason;
  } else {
    const int64_t left = std::max<int64_t>(0, record.expires_at - now);
    state = std::string(dialog.authorization == store::Authorization::Pending ? "pending" : "active") +
            ";expires=" + std::to_string(left);
  }
  ++record.version;
  std::string content_type;
  std::string body;
  if (!terminating || dialog.terminate_reason == "timeout") {
    body = notifyBody(dialog, content_type);
  }
  const transport::Endpoint local = proxy_.identity().localFor(destination->transport, destination->endpoint);
  // RFC 3261 §12.2.1.1: the remote target as Request-URI, the route set as
  // Route (loose routing: every entry of ours is lr).
  std::string bytes = "NOTIFY " + record.remote_target + " SIP/2.0\r\n";
  bytes += "Via: SIP/2.0/" + asciiUpper(transport::transportName(destination->transport)) + " " + hostPort(local) +
           ";branch=" + proxy_.newBranch() + ";rport\r\n";
  bytes += "Max-Forwards: 70\r\n";
  for (const std::string& route : record.route_set) {
    bytes += "Route: " + route + "\r\n";
  }
  bytes += "From: <" + record.presentity + ">;tag=" + record.local_tag + "\r\n";
  bytes += "To: <" + record.watcher + ">;tag=" + record.remote_tag + "\r\n";
  bytes += "Call-ID: " + record.call_id + "\r\n";
  bytes += "CSeq: " + std::to_string(++record.local_cseq) + " NOTIFY\r\n";
  bytes += "Contact: <sip:" + userOf(record.presentity) + "@" + hostPort(local) +
           transportParam(destination->transport) + ">\r\n";
  bytes += "Event: " + record.event + "\r\n";
  bytes += "Subscription-State: " + state + "\r\n";
  if (!body.empty()) {
    bytes += "Content-Type: " + content_type + "\r\n";
  }
  bytes += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  bytes += body;

  const std::string id = record.id;
  std::weak_ptr<bool> alive = alive_;
  const bool sent = proxy_.sendLocalRequest(bytes, *destination, [this, alive, id](int status, const sip::Message*) {
    if (auto live = alive.lock(); !live || !*live) {
      return;
    }
    const auto it = dialogs_.find(id);
    if (it == dialogs_.end()) {
      return;
    }
    Dialog& answered = it->second;
    answered.in_flight = false;
    if (status >= 300) {
      ++stats_.notifies_failed;
    }
    if (!answered.terminate_reason.empty() || status == 481 || status == 408) {
      if (status == 481 || status == 408) {
        spdlog::info("NOTIFY to {} for {}: {}; the subscription ends (RFC 6665 §4.2.2)", answered.record.watcher,
                     answered.record.presentity, status);
      }
      endDialog(id, true);
      return;
    }
    if (answered.dirty) {
      flush();
    }
  });
  ++stats_.notifies_sent;
  if (!sent) {
    ++stats_.notifies_failed;
    spdlog::info("NOTIFY to {} for {}: not sent", record.watcher, record.presentity);
    if (terminating) {
      endDialog(id, true);
    }
    return;
  }
  dialog.in_flight = true;
  dialog.next_allowed = std::chrono::steady_clock::now() + settings_.notify_interval;
}

void PresenceAgent::endDialog(const std::string& id, bool persist) {
  const auto it = dialogs_.find(id);
  if (it == dialogs_.end()) {
    return;
  }
  const store::Subscription record = it->second.record;
  dialogs_.erase(it);
  if (auto owner = presentities_.find(record.presentity); owner != presentities_.end()) {
    std::erase(owner->second.subscriptions, id);
  }
  if (persist) {
    store::PresenceChange change;
    change.kind = store::PresenceChange::Kind::DeleteSubscription;
    change.subscription = record;
    persistThen({std::move(change)}, [](bool) {});
  }
  if (record.event == kPresence) {
    winfoChanged(record.presentity);
  }
}

void PresenceAgent::winfoChanged(const std::string& owner) {
  const auto it = presentities_.find(owner);
  if (it == presentities_.end()) {
    return;
  }
  for (const std::string& id : it->second.subscriptions) {
    auto dialog = dialogs_.find(id);
    if (dialog != dialogs_.end() && dialog->second.record.event == kWinfo) {
      markDirty(dialog->second);
    }
  }
}

// --- pool changes, restarts, expiry ---

void PresenceAgent::setPool(std::shared_ptr<const store::PoolSnapshot> pool) {
  pool_ = std::move(pool);
  std::vector<store::PresenceChange> changes;
  std::vector<std::string> owners;
  for (auto& [id, dialog] : dialogs_) {
    if (!dialog.terminate_reason.empty()) {
      continue;
    }
    if (pool_ && !homedHere(dialog.record.presentity)) {
      // The presentity is no longer homed here (removed, or migrated to the
      // other partition): RFC 6665 §4.2.2 deactivated — the watcher
      // subscribes again at once, and its new SUBSCRIBE follows the routing
      // rule to wherever the user lives now.
      dialog.terminate_reason = "deactivated";
      spdlog::info("presence: {} is no longer homed here; {}'s subscription ends (deactivated)",
                   dialog.record.presentity, dialog.record.watcher);
      markDirty(dialog);
      continue;
    }
    if (dialog.record.event != kPresence) {
      continue;
    }
    const store::Authorization now = authorize(dialog.record.presentity, dialog.record.watcher);
    if (now == dialog.authorization) {
      continue;
    }
    const bool was_pending = dialog.authorization == store::Authorization::Pending;
    dialog.authorization = now;
    if (now == store::Authorization::Reject) {
      dialog.terminate_reason = "rejected";  // RFC 6665 §4.2.2: do not retry
    } else {
      dialog.record.state = now == store::Authorization::Pending ? "pending" : "active";
      store::PresenceChange put;
      put.kind = store::PresenceChange::Kind::PutSubscription;
      put.subscription = dialog.record;
      changes.push_back(std::move(put));
    }
    if (was_pending) {
      owners.push_back(dialog.record.presentity);
    }
    spdlog::info("presence: {} watching {} is now {}", dialog.record.watcher, dialog.record.presentity,
                 dialog.record.state);
    markDirty(dialog);
  }
  // Decided watchers are no longer pending.
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (authorize(it->owner, it->watcher) != store::Authorization::Pending) {
      store::PresenceChange remove;
      remove.kind = store::PresenceChange::Kind::DeletePending;
      remove.pending = *it;
      changes.push_back(std::move(remove));
      owners.push_back(it->owner);
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  for (const std::string& owner : owners) {
    winfoChanged(owner);
  }
  if (!changes.empty()) {
    persistThen(std::move(changes), [](bool) {});
  }
  flush();
}

void PresenceAgent::restore(store::PresenceLoad load) {
  pending_ = std::move(load.pending);
  for (store::Publication& stored : load.publications) {
    auto state = parsePidf(stored.body, settings_.max_body);
    if (!state) {
      spdlog::warn("presence: a stored publication of {} does not parse ({}); dropped", stored.presentity,
                   state.error());
      continue;
    }
    Presentity& target = presentity(stored.presentity);
    target.publications.push_back(Publication{stored.etag, stored.expires_at, std::move(*state),
                                              std::move(stored.content_type), std::move(stored.body)});
  }
  for (auto& [uri, target] : presentities_) {
    recompose(target);
  }
  std::vector<store::PresenceChange> changes;
  for (store::Subscription& record : load.subscriptions) {
    Dialog dialog;
    record.local_cseq += kCseqGapAfterRestart;
    dialog.authorization =
        record.event == kWinfo ? store::Authorization::Allow : authorize(record.presentity, record.watcher);
    dialog.record = std::move(record);
    store::PresenceChange put;
    put.kind = store::PresenceChange::Kind::PutSubscription;
    put.subscription = dialog.record;
    changes.push_back(std::move(put));
    const std::string id = dialog.record.id;
    presentity(dialog.record.presentity).subscriptions.push_back(id);
    markDirty(dialogs_.insert_or_assign(id, std::move(dialog)).first->second);
  }
  spdlog::info("presence: {} publication(s) and {} subscription(s) restored; resuming every dialog",
               load.publications.size(), dialogs_.size());
  if (!changes.empty()) {
    persistThen(std::move(changes), [](bool) {});
  }
  flush();
}

void PresenceAgent::armTimer() {
  if (stopped_) {
    return;
  }
  timer_.expires_after(kTick);
  std::weak_ptr<bool> alive = alive_;
  timer_.async_wait([this, alive](const asio::error_code& ec) {
    if (ec) {
      return;
    }
    if (auto live = alive.lock(); live && *live) {
      onTimer();
    }
  });
}

void PresenceAgent::onTimer() {
  const int64_t now = unixNow();
  if (now >= next_expiry_scan_) {
    next_expiry_scan_ = now + 1;
    expire(now);
  }
  flush();
  armTimer();
}

void PresenceAgent::expire(int64_t now) {
  std::vector<store::PresenceChange> changes;
  for (auto& [uri, target] : presentities_) {
    const size_t before = target.publications.size();
    std::erase_if(target.publications, [&](const Publication& publication) {
      if (publication.expires_at > now) {
        return false;
      }
      store::PresenceChange remove;
      remove.kind = store::PresenceChange::Kind::DeletePublication;
      remove.publication.presentity = uri;
      remove.publication.etag = publication.etag;
      changes.push_back(std::move(remove));
      return true;
    });
    if (target.publications.size() != before) {
      recompose(target);
      for (const std::string& id : target.subscriptions) {
        auto it = dialogs_.find(id);
        if (it != dialogs_.end() && it->second.record.event == kPresence) {
          markDirty(it->second);
        }
      }
    }
  }
  for (auto& [id, dialog] : dialogs_) {
    if (dialog.record.expires_at <= now && dialog.terminate_reason.empty()) {
      dialog.terminate_reason = "timeout";  // RFC 6665 §4.2.2
      markDirty(dialog);
    }
  }
  if (!changes.empty()) {
    persistThen(std::move(changes), [](bool) {});
  }
}

}  // namespace tandem::presence
