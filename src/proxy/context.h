#pragma once

// What the proxy's phases share about one request (RFC 3261 §16), and the
// contract of a phase.
//
// The pipeline runs the phases in a fixed order — sanity → host
// authorization → authentication → routing → local service → forward — and
// each phase returns what happens next. A phase never sends anything itself:
// it fills the context and says Respond or Forward, and the proxy acts on it
// in one place.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sip/message.h"
#include "sip/uri.h"
#include "store/pool_snapshot.h"
#include "transaction/interfaces.h"

namespace tandem::proxy {

using transaction::Destination;

enum class Next : uint8_t {
  Continue,  // the next phase runs
  Respond,   // context.response says what to answer; nothing is forwarded
  Forward,   // context.targets say where the request goes (the forward phase sends it)
  Drop,      // nothing is sent (only for requests without a transaction, e.g. a stray ACK)
  Defer,     // the phase answers later through Proxy::respondDeferred (e.g. after a store write)
  Suspend,   // the phase waits for an asynchronous answer it asked for through
             // resolve() (lookup.h); the proxy keeps the context and runs the
             // same phase again, on this loop, once the answer is in
};

class HostLookup;

// Resumes a suspended request on its own loop (implemented by the proxy).
class Resumer {
 public:
  // A callback that may be called once from any thread.
  virtual std::function<void()> wakeFor(transaction::ServerId id) = 0;

 protected:
  virtual ~Resumer() = default;
};

// The answer a phase decided on.
struct LocalResponse {
  uint16_t status = 500;
  std::string reason;                                        // empty: the default reason phrase
  std::string warning;                                       // text of a "Warning: 399 <fqdn>" header; empty: none
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (e.g. Unsupported)
  std::string to_tag;  // the To tag; empty: a fresh one (a dialog-creating 2xx names its dialog's)
  std::string body;    // with a Content-Type in `headers`
};

// One branch of the forwarded request (§16.5, §16.6).
struct Target {
  Destination destination;
  std::string request_uri;  // empty: the Request-URI is left as received
  // Route values put on top of the request's own (a registered contact's
  // Path, RFC 3327 §5.3), in order; `destination` is then the first's.
  std::vector<std::string> routes;
};

struct RequestContext {
  RequestContext(const sip::Message& message, const Destination& from) : request(message), source(from) {}

  const sip::Message& request;
  Destination source;
  transaction::ServerId server;  // the server transaction (what a deferred answer names)
  // Set by the proxy: host-name lookups and the way back after Next::Suspend.
  HostLookup* lookup = nullptr;
  Resumer* resumer = nullptr;
  uint8_t suspensions = 0;  // how often the request was suspended so far
  sip::Uri request_uri;     // parsed by the sanity phase

  // Route processing (§16.4): Route values naming this proxy, removed when
  // the request is forwarded (views into `request`).
  std::vector<std::string_view> own_routes;
  // The request was routed to us by a Route (a dialog we record-routed):
  // after our entries are removed it goes where the Request-URI or the next
  // Route says, without the routing rule.
  bool routed_to_us = false;
  // Strict-router compatibility (§16.4): the Request-URI named us, and the
  // last Route value becomes the Request-URI.
  std::string strict_request_uri;
  std::string_view strict_route;  // the Route value taken (removed when forwarding)

  // The routing rule's verdict (federation.md §2.1): the Request-URI names a
  // user homed on this pool (local service delivers to the user's contacts).
  // Valid during the pipeline only (points into the routing snapshot).
  const store::UserRecord* local_user = nullptr;
  // The authentication phase's verdict: the user the request's sender proved
  // to be (digest), or nullptr (not needed, or from a trusted host).
  const store::UserRecord* authenticated = nullptr;
  // The host-authorization phase's verdict: the source is an authorized host
  // with treat_as_authenticated (its requests are not challenged).
  bool trusted = false;
  // The source is an authorized host (any flags): the peer partition. Its
  // users (our domains, not homed here) pass without a challenge.
  bool authorized_host = false;
  // Credentials this proxy checked (Proxy-Authorization of our realm): not
  // forwarded (they are ours, RFC 3261 §22.3).
  std::vector<const sip::HeaderField*> consumed;

  LocalResponse response;
  std::vector<Target> targets;
  bool record_route = true;

  Next respond(uint16_t status, std::string_view warning = {}) {
    response.status = status;
    response.warning = std::string(warning);
    return Next::Respond;
  }
};

class Phase {
 public:
  virtual ~Phase() = default;
  virtual std::string_view name() const = 0;
  virtual Next run(RequestContext& context) = 0;
};

}  // namespace tandem::proxy
