#include "presence/agent/event_service.h"

#include "sip/headers.h"

namespace tandem::presence {

proxy::Next EventService::run(proxy::RequestContext& context) {
  const sip::Method method = context.request.method();
  if (method != sip::Method::Publish && method != sip::Method::Subscribe) {
    return proxy::Next::Continue;
  }
  std::string presentity;
  if (context.local_user != nullptr) {
    if (!context.local_user->enabled) {
      return context.respond(480, "User is disabled");
    }
    presentity = context.local_user->uri;
  } else {
    // In-dialog: a SUBSCRIBE whose To carries our tag, sent to our Contact.
    const sip::HeaderField* to = context.request.find(sip::HeaderId::To);
    auto to_value = to ? sip::parseNameAddr(to->value, sip::HeaderId::To) : sip::parseNameAddr("");
    if (method != sip::Method::Subscribe || !to_value.ok() || !to_value->tag()) {
      return proxy::Next::Continue;
    }
  }
  auto parsed = parseEventRequest(context, std::move(presentity));
  if (!parsed) {
    context.response = parsed.error();
    return proxy::Next::Respond;
  }
  // The presentity itself: proved by digest, or vouched for by a trusted
  // host (treat_as_authenticated) sending in the presentity's name.
  const store::UserRecord* who = context.authenticated;
  const store::UserRecord* owner = context.local_user;
  bool is_owner = who != nullptr && owner != nullptr &&
                  (who == owner || (who->user == owner->user && who->domain == owner->domain));
  if (!is_owner && context.trusted && owner != nullptr) {
    auto from = sip::parseUri(parsed->from_uri);
    is_owner = from.ok() && from->user == owner->user && sip::equalsIgnoreCase(from->host, owner->domain);
  }
  parsed->authenticated_as_presentity = is_owner;

  proxy::Proxy* proxy = &proxy_;
  const transaction::ServerId id = context.server;
  PresenceAgent* agent = &agent_;
  Post post_here = post_here_;
  Post post_to_agent = post_to_agent_;
  post_to_agent_([agent, request = std::move(*parsed), post_here, post_to_agent, proxy, id]() mutable {
    agent->onRequest(std::move(request), [post_here, post_to_agent, proxy, id](proxy::LocalResponse response,
                                                                               std::function<void()> after) {
      post_here([proxy, id, response = std::move(response), post_to_agent, after = std::move(after)]() {
        proxy->respondDeferred(id, response);
        if (after) {
          post_to_agent(after);
        }
      });
    });
  });
  return proxy::Next::Defer;
}

}  // namespace tandem::presence
