#pragma once

// The authentication phase (RFC 3261 §22): every request that claims a user
// of one of our domains as its sender is challenged and checked with digest
// (auth::Authenticator, MD5 / SHA-256, RFC 7616 / RFC 8760).
//
//   who is claimed   REGISTER: the To URI (the address of record);
//                    anything else: the From URI
//   not challenged   ACK and CANCEL (§22.1: they cannot be resubmitted),
//                    in-dialog requests (a To tag: the dialog was set up by
//                    an authenticated request through us), requests from an
//                    authorized host with treat_as_authenticated
//                    (context.trusted, the host-authorization phase), and
//                    senders outside our domains (federation rules apply)
//   answers          401 (REGISTER) / 407 (others) with one challenge per
//                    offered algorithm; 403 for a wrong password, an unknown
//                    or disabled user, or credentials of another user than
//                    the one claimed; 400 for malformed credentials; 503
//                    with Retry-After once a source failed too often
//                    (logged once per window)
//
// On success context.authenticated is the user.

#include "auth/authenticator.h"
#include "proxy/context.h"
#include "proxy/routing.h"

namespace tandem::proxy {

class AuthenticationPhase final : public Phase {
 public:
  AuthenticationPhase(const RoutingSnapshotPtr& snapshot, auth::Authenticator& authenticator)
      : snapshot_(snapshot), authenticator_(authenticator) {}
  std::string_view name() const override { return "authentication"; }
  Next run(RequestContext& context) override;

 private:
  const RoutingSnapshotPtr& snapshot_;  // owned by the proxy, swapped on pool change
  auth::Authenticator& authenticator_;
};

}  // namespace tandem::proxy
