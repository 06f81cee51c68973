#include "registrar/local_service.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>

#include "common/text.h"
#include "proxy/routing.h"
#include "sip/headers.h"
#include "transport/endpoint.h"

namespace tandem::registrar {
namespace {

using proxy::LocalResponse;
using proxy::Next;
using proxy::RequestContext;

LocalResponse refusal(uint16_t status, std::string warning) {
  LocalResponse response;
  response.status = status;
  response.warning = std::move(warning);
  return response;
}

// RFC 7231 IMF-fixdate, as §20.17 asks ("Sat, 13 Nov 2010 23:29:00 GMT").
std::string httpDate(int64_t now) {
  const std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[40];
  const size_t n = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(text, n);
}

// The values of a comma-joined list, commas inside <> or quotes kept.
std::vector<std::string_view> splitValues(std::string_view list) {
  std::vector<std::string_view> out;
  size_t start = 0;
  bool quoted = false;
  int angle = 0;
  for (size_t i = 0; i <= list.size(); ++i) {
    const char c = i < list.size() ? list[i] : ',';
    if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == '<') {
      ++angle;
    } else if (!quoted && c == '>' && angle > 0) {
      --angle;
    } else if (!quoted && angle == 0 && c == ',') {
      if (std::string_view value = sip::trimLws(list.substr(start, i - start)); !value.empty()) {
        out.push_back(value);
      }
      start = i + 1;
    }
  }
  return out;
}

bool supportsPath(const sip::Message& request) {
  for (std::string_view option : request.values(sip::HeaderId::Supported)) {
    if (sip::equalsIgnoreCase(sip::trimLws(option), "path")) {
      return true;
    }
  }
  return false;
}

}  // namespace

Result<RegisterRequest, LocalResponse> parseRegister(const sip::Message& request, const RegistrarSettings& settings,
                                                     int64_t now) {
  RegisterRequest out;
  out.now = now;
  const sip::HeaderField* to = request.find(sip::HeaderId::To);
  auto to_address = sip::parseNameAddr(to->value, sip::HeaderId::To);
  if (!to_address.ok() || !to_address->uri.isSip() || to_address->uri.user.empty()) {
    return fail(refusal(400, "The To header must be the SIP address of record being registered"));
  }
  out.user = std::string(to_address->uri.user);
  out.domain = asciiLower(to_address->uri.host);
  out.call_id = std::string(sip::trimLws(request.find(sip::HeaderId::CallId)->value));
  auto cseq = sip::parseCSeq(request.find(sip::HeaderId::CSeq)->value);
  out.cseq = cseq.ok() ? cseq->number : 0;

  std::optional<uint32_t> header_expires;
  if (const sip::HeaderField* expires = request.find(sip::HeaderId::Expires); expires != nullptr) {
    auto value = sip::parseExpires(expires->value);
    if (!value.ok()) {
      return fail(refusal(400, "Malformed Expires header"));
    }
    header_expires = *value;
  }
  size_t count = 0;
  for (std::string_view value : request.values(sip::HeaderId::Contact)) {
    ++count;
    auto contact = sip::parseContact(value);
    if (!contact.ok()) {
      return fail(refusal(400, "Malformed Contact header"));
    }
    if (contact->wildcard) {
      out.wildcard = true;
      continue;
    }
    ContactUpdate update;
    update.contact = std::string(contact->address.uri_text);
    update.q = contact->q.value_or(1000);
    uint32_t expires = contact->expires.value_or(header_expires.value_or(settings.default_expires));
    if (expires != 0 && expires < settings.min_expires) {
      LocalResponse brief = refusal(423, "Expiry shorter than " + std::to_string(settings.min_expires) + " s");
      brief.headers.emplace_back("Min-Expires", std::to_string(settings.min_expires));
      return fail(std::move(brief));
    }
    update.expires = std::min(expires, settings.max_expires);
    // The same contact twice in one request: the last one counts.
    std::erase_if(out.contacts, [&](const ContactUpdate& seen) { return seen.contact == update.contact; });
    out.contacts.push_back(std::move(update));
  }
  // §10.3 step 6: "*" only alone and only with Expires: 0.
  if (out.wildcard && (count != 1 || header_expires != 0)) {
    return fail(refusal(400, "Contact: * must be the only Contact, with Expires: 0"));
  }
  if (out.contacts.size() > settings.max_contacts) {
    return fail(refusal(403, "Too many contacts: at most " + std::to_string(settings.max_contacts) + " per user"));
  }
  for (std::string_view path : request.values(sip::HeaderId::Path)) {
    if (auto address = sip::parseNameAddr(path, sip::HeaderId::Path); !address.ok()) {
      return fail(refusal(400, "Malformed Path header"));
    }
    if (!out.path.empty()) {
      out.path += ", ";
    }
    out.path += sip::trimLws(path);
  }
  if (const sip::HeaderField* agent = request.find(sip::HeaderId::UserAgent); agent != nullptr) {
    out.user_agent = std::string(sip::trimLws(agent->value).substr(0, 256));
  }
  return out;
}

LocalResponse registerOk(const std::vector<store::Binding>& bindings, int64_t now, bool echo_path) {
  LocalResponse response;
  response.status = 200;
  for (const store::Binding& binding : bindings) {
    std::string value =
        "<" + binding.contact + ">;expires=" + std::to_string(std::max<int64_t>(0, binding.expires_at - now));
    if (binding.q != 1000) {
      char q[8];
      std::snprintf(q, sizeof q, "%u.%03u", binding.q / 1000, binding.q % 1000);
      value += ";q=";
      value += q;
    }
    response.headers.emplace_back("Contact", std::move(value));
  }
  if (echo_path && !bindings.empty() && !bindings.front().path.empty()) {
    response.headers.emplace_back("Path", bindings.front().path);
  }
  response.headers.emplace_back("Date", httpDate(now));
  return response;
}

Next LocalService::run(RequestContext& context) {
  if (context.request.method() == sip::Method::Register) {
    return registerBinding(context);
  }
  if (events_ != nullptr) {
    if (const Next next = events_->run(context); next != Next::Continue) {
      return next;
    }
  }
  if (context.local_user != nullptr) {
    return deliver(context);
  }
  return proxy_.builtinLocalService().run(context);
}

Next LocalService::registerBinding(RequestContext& context) {
  const sip::Message& request = context.request;
  const int64_t now = Registrar::unixNow();
  auto parsed = parseRegister(request, registrar_.settings(), now);
  if (!parsed) {
    context.response = parsed.error();
    return Next::Respond;
  }
  const proxy::RoutingSnapshotPtr& routing = proxy_.routing();
  if (!routing || !routing->isLocalDomain(parsed->domain)) {
    return context.respond(403, "This server is not the registrar for " + parsed->domain);
  }
  const store::UserRecord* user = routing->pool ? routing->pool->findUser(parsed->user, parsed->domain) : nullptr;
  if (user == nullptr) {
    return context.respond(404, "User does not exist");
  }
  // Only the user may register the user's contacts (no third-party
  // registration): the authentication phase proved who is asking.
  if (context.authenticated == nullptr) {
    return context.respond(403, "REGISTER needs digest authentication");
  }
  if (context.authenticated != user &&
      !(context.authenticated->user == user->user && context.authenticated->domain == user->domain)) {
    return context.respond(403, "Authenticated as " + context.authenticated->uri + ", not " + user->uri);
  }
  if (!user->enabled) {
    return context.respond(403, "User is disabled");
  }
  parsed->received = std::string(transport::transportName(context.source.transport)) + ":" +
                     transport::toString(context.source.endpoint);
  const bool echo_path = supportsPath(request);
  const transaction::ServerId id = context.server;
  proxy::Proxy* proxy = &proxy_;
  Post post = post_;
  const bool queued = registrar_.submit(std::move(*parsed), [proxy, post, id, echo_path, now](RegisterOutcome outcome) {
    LocalResponse response;
    if (outcome.status == 200) {
      response = registerOk(outcome.bindings, now, echo_path);
    } else {
      response = refusal(outcome.status, std::move(outcome.warning));
    }
    post([proxy, id, response = std::move(response)]() { proxy->respondDeferred(id, response); });
  });
  if (!queued) {
    context.response.headers.emplace_back("Retry-After", "2");
    return context.respond(503, "Registrar overloaded: too many REGISTERs waiting for the store");
  }
  return Next::Defer;
}

Next LocalService::deliver(RequestContext& context) {
  const store::UserRecord& user = *context.local_user;
  const sip::Message& request = context.request;
  if (!user.enabled) {
    return context.respond(480, "User is disabled");
  }
  if (request.method() == sip::Method::Subscribe || request.method() == sip::Method::Publish) {
    return proxy_.builtinLocalService().run(context);  // the presence agent's, in a later release
  }
  if (request.method() == sip::Method::Message && request.body().size() > settings_.max_im_body) {
    return context.respond(413, "Message body over " + std::to_string(settings_.max_im_body) + " bytes");
  }
  const std::vector<store::Binding> bindings = table_.lookup(user.user, user.domain, Registrar::unixNow());
  if (bindings.empty()) {
    return context.respond(480, user.uri + " has no registered contact");
  }
  for (const store::Binding& binding : bindings) {
    proxy::Target target;
    target.request_uri = binding.contact;
    std::optional<proxy::Destination> destination;
    if (!binding.path.empty()) {
      // RFC 3327 §5.3: the Path values become the route set, the first is
      // the next hop.
      for (std::string_view value : splitValues(binding.path)) {
        target.routes.emplace_back(sip::trimLws(value));
      }
      if (auto first = sip::parseNameAddr(target.routes.front(), sip::HeaderId::Route); first.ok()) {
        destination = proxy::uriDestination(first->uri);
      }
    } else if (auto uri = sip::parseUri(binding.contact); uri.ok()) {
      destination = proxy::uriDestination(*uri);
    }
    if (!destination) {
      spdlog::info("{}: contact {} skipped: not an IP address (DNS next hops come later)", user.uri, binding.contact);
      continue;
    }
    target.destination = *destination;
    context.targets.push_back(std::move(target));
  }
  if (context.targets.empty()) {
    return context.respond(480, user.uri + " has no reachable contact");
  }
  return Next::Forward;
}

}  // namespace tandem::registrar
