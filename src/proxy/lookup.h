#pragma once

// Host names on the request path (RFC 3263): FQDN next hops of static routes,
// Route values and Request-URIs naming a host, and FQDN authorized hosts.
//
// The proxy never resolves on its event loop. A phase asks resolve(); a
// cached answer comes back at once, otherwise the lookup runs on the
// resolver's thread, the phase returns Next::Suspend, and the proxy runs the
// same phase again on this loop once the answer is in the cache.

#include <functional>

#include "dns/resolver.h"
#include "proxy/context.h"

namespace tandem::proxy {

// What the proxy resolves with: dns::Resolver in tandemd, a table in tests.
class HostLookup {
 public:
  virtual ~HostLookup() = default;
  // dns::Resolver::lookup's contract: a cached answer, or nullptr and `done`
  // called exactly once later, from any thread, when the answer is cached.
  virtual dns::AnswerPtr lookup(const dns::Query& query, std::function<void()> done) = 0;
};

// The answer to `query` for the request in `context`: a cached answer, or
// nullptr after arranging for the request to be resumed when the answer is
// in (the phase then returns Next::Suspend). Without a resolver, or when a
// request has been resumed too often (an answer that expires before it can
// be used), an Answer with the error.
dns::AnswerPtr resolve(RequestContext& context, const dns::Query& query);

// The cached answer to `query` without suspending anyone: nullptr when there
// is none yet (a lookup is started so that the next request finds one).
dns::AnswerPtr cachedOnly(HostLookup* lookup, const dns::Query& query);

dns::Transport toDns(transport::TransportKind kind);
transport::TransportKind fromDns(dns::Transport transport);

}  // namespace tandem::proxy
