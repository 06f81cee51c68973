#pragma once

// The messages the transaction layer writes itself.

#include <string>
#include <string_view>

#include "sip/message.h"

namespace tandem::transaction {

// The ACK an INVITE client transaction sends for a 3xx-6xx (RFC 3261
// §17.1.1.3): the INVITE's Request-URI, its top Via only, its Route header
// lines, From and Call-ID; the To of the response (with its tag); CSeq with
// the INVITE's number and method ACK; Max-Forwards 70; no body. Header lines
// are copied as written.
std::string buildAck(const sip::Message& invite, const sip::Message& response, uint32_t cseq_number);

// A 100 Trying for `request` (RFC 3261 §8.2.6.1, §17.2.1): its Via, From, To,
// Call-ID, CSeq and Timestamp lines, no To tag, no body.
std::string buildTrying(const sip::Message& request);

// The status code of response bytes ("SIP/2.0 486 ..."); 0 when the bytes do
// not start with a status line.
int statusOf(std::string_view response);

}  // namespace tandem::transaction
