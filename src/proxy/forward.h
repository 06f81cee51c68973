#pragma once

// Request forwarding (RFC 3261 §16.6): the copy of the request that goes to
// one target, written by sip::Editor over the received bytes.
//   - Request-URI: the target's, or as received (item 2; strict routing item 7)
//   - Max-Forwards decremented, or 70 inserted (item 3)
//   - Record-Route: our URI with ;lr, twice when the request leaves on
//     another transport or address than it came in on (item 4, RFC 5658)
//   - Route values naming us removed (§16.4)
//   - received/rport on the previous hop's Via (§18.2.1, RFC 3581)
//   - our Via on top with a branch carrying the loop hash (item 8)

#include <cstdint>
#include <string>

#include "proxy/context.h"
#include "proxy/identity.h"

namespace tandem::proxy {

struct ForwardSpec {
  const Target* target = nullptr;
  std::string branch;
  transport::Endpoint outbound_local;  // our address toward the target
  bool record_route = true;
};

// The bytes to send to `spec.target`. Empty when the edits overflow (the
// request is too complex to forward; answered 500 by the caller).
std::string buildForwardedRequest(const RequestContext& context, const LocalIdentity& identity,
                                  const ForwardSpec& spec);

// The Record-Route / Route URI of ours for one interface.
std::string recordRouteUri(const transport::Endpoint& local, transport::TransportKind transport);

}  // namespace tandem::proxy
