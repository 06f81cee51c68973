#pragma once

// A PUBLISH or SUBSCRIBE for the presence agent, taken out of the received
// message on the loop that received it (the agent runs on another loop and
// never sees the message itself): only the fields RFC 3903 and RFC 6665 use,
// as owned strings.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "proxy/context.h"
#include "sip/message.h"

namespace tandem::presence {

struct EventRequest {
  sip::Method method = sip::Method::Unknown;
  std::string presentity;  // the resource: "sip:user@domain" (initial requests: the Request-URI user)
  std::string to_uri;      // the To URI as written (the NOTIFY's From)
  std::string from_uri;    // the watcher (SUBSCRIBE) or publisher (PUBLISH)
  std::string from_tag;
  std::string to_tag;  // empty: an initial request
  std::string call_id;
  uint32_t cseq = 0;
  std::string contact;                    // SUBSCRIBE: the watcher's Contact URI (the NOTIFYs' target)
  std::vector<std::string> record_route;  // SUBSCRIBE: Record-Route values, in order (the dialog's route set)
  std::optional<uint32_t> expires;
  std::string event;                // the Event package, without parameters ("presence", "presence.winfo")
  std::vector<std::string> accept;  // Accept media types, lower case, without parameters
  std::string if_match;             // PUBLISH: SIP-If-Match
  std::string content_type;         // lower case, without parameters
  std::string body;
  bool authenticated_as_presentity = false;  // the sender is the presentity (digest, or a trusted host in its name)
  bool trusted_host = false;                 // the request came from an authorized host with treat_as_authenticated
  transaction::Destination source;
};

// The fields of `context.request`, or the 400 that refuses it (a missing or
// malformed Event, From, To, Call-ID, CSeq, Contact of a SUBSCRIBE, Expires).
// `presentity` is the local user's AOR for initial requests.
Result<EventRequest, proxy::LocalResponse> parseEventRequest(const proxy::RequestContext& context,
                                                             std::string presentity);

}  // namespace tandem::presence
