#pragma once

// The presence side of the local-service phase, on every event loop:
//   PUBLISH or SUBSCRIBE whose Request-URI is a user homed here, and
//   SUBSCRIBE inside one of our dialogs (a To tag: a refresh or an
//   unsubscribe, addressed to the Contact we gave)
// are taken out of the message (event_request.h), deferred (Next::Defer)
// and handed to the presence agent's loop; the agent's answer comes back to
// this loop through Proxy::respondDeferred. Anything else: Continue (the
// rest of local service decides).

#include <functional>

#include "presence/agent/agent.h"
#include "proxy/context.h"
#include "proxy/proxy.h"

namespace tandem::presence {

class EventService final : public proxy::Phase {
 public:
  using Post = std::function<void(std::function<void()>)>;

  // `post_here` runs on this phase's loop, `post_to_agent` on the agent's.
  EventService(proxy::Proxy& proxy, Post post_here, Post post_to_agent, PresenceAgent& agent)
      : proxy_(proxy), post_here_(std::move(post_here)), post_to_agent_(std::move(post_to_agent)), agent_(agent) {}

  std::string_view name() const override { return "presence"; }
  proxy::Next run(proxy::RequestContext& context) override;

 private:
  proxy::Proxy& proxy_;
  Post post_here_;
  Post post_to_agent_;
  PresenceAgent& agent_;
};

}  // namespace tandem::presence
