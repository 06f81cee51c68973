#include "proxy/proxy.h"

#include <spdlog/spdlog.h>

#include <charconv>

#include "proxy/forward.h"
#include "proxy/host_authorization.h"
#include "sip/editor.h"
#include "sip/headers.h"
#include "sip/response.h"

namespace tandem::proxy {
namespace {

using transaction::ClientId;
using transaction::ServerId;

// §16.7 item 6: a 6xx beats everything, then the lowest class.
bool better(int candidate, int best) {
  if (best == 0) {
    return true;
  }
  if ((candidate >= 600) != (best >= 600)) {
    return candidate >= 600;
  }
  return candidate / 100 < best / 100;
}

std::string popOurVia(const sip::Message& response) {
  sip::Editor editor(response);
  editor.popVia();
  return editor.serialize();
}

std::string buildCancel(const sip::Message& invite) {
  // §9.1: same Request-URI, Call-ID, To, From, CSeq number and top Via;
  // the Route set of the INVITE.
  std::string out;
  out.reserve(512);
  out += "CANCEL ";
  out += invite.requestUri();
  out += " SIP/2.0\r\nVia: ";
  out += *invite.values(sip::HeaderId::Via).begin();
  out += "\r\n";
  for (const sip::HeaderField& field : invite.headers()) {
    if (field.id == sip::HeaderId::Route || field.id == sip::HeaderId::From || field.id == sip::HeaderId::To ||
        field.id == sip::HeaderId::CallId) {
      out += field.line;
    }
  }
  auto cseq = sip::parseCSeq(invite.find(sip::HeaderId::CSeq)->value);
  out += "CSeq: " + std::to_string(cseq.ok() ? cseq->number : 0) + " CANCEL\r\n";
  out += "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
  return out;
}

transport::TransportKind viaKind(std::string_view transport) {
  if (sip::equalsIgnoreCase(transport, "TCP")) {
    return transport::TransportKind::Tcp;
  }
  if (sip::equalsIgnoreCase(transport, "TLS")) {
    return transport::TransportKind::Tls;
  }
  return transport::TransportKind::Udp;
}

}  // namespace

Proxy::Proxy(transaction::Sender& sender, const LocalIdentity& identity, ProxySettings settings,
             transaction::TimePoint now)
    : sender_(sender),
      identity_(identity),
      settings_(settings),
      sanity_(identity),
      routing_phase_(identity, routing_),
      local_service_(identity),
      table_(sender, *this, now, settings.timers),
      now_(now) {
  phases_[kSanity] = &sanity_;
  phases_[kRouting] = &routing_phase_;
  phases_[kLocalService] = &local_service_;
}

Proxy::~Proxy() = default;

size_t Proxy::pending() const {
  size_t n = deferred_ + suspended_.size();
  for (const auto& [server_key, response_context] : contexts_) {
    n += response_context.final_sent ? 0 : 1;
  }
  return n;
}

void Proxy::advanceTo(transaction::TimePoint now) {
  now_ = now;
  table_.advanceTo(now);
  if (invite_contexts_ > 0 && now >= next_timer_c_scan_) {
    next_timer_c_scan_ = now + std::chrono::milliseconds(250);
    runTimerC();
  }
  if (!suspended_.empty()) {
    expireSuspended();
  }
}

// Timer C is checked by a scan of the INVITE response contexts four times a
// second (an IM server holds few INVITEs at once; the precision needed is
// seconds), not by a timer per branch.
void Proxy::runTimerC() {
  std::vector<uint64_t> touched;
  for (auto& [server_key, response_context] : contexts_) {
    if (response_context.method != sip::Method::Invite) {
      continue;
    }
    for (Branch& branch : response_context.branches) {
      if (!branch.live || branch.final_status != 0 || branch.cancelled || now_ < branch.timer_c) {
        continue;
      }
      spdlog::info("INVITE branch to {}: no final response within Timer C ({} s){}",
                   transport::toString(branch.destination.endpoint),
                   std::chrono::duration_cast<std::chrono::seconds>(settings_.timer_c).count(),
                   branch.provisional ? ": CANCEL sent" : ": 408");
      if (branch.provisional) {
        sendCancel(branch);  // its 487 ends the branch
      } else {
        branch.cancel_wanted = true;  // a late provisional still gets its CANCEL (§16.8)
        branchFinal(response_context, branch, 408, {}, "No final response within Timer C");
        touched.push_back(server_key);
      }
    }
  }
  for (uint64_t server_key : touched) {
    if (auto it = contexts_.find(server_key); it != contexts_.end()) {
      maybeFinish(it->second);
    }
  }
}

void Proxy::onIncoming(transaction::Incoming&& incoming, transaction::TimePoint now) {
  now_ = now;
  table_.advanceTo(now);
  const auto status = table_.onMessage(std::move(incoming));
  if (!status.ok()) {
    spdlog::debug("message not taken by the transaction layer: {}", transaction::describe(status.error()));
  }
}

Next Proxy::runPipeline(RequestContext& context, size_t& slot, size_t last_slot) {
  for (; slot <= last_slot; ++slot) {
    if (phases_[slot] == nullptr) {
      continue;
    }
    const Next next = phases_[slot]->run(context);
    if (next != Next::Continue) {
      return next;
    }
  }
  return Next::Continue;
}

namespace {

// Requests waiting for DNS on one loop, and how long one may wait: the
// resolver answers within its timeout × tries; this only guards against a
// lost wake-up.
constexpr size_t kMaxSuspended = 10'000;
constexpr auto kSuspendLimit = std::chrono::seconds(10);

}  // namespace

std::function<void()> Proxy::wakeFor(ServerId id) {
  return [post = post_, this, id] { post([this, id] { resume(id); }); };
}

void Proxy::resume(ServerId id) {
  const auto it = suspended_.find(key(id.id));
  if (it == suspended_.end()) {
    return;
  }
  Suspended entry = std::move(it->second);
  suspended_.erase(it);
  RequestContext& context = *entry.context;
  if (table_.request(id) != &context.request) {
    return;  // the transaction ended meanwhile (CANCEL)
  }
  size_t slot = entry.slot;
  const Next next = runPipeline(context, slot);
  dispatch(id, context, next, slot);
}

void Proxy::expireSuspended() {
  std::vector<uint64_t> late;
  for (const auto& [server_key, entry] : suspended_) {
    if (now_ - entry.since >= kSuspendLimit) {
      late.push_back(server_key);
    }
  }
  for (uint64_t server_key : late) {
    const auto it = suspended_.find(server_key);
    Suspended entry = std::move(it->second);
    suspended_.erase(it);
    const ServerId id = entry.context->server;
    if (table_.request(id) == &entry.context->request) {
      LocalResponse answer;
      answer.status = 503;
      answer.warning = "No DNS answer in time for the next hop";
      respondLocally(id, entry.context->request, answer);
    }
  }
}

void Proxy::dispatch(ServerId id, RequestContext& context, Next next, size_t slot) {
  const sip::Message& request = context.request;
  switch (next) {
    case Next::Respond:
      respondLocally(id, request, context.response);
      return;
    case Next::Forward:
      forward(id, context);
      return;
    case Next::Drop:
      (void)table_.terminate(id);
      return;
    case Next::Defer:
      ++deferred_;
      return;
    case Next::Suspend:
      if (!post_ || suspended_.size() >= kMaxSuspended) {
        context.respond(503, post_ ? "Too many requests waiting for DNS" : "Host names cannot be resolved here");
        respondLocally(id, request, context.response);
        return;
      }
      if (auto found = suspended_.find(key(id.id)); found != suspended_.end()) {
        // Resumed and suspended again: the context already lives there.
        found->second.slot = slot;
        return;
      }
      suspended_.emplace(key(id.id),
                         Suspended{std::make_unique<RequestContext>(std::move(context)), slot, routing_, now_});
      return;
    case Next::Continue:
      break;
  }
  context.respond(500, "No phase decided what to do with the request");
  respondLocally(id, request, context.response);
}

std::string Proxy::localTag() {
  char text[24];
  const auto [end, ec] = std::to_chars(text, text + sizeof text, (uint64_t{settings_.worker} << 48) | ++sequence_, 16);
  return "tdm" + std::string(text, static_cast<size_t>(end - text));
}

void Proxy::respondLocally(ServerId id, const sip::Message& request, const LocalResponse& response, bool quiet) {
  std::vector<sip::HeaderPair> extra;
  std::string warning;
  if (!response.warning.empty()) {
    warning = sip::warningValue(399, identity_.fqdn(), response.warning);
    extra.emplace_back("Warning", warning);
  }
  for (const auto& [name, value] : response.headers) {
    extra.emplace_back(name, value);
  }
  const std::string_view reason = response.reason.empty() ? sip::defaultReason(response.status) : response.reason;
  if (!quiet) {  // quiet: counted and logged by the caller (throttling)
    ++stats_.local_responses;
    spdlog::info("{} {}: {} {}{}", request.methodName(), request.requestUri(), response.status, reason,
                 response.warning.empty() ? "" : " (" + response.warning + ")");
  }
  (void)table_.respond(
      id, sip::buildResponse(request, response.status, reason, response.to_tag.empty() ? localTag() : response.to_tag,
                             extra, response.body));
}

bool Proxy::admit(ServerId id, const sip::Message& request, const Destination& source) {
  if (!routing_ || !routing_->pool) {
    return true;
  }
  const config::ThrottlingSettings& settings = routing_->pool->settings.throttling;
  const HostEntry* host = findHostCached(routing_->hosts, source.endpoint.address, lookup_);
  const bool as_server = host != nullptr && host->throttle_as_server;
  const ThrottleLimits limits = as_server ? Throttle::serverLimits(settings) : Throttle::clientLimits(settings);
  const Throttle::Verdict verdict = throttle_.admit(source.endpoint.address, limits, now_);
  if (verdict == Throttle::Verdict::Admit) {
    throttled_sources_[key(id.id)] = source.endpoint.address;
    return true;
  }
  ++stats_.throttled;
  const std::string who = source.endpoint.address.to_string();
  const std::string why =
      verdict == Throttle::Verdict::TooFast
          ? "Too many requests from " + who + " (over " + std::to_string(static_cast<uint64_t>(limits.rate)) + "/s)"
          : "Too many transactions under way from " + who;
  if (throttle_.shouldLog(source.endpoint.address, now_)) {
    spdlog::warn("throttling {} ({} limits): {}; refusing with 503 (logged once per 10 s)", who,
                 as_server ? "server" : "client", why);
  }
  LocalResponse answer;
  answer.status = 503;
  answer.warning = why;
  answer.headers.emplace_back("Retry-After", "1");
  respondLocally(id, request, answer, /*quiet=*/true);
  return false;
}

void Proxy::respondDeferred(ServerId id, const LocalResponse& response) {
  if (deferred_ > 0) {
    --deferred_;
  }
  const sip::Message* request = table_.request(id);
  if (request == nullptr) {
    spdlog::debug("deferred answer {} dropped: its transaction is gone", response.status);
    return;
  }
  respondLocally(id, *request, response);
}

void Proxy::onRequest(ServerId id, const sip::Message& request, const Destination& source) {
  ++stats_.requests;
  if (request.method() == sip::Method::Cancel) {
    const auto invite = table_.findInviteForCancel(request);
    LocalResponse answer;
    answer.status = invite ? 200 : 481;
    respondLocally(id, request, answer);
    if (invite) {
      if (auto waiting = suspended_.find(key(invite->id)); waiting != suspended_.end()) {
        // Cancelled while its next hop was being resolved: nothing was sent.
        const std::unique_ptr<RequestContext> cancelled = std::move(waiting->second.context);
        suspended_.erase(waiting);
        LocalResponse terminated;
        terminated.status = 487;
        respondLocally(*invite, cancelled->request, terminated);
        return;
      }
      if (auto it = contexts_.find(key(invite->id)); it != contexts_.end()) {
        it->second.cancelled = true;
        cancelBranches(it->second);
      }
    }
    return;
  }
  RequestContext context(request, source);
  context.server = id;
  context.lookup = lookup_;
  context.resumer = this;
  if (draining_) {
    context.response.headers.emplace_back("Retry-After", "5");
    context.respond(503, "The server is stopping");
    respondLocally(id, request, context.response);
    return;
  }
  if (!admit(id, request, source)) {
    return;
  }
  size_t slot = 0;
  const Next next = runPipeline(context, slot);
  dispatch(id, context, next, slot);
}

void Proxy::forward(ServerId id, RequestContext& context) {
  const sip::Message& request = context.request;
  ResponseContext& response_context = contexts_[key(id.id)];
  response_context.server = id;
  response_context.method = request.method();
  if (response_context.method == sip::Method::Invite) {
    ++invite_contexts_;
  }
  const uint64_t loop_hash = loopHash(request);
  // What the forwarded copy adds: our Via, up to two Record-Routes,
  // received/rport (§18.1.1 counts the message as it will be sent).
  constexpr size_t kAddedBytes = 320;
  for (Target& target : context.targets) {
    target.destination.transport = identity_.chooseTransport(request.raw().size() + kAddedBytes,
                                                             target.destination.transport, target.destination.endpoint);
    ForwardSpec spec;
    spec.target = &target;
    spec.branch = makeBranch(settings_.worker, ++sequence_, loop_hash);
    spec.outbound_local = identity_.localFor(target.destination.transport, target.destination.endpoint);
    spec.record_route = context.record_route;
    std::string bytes = buildForwardedRequest(context, identity_, spec);
    Branch branch;
    branch.destination = target.destination;
    branch.timer_c = now_ + settings_.timer_c;
    if (bytes.empty()) {
      branch.live = false;
      branch.final_status = 500;
      response_context.branches.push_back(branch);
      branchFinal(response_context, response_context.branches.back(), 500, {}, "The request is too complex to forward");
      continue;
    }
    auto client = table_.startClient(bytes, target.destination);
    if (!client.ok()) {
      branch.live = false;
      response_context.branches.push_back(branch);
      branchFinal(response_context, response_context.branches.back(), 503, {},
                  "Next hop " + transport::toString(target.destination.endpoint) + " unreachable");
      continue;
    }
    branch.client = *client;
    owners_[key(client->id)] = id;
    response_context.branches.push_back(branch);
    ++stats_.forwarded;
    spdlog::info("{} {}: forwarded to {} {}", request.methodName(), request.requestUri(),
                 transport::transportName(target.destination.transport),
                 transport::toString(target.destination.endpoint));
  }
  maybeFinish(response_context);
}

std::pair<Proxy::ResponseContext*, Proxy::Branch*> Proxy::branchOf(ClientId id) {
  const auto owner = owners_.find(key(id.id));
  if (owner == owners_.end()) {
    return {nullptr, nullptr};
  }
  const auto it = contexts_.find(key(owner->second.id));
  if (it == contexts_.end()) {
    return {nullptr, nullptr};
  }
  for (Branch& branch : it->second.branches) {
    if (branch.live && branch.client == id) {
      return {&it->second, &branch};
    }
  }
  return {&it->second, nullptr};
}

void Proxy::relayUpstream(ServerId id, const sip::Message& response) { (void)table_.respond(id, popOurVia(response)); }

bool Proxy::sendLocalRequest(std::string_view bytes, const Destination& to, LocalRequestDone done) {
  auto client = table_.startClient(bytes, to);
  if (!client.ok()) {
    return false;
  }
  local_requests_.emplace(key(client->id), LocalRequest{to, std::move(done)});
  return true;
}

std::string Proxy::newBranch() { return makeBranch(settings_.worker, ++sequence_, 0); }

bool Proxy::finishLocalRequest(ClientId id, int status, const sip::Message* response) {
  const auto it = local_requests_.find(key(id.id));
  if (it == local_requests_.end()) {
    return false;
  }
  LocalRequestDone done = std::move(it->second.done);
  local_requests_.erase(it);
  if (done) {
    done(status, response);
  }
  return true;
}

void Proxy::onResponse(ClientId id, const sip::Message& response) {
  if (local_requests_.contains(key(id.id))) {
    if (response.statusCode() >= 200) {
      finishLocalRequest(id, response.statusCode(), &response);
    }
    return;
  }
  auto [response_context, branch] = branchOf(id);
  if (response_context == nullptr || branch == nullptr) {
    forwardStrayResponse(response);  // e.g. a 2xx retransmission after the server transaction ended
    return;
  }
  const int status = response.statusCode();
  if (status < 200) {
    branch->provisional = true;
    if (status > 100) {
      branch->timer_c = now_ + settings_.timer_c;  // §16.7 item 2
    }
    if (branch->cancel_wanted && !branch->cancelled) {
      sendCancel(*branch);
    }
    if (status > 100 && !response_context->final_sent) {
      relayUpstream(response_context->server, response);  // §16.7 item 5; 100 is hop by hop
    }
    return;
  }
  if (status < 300) {
    branch->final_status = status;
    // Every 2xx to INVITE goes upstream (forks may answer more than once).
    if (response_context->method == sip::Method::Invite || !response_context->final_sent) {
      relayUpstream(response_context->server, response);
    }
    response_context->final_sent = true;
    if (response_context->method == sip::Method::Invite) {
      cancelBranches(*response_context);
    }
    return;
  }
  if (branch->final_status != 0) {
    return;
  }
  branchFinal(*response_context, *branch, status, popOurVia(response), {});
  if (status >= 600 && response_context->method == sip::Method::Invite) {
    cancelBranches(*response_context);  // §16.7 item 5
  }
  maybeFinish(*response_context);
}

void Proxy::branchFinal(ResponseContext& response_context, Branch& branch, int status, std::string bytes,
                        std::string warning) {
  branch.final_status = status;
  if (better(status, response_context.best_status)) {
    response_context.best_status = status;
    response_context.best_response = std::move(bytes);
    response_context.best_warning = std::move(warning);
  }
}

void Proxy::maybeFinish(ResponseContext& response_context) {
  if (response_context.final_sent) {
    return;
  }
  for (const Branch& branch : response_context.branches) {
    if (branch.final_status == 0) {
      return;
    }
  }
  response_context.final_sent = true;
  const ServerId server = response_context.server;
  // §16.7 item 6: a 503 from downstream is not passed on as 503 (it would
  // make the previous hop think this server is unavailable).
  if (!response_context.best_response.empty() && response_context.best_status != 503) {
    (void)table_.respond(server, std::move(response_context.best_response));
    return;
  }
  const sip::Message* request = table_.request(server);
  if (request == nullptr) {
    return;
  }
  LocalResponse answer;
  answer.status = static_cast<uint16_t>(response_context.best_response.empty() ? response_context.best_status : 500);
  answer.warning = response_context.best_response.empty() ? response_context.best_warning
                                                          : "The next hop answered 503 Service Unavailable";
  respondLocally(server, *request, answer);
}

void Proxy::cancelBranches(ResponseContext& response_context) {
  for (Branch& branch : response_context.branches) {
    if (branch.final_status != 0 || !branch.live || branch.cancelled) {
      continue;
    }
    if (branch.provisional) {
      sendCancel(branch);
    } else {
      branch.cancel_wanted = true;  // §9.1: not before a provisional response
    }
  }
}

void Proxy::sendCancel(Branch& branch) {
  const sip::Message* invite = table_.request(branch.client);
  if (invite == nullptr || invite->method() != sip::Method::Invite) {
    return;
  }
  branch.cancelled = true;
  auto cancel = table_.startClient(buildCancel(*invite), branch.destination);
  if (!cancel.ok()) {
    spdlog::info("CANCEL to {} not sent: {}", transport::toString(branch.destination.endpoint),
                 transaction::describe(cancel.error()));
  }
}

void Proxy::onTimeout(ClientId id) {
  if (finishLocalRequest(id, 408, nullptr)) {
    return;
  }
  auto [response_context, branch] = branchOf(id);
  if (response_context == nullptr || branch == nullptr || branch->final_status != 0) {
    return;
  }
  branchFinal(*response_context, *branch, 408, {},
              "No response from " + transport::toString(branch->destination.endpoint));
  maybeFinish(*response_context);
}

void Proxy::onTransportError(ClientId id, transaction::SendError) {
  if (finishLocalRequest(id, 503, nullptr)) {
    return;
  }
  auto [response_context, branch] = branchOf(id);
  if (response_context == nullptr || branch == nullptr || branch->final_status != 0) {
    return;
  }
  branchFinal(*response_context, *branch, 503, {},
              "Next hop " + transport::toString(branch->destination.endpoint) + " unreachable");
  maybeFinish(*response_context);
}

void Proxy::onDestinationFailed(const Destination& destination) {
  std::vector<ClientId> affected;
  for (auto& [server_key, response_context] : contexts_) {
    for (const Branch& branch : response_context.branches) {
      if (branch.live && branch.final_status == 0 && branch.destination.endpoint == destination.endpoint &&
          branch.destination.transport == destination.transport) {
        affected.push_back(branch.client);
      }
    }
  }
  for (const auto& [client_key, request] : local_requests_) {
    if (request.destination.endpoint == destination.endpoint &&
        request.destination.transport == destination.transport) {
      affected.push_back(ClientId{transaction::TransactionId{static_cast<uint32_t>(client_key & 0xffffffff),
                                                             static_cast<uint32_t>(client_key >> 32)}});
    }
  }
  for (ClientId id : affected) {
    onTransportError(id, transaction::SendError::ConnectionClosed);
    (void)table_.terminate(id);
  }
}

void Proxy::onTimeout(ServerId) {}
void Proxy::onTransportError(ServerId id, transaction::SendError) {
  spdlog::debug("a response could not be sent upstream (server transaction {})", id.id.index);
}

void Proxy::onTerminated(ClientId id) {
  finishLocalRequest(id, 408, nullptr);  // ended without a final response
  auto [response_context, branch] = branchOf(id);
  if (branch != nullptr) {
    branch->live = false;
  }
  owners_.erase(key(id.id));
}

void Proxy::onTerminated(ServerId id) {
  if (const auto source = throttled_sources_.find(key(id.id)); source != throttled_sources_.end()) {
    throttle_.release(source->second);
    throttled_sources_.erase(source);
  }
  const auto it = contexts_.find(key(id.id));
  if (it == contexts_.end()) {
    return;
  }
  for (const Branch& branch : it->second.branches) {
    if (branch.live) {
      owners_.erase(key(branch.client.id));
    }
  }
  if (it->second.method == sip::Method::Invite && invite_contexts_ > 0) {
    --invite_contexts_;
  }
  contexts_.erase(it);
}

void Proxy::onAck(const sip::Message& ack, const Destination& source, std::optional<ServerId>) {
  forwardStateless(ack, source);
}

void Proxy::forwardStateless(const sip::Message& request, const Destination& source) {
  RequestContext context(request, source);
  context.lookup = lookup_;  // no resumer: a host name not in the cache drops this ACK
  size_t slot = 0;
  if (runPipeline(context, slot, kRouting) != Next::Forward) {
    return;  // an ACK is never answered (§17.2.3); one going nowhere is dropped
  }
  const Target& target = context.targets.front();
  ForwardSpec spec;
  spec.target = &target;
  spec.branch = makeBranch(settings_.worker, ++sequence_, loopHash(request));
  spec.outbound_local = identity_.localFor(target.destination.transport, target.destination.endpoint);
  spec.record_route = false;  // ACK creates no dialog
  const std::string bytes = buildForwardedRequest(context, identity_, spec);
  if (!bytes.empty() && sender_.send(bytes, target.destination).ok()) {
    ++stats_.stateless_forwards;
  }
}

void Proxy::onStrayResponse(const sip::Message& response, const Destination&) { forwardStrayResponse(response); }

void Proxy::forwardStrayResponse(const sip::Message& response) {
  // Only 2xx to INVITE are relayed without a transaction (§16.7, RFC 6026):
  // they belong to a dialog; anything else stray is dropped (§18.1.2).
  const sip::HeaderField* cseq_field = response.find(sip::HeaderId::CSeq);
  auto cseq = cseq_field ? sip::parseCSeq(cseq_field->value) : sip::parseCSeq("");
  if (!cseq.ok() || cseq->method != sip::Method::Invite || response.statusCode() / 100 != 2) {
    return;
  }
  auto vias = response.values(sip::HeaderId::Via).begin();
  if (vias == response.values(sip::HeaderId::Via).end()) {
    return;
  }
  auto top = sip::parseVia(*vias);
  if (!top.ok() || !identity_.isLocal(top->host, top->port)) {
    return;
  }
  ++vias;
  if (vias == response.values(sip::HeaderId::Via).end()) {
    return;
  }
  auto next = sip::parseVia(*vias);
  if (!next.ok()) {
    return;
  }
  const std::string_view host = next->received.empty() ? next->host : next->received;
  const uint16_t port = next->rport ? *next->rport : (next->has_port ? next->port : 5060);
  auto uri = sip::parseUri("sip:" + std::string(host));
  if (!uri.ok()) {
    return;
  }
  auto destination = uriDestination(*uri);
  if (!destination) {
    return;
  }
  destination->endpoint.port = port;
  destination->transport = viaKind(next->transport);
  if (sender_.send(popOurVia(response), *destination).ok()) {
    ++stats_.stateless_forwards;
  }
}

}  // namespace tandem::proxy
