#include "server/core.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>

#include <asio/post.hpp>

#include "sip/headers.h"
#include "sip/validate.h"

namespace tandem::server {
namespace {

constexpr std::chrono::milliseconds kTick{10};

transaction::Destination toTransaction(const transport::Destination& d) {
  return {d.endpoint, d.transport, d.connection};
}

transaction::SendError toTransaction(transport::SendError error) {
  switch (error) {
    case transport::SendError::TooLarge:
      return transaction::SendError::TooLarge;
    case transport::SendError::ConnectionClosed:
    case transport::SendError::ConnectFailed:
    case transport::SendError::ConnectTimeout:
      return transaction::SendError::ConnectionClosed;
    default:
      return transaction::SendError::Failed;
  }
}

// RFC 3261 §18.2.2 / RFC 3581: where responses to a UDP request go.
std::optional<transaction::Destination> replyTo(const transport::InboundMessage& in) {
  if (transport::isStream(in.transport)) {
    return std::nullopt;  // the connection it came on: the source
  }
  const transport::Endpoint to = replyEndpoint(in);
  if (to == in.source) {
    return std::nullopt;
  }
  return transaction::Destination{to, in.transport, std::nullopt};
}

}  // namespace

std::optional<size_t> workerOfBranch(std::string_view branch) {
  constexpr std::string_view kPrefix = "z9hG4bK-T";
  if (branch.substr(0, kPrefix.size()) != kPrefix) {
    return std::nullopt;
  }
  size_t worker = 0;
  const std::string_view digits = branch.substr(kPrefix.size());
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), worker, 16);
  if (ec != std::errc() || end == digits.data() + digits.size() || *end != '.') {
    return std::nullopt;
  }
  return worker;
}

Status<transaction::SendError> Core::EgressSender::send(std::string_view bytes, const transaction::Destination& to) {
  if (spdlog::should_log(spdlog::level::debug)) {  // full traces: [log] level = "debug"
    spdlog::debug("send {} {} ({} bytes):\n{}", transport::transportName(to.transport),
                  transport::toString(to.endpoint), bytes.size(), bytes);
  }
  const auto sent = egress_.send(bytes, transport::Destination{to.endpoint, to.transport, to.connection});
  if (!sent.ok()) {
    return fail(toTransaction(sent.error()));
  }
  return {};
}

Core::Core(transport::Worker& worker, std::string fqdn, transaction::TimerConfig timers, transaction::Duration timer_c,
           Handoff handoff)
    : worker_(worker),
      handoff_(std::move(handoff)),
      sender_(worker.egress()),
      identity_(fqdn, {}),
      proxy_(sender_, identity_, proxy::ProxySettings{static_cast<uint32_t>(worker.index()), timers, timer_c}, now()),
      stateless_(fqdn) {
  // Answers that come from other threads (a deferred registrar answer, a DNS
  // lookup that resumes a request) run on this loop, then the timers go on.
  proxy_.setPost([this](std::function<void()> fn) { post(std::move(fn)); });
  worker_.egress().onSendFailed([this](const transport::Destination& to, transport::SendError error, uint64_t) {
    spdlog::info("send to {} {} failed: {}", transport::transportName(to.transport), transport::toString(to.endpoint),
                 transport::describe(error));
    proxy_.onDestinationFailed(toTransaction(to));
    armTick();
  });
}

Core::~Core() = default;

void Core::enableUserServices(auth::Authenticator& authenticator, registrar::Registrar& registrar,
                              const registrar::LocationTable& table, registrar::LocalServiceSettings settings) {
  host_authorization_.emplace(proxy_.routing());
  proxy_.setPhase(proxy::Proxy::kHostAuthorization, &*host_authorization_);
  authentication_.emplace(proxy_.routing(), authenticator);
  proxy_.setPhase(proxy::Proxy::kAuthentication, &*authentication_);
  // A deferred answer (the registrar's, once the binding is durable) comes
  // from the store thread.
  local_service_.emplace(
      proxy_, registrar, table, [this](std::function<void()> fn) { post(std::move(fn)); }, settings);
  proxy_.setPhase(proxy::Proxy::kLocalService, &*local_service_);
}

void Core::enablePresence(presence::PresenceAgent& agent, std::function<void(std::function<void()>)> post_to_agent) {
  events_.emplace(
      proxy_, [this](std::function<void()> fn) { post(std::move(fn)); }, std::move(post_to_agent), agent);
  if (local_service_) {
    local_service_->setEventService(&*events_);
  }
}

void Core::post(std::function<void()> fn) {
  asio::post(worker_.io(), [this, fn = std::move(fn)]() {
    fn();
    armTick();
    updateDrained();
  });
}

void Core::start(const std::vector<transport::BoundListener>& bound) {
  tick_.emplace(worker_.io());
  std::vector<proxy::LocalAddress> addresses;
  for (const transport::BoundListener& listener : bound) {
    addresses.push_back({listener.spec.transport, listener.endpoint});
  }
  identity_.setAddresses(std::move(addresses));
  identity_.setSourceResolver([this](transport::TransportKind kind, const transport::Endpoint& remote) {
    return worker_.egress().localEndpoint(kind, remote);
  });
  identity_.setTransportChooser(
      [this](size_t size, transport::TransportKind requested, const transport::Endpoint& remote) {
        return worker_.egress().chooseTransport(size, requested, remote);
      });
}

void Core::onMessage(transport::InboundMessage&& in) {
  const sip::Message& message = in.message;
  if (spdlog::should_log(spdlog::level::debug)) {  // full traces: [log] level = "debug"
    spdlog::debug("recv {} {} ({} bytes):\n{}", transport::transportName(in.transport), transport::toString(in.source),
                  message.raw().size(), message.raw());
  }
  if (message.isResponse()) {
    if (sip::validateResponse(message).ok()) {
      const auto via = sip::parseVia(*message.values(sip::HeaderId::Via).begin());
      const auto owner = via.ok() ? workerOfBranch(via->branch) : std::nullopt;
      transaction::Incoming incoming{std::move(in.message), {in.source, in.transport, in.connection}, std::nullopt};
      if (owner && *owner != worker_.index()) {
        handoff_(*owner, std::move(incoming));
        return;
      }
      deliver(std::move(incoming));
    }
    return;  // invalid responses are dropped (§16.7 would need a valid Via to forward)
  }
  if (message.method() != sip::Method::Ack && !sip::validateRequest(message).ok()) {
    stateless_.onMessage(std::move(in));  // answers with the error's status and a Warning
    return;
  }
  if (message.method() == sip::Method::Ack && !sip::validateRequest(message).ok()) {
    return;  // a malformed ACK is never answered
  }
  const auto reply_to = replyTo(in);
  deliver(transaction::Incoming{std::move(in.message), {in.source, in.transport, in.connection}, reply_to});
}

void Core::deliver(transaction::Incoming&& incoming) {
  proxy_.onIncoming(std::move(incoming), now());
  armTick();
  updateDrained();
}

void Core::beginDrain() {
  draining_ = true;
  proxy_.setDraining();
  updateDrained();
}

void Core::updateDrained() {
  if (draining_) {
    drained_.store(proxy_.pending() == 0, std::memory_order_release);
  }
}

void Core::onMalformed(const transport::MalformedInput& in) { stateless_.onMalformed(in); }

void Core::armTick() {
  if (ticking_ || proxy_.idle() || !tick_) {
    return;
  }
  ticking_ = true;
  tick_->expires_after(kTick);
  tick_->async_wait([this](const asio::error_code& ec) {
    ticking_ = false;
    if (ec) {
      return;
    }
    proxy_.advanceTo(now());
    armTick();
    updateDrained();
  });
}

}  // namespace tandem::server
