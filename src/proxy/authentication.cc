#include "proxy/authentication.h"

#include <spdlog/spdlog.h>

#include <cctype>

#include "common/text.h"
#include "sip/headers.h"

namespace tandem::proxy {
namespace {

bool inDialog(const sip::Message& request) {
  const sip::HeaderField* to = request.find(sip::HeaderId::To);
  if (to == nullptr) {
    return false;
  }
  auto address = sip::parseNameAddr(to->value, sip::HeaderId::To);
  return address.ok() && address->tag().has_value();
}

}  // namespace

Next AuthenticationPhase::run(RequestContext& context) {
  const sip::Message& request = context.request;
  const sip::Method method = request.method();
  if (method == sip::Method::Ack || method == sip::Method::Cancel || context.trusted || inDialog(request)) {
    return Next::Continue;
  }
  const RoutingSnapshotPtr snapshot = snapshot_;  // this request's view, even if the pool changes meanwhile
  if (!snapshot) {
    return Next::Continue;
  }
  const bool registering = method == sip::Method::Register;
  const sip::HeaderField* claimed_field = request.find(registering ? sip::HeaderId::To : sip::HeaderId::From);
  auto claimed = sip::parseNameAddr(claimed_field->value, registering ? sip::HeaderId::To : sip::HeaderId::From);
  if (!claimed.ok() || !claimed->uri.isSip() || !snapshot->isLocalDomain(claimed->uri.host)) {
    return Next::Continue;  // not one of our users: host authorization and routing decide
  }
  const std::string realm = asciiLower(claimed->uri.host);
  const bool homed_here = snapshot->pool && snapshot->pool->findUser(claimed->uri.user, realm) != nullptr;
  if (!homed_here && !registering) {
    // A user of a shared domain homed on the peer partition: only the peer
    // (an authorized host) may send for it (federation.md §2.1).
    if (context.authorized_host) {
      return Next::Continue;
    }
    return context.respond(403, "sip:" + std::string(claimed->uri.user) + "@" + realm +
                                    " is not a user of this server, and " +
                                    context.source.endpoint.address.to_string() + " is not an authorized host");
  }
  auto lookup = [&snapshot](std::string_view user, std::string_view domain) -> const store::UserRecord* {
    return snapshot->pool ? snapshot->pool->findUser(user, domain) : nullptr;
  };
  const std::string source = context.source.endpoint.address.to_string();
  const auto now = auth::Clock::now();
  const auth::Outcome outcome =
      authenticator_.authenticate(request, !registering, realm, request.requestUri(), lookup, source, now);

  if (const auto* ok = std::get_if<auth::Authenticated>(&outcome)) {
    const store::UserRecord* user = lookup(ok->username, realm);
    if (user == nullptr) {
      return context.respond(403, "Unknown user");
    }
    if (user->user != claimed->uri.user) {
      return context.respond(403, "Authenticated as " + user->uri +
                                      ", which may not send as sip:" + std::string(claimed->uri.user) + "@" + realm);
    }
    context.authenticated = user;
    if (!registering) {
      for (const sip::HeaderField& field : request.headers()) {
        if (field.id != sip::HeaderId::ProxyAuthorization) {
          continue;
        }
        auto credentials = sip::parseCredentials(field.value, sip::HeaderId::ProxyAuthorization);
        if (credentials.ok() && credentials->realm() && sip::equalsIgnoreCase(*credentials->realm(), realm)) {
          context.consumed.push_back(&field);
        }
      }
    }
    return Next::Continue;
  }
  if (const auto* challenge = std::get_if<auth::Challenge>(&outcome)) {
    const char* header = registering ? "WWW-Authenticate" : "Proxy-Authenticate";
    for (std::string& value : authenticator_.challengeValues(realm, challenge->stale, now)) {
      context.response.headers.emplace_back(header, std::move(value));
    }
    context.response.status = registering ? 401 : 407;
    return Next::Respond;
  }
  if (const auto* forbidden = std::get_if<auth::Forbidden>(&outcome)) {
    if (forbidden->block_started) {
      spdlog::warn("authentication: {} blocked after {} failures in {} s (last: {} for sip:{}@{})", source,
                   authenticator_.settings().failure_limit, authenticator_.settings().failure_window.count(),
                   forbidden->warning, claimed->uri.user, realm);
    }
    return context.respond(403, forbidden->warning);
  }
  if (const auto* bad = std::get_if<auth::BadRequest>(&outcome)) {
    return context.respond(400, bad->warning);
  }
  const auto& throttled = std::get<auth::Throttled>(outcome);
  context.response.headers.emplace_back("Retry-After", std::to_string(throttled.retry_after));
  return context.respond(503, "Too many failed authentications from " + source + "; retry later");
}

}  // namespace tandem::proxy
