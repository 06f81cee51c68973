#pragma once

// Message sanity checks (RFC 3261 §16.3 step 1, §8.2.2): what a proxy verifies
// before it touches a message. Only the parts the core relies on are checked;
// other headers (Date, Require, unknown ones) are left alone, as §16.3 asks.
// Allocation-free.

#include "sip/error.h"
#include "sip/message.h"

namespace tandem::sip {

// For requests:
// - SIP version 2.0 (else 505);
// - To, From, Call-ID, CSeq exactly once; Max-Forwards, Content-Length,
//   Content-Type, Expires at most once; at least one Via (400 "Missing To
//   header", "Multiple CSeq headers", ...). A missing Max-Forwards is
//   accepted for RFC 2543 peers; a present one must be 0..255;
// - CSeq parses (32-bit number) and names the request method (400 "CSeq
//   method does not match the request method");
// - Call-ID, every Via, From, To, every Contact, Route and Record-Route value
//   parses (400 "Malformed <header> header");
// - the Request-URI parses ("Malformed Request-URI") and has no headers part;
// - last (§16.3 step 2 follows the syntax checks of step 1): the
//   Request-URI scheme is sip, sips or tel, else 416 "Unsupported URI scheme".
// The first failure is returned, in that order.
Status validateRequest(const Message& message);

// For responses: version, status code 100..699, the same header presence and
// header syntax checks as requests (no Request-URI, Max-Forwards or method
// match). A response that fails is dropped, never answered.
Status validateResponse(const Message& message);

}  // namespace tandem::sip
