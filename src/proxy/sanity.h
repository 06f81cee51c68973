#pragma once

// The sanity phase (RFC 3261 §16.3): what makes a request unfit to proxy,
// after sip::validateRequest has vouched for its syntax.
//   Max-Forwards 0            -> 483 Too Many Hops (§16.3 item 3)
//   our own Via, same request -> 482 Loop Detected (§16.3 item 4, RFC 5393)
//   Proxy-Require             -> 420 Bad Extension with Unsupported (§16.3 item 6)
//   Request-URI scheme        -> 416 (validateRequest), parsed into the context

#include <cstdint>
#include <string>

#include "proxy/context.h"
#include "proxy/identity.h"

namespace tandem::proxy {

// The loop-detection part of our branch parameter (§16.6 item 8): a hash of
// what §16.3 item 4 compares — Request-URI, From tag, To tag, Call-ID, CSeq
// number, Proxy-Require, Proxy-Authorization and the Route values — as the
// request was received. A request that comes back with the same value looped;
// with another, it spiralled (legitimately: something changed).
uint64_t loopHash(const sip::Message& request);

// Branch of a request we forward: "z9hG4bK-T<worker>.<sequence>.<loop hash>",
// unique per worker and branch, with the loop hash readable back.
std::string makeBranch(uint32_t worker, uint64_t sequence, uint64_t loop_hash);
// The loop hash inside a branch we made; nullopt for anyone else's branch.
std::optional<uint64_t> loopHashOfBranch(std::string_view branch);

class SanityPhase final : public Phase {
 public:
  explicit SanityPhase(const LocalIdentity& identity) : identity_(identity) {}
  std::string_view name() const override { return "sanity"; }
  Next run(RequestContext& context) override;

 private:
  bool looped(const sip::Message& request) const;

  const LocalIdentity& identity_;
};

}  // namespace tandem::proxy
