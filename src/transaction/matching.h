#pragma once

// Which transaction a message belongs to (RFC 3261 §17.1.3, §17.2.3).
//
// Server side, RFC 3261 requests (top Via branch starting with the magic
// cookie "z9hG4bK"): branch + sent-by of the top Via + method, an ACK counting
// as INVITE. Requests from RFC 2543 elements (no magic cookie): Request-URI,
// From tag, To tag, Call-ID, CSeq and the whole top Via — and for an ACK the
// To tag of the response the transaction sent instead of the request's.
// Client side: branch of the response's top Via + the method of its CSeq.
//
// Keys are views into the message they were taken from; parsing uses the
// typed parsers of sip/headers.h and allocates nothing.

#include <cstdint>
#include <string_view>

#include "common/result.h"
#include "sip/message.h"
#include "sip/method.h"
#include "transaction/interfaces.h"

namespace tandem::transaction {

inline constexpr std::string_view kMagicCookie = "z9hG4bK";

struct MatchKey {
  bool rfc3261 = true;  // the top Via branch carries the magic cookie
  std::string_view branch;
  std::string_view sent_by_host;
  uint16_t sent_by_port = 0;  // 0 when the Via names none
  // Requests: the method, ACK read as INVITE. Responses: the CSeq method.
  sip::Method method = sip::Method::Unknown;
  std::string_view method_name;  // compared for extension methods
  // RFC 2543 requests only.
  std::string_view request_uri;
  std::string_view from_tag;
  std::string_view to_tag;
  std::string_view call_id;
  std::string_view top_via;
  uint32_t cseq = 0;
  uint64_t hash = 0;
};

using KeyResult = tandem::Result<MatchKey, TransactionError>;

// The key of a request, for server matching and for a new client transaction.
// Malformed when the top Via does not parse (or, for RFC 2543 requests, the
// From, To, Call-ID or CSeq is unusable).
KeyResult requestKey(const sip::Message& request);
// The key of a response, for client matching.
KeyResult responseKey(const sip::Message& response);
// `key` read as the key of the INVITE a CANCEL with this key cancels (§9.2).
MatchKey inviteKeyForCancel(MatchKey key);

// §17.2.3. `ack` is true when `request` is an ACK; `response_to_tag` is the To
// tag of the final response the transaction sent (RFC 2543 ACK matching).
bool serverMatches(const MatchKey& transaction, const MatchKey& request, bool ack, std::string_view response_to_tag);
// §17.1.3.
bool clientMatches(const MatchKey& transaction, const MatchKey& response);

}  // namespace tandem::transaction
