#include "transaction/matching.h"

#include <functional>

#include "sip/headers.h"

namespace tandem::transaction {
namespace {

uint64_t mix(uint64_t seed, uint64_t value) { return (seed ^ value) * 0x9E3779B97F4A7C15ull; }

uint64_t hashText(std::string_view text) { return std::hash<std::string_view>{}(text); }

// RFC 3261 keys hash on branch + method; RFC 2543 keys on Call-ID + CSeq
// number + method (the fields an ACK shares with its INVITE).
void computeHash(MatchKey& key) {
  uint64_t hash = key.rfc3261 ? hashText(key.branch) : mix(hashText(key.call_id), key.cseq);
  hash = mix(hash, static_cast<uint64_t>(key.method));
  if (key.method == sip::Method::Unknown) {
    hash = mix(hash, hashText(key.method_name));
  }
  key.hash = hash;
}

bool sameMethod(const MatchKey& a, const MatchKey& b) {
  return a.method == b.method && (a.method != sip::Method::Unknown || a.method_name == b.method_name);
}

bool sameSentBy(const MatchKey& a, const MatchKey& b) {
  return a.sent_by_port == b.sent_by_port && sip::equalsIgnoreCase(a.sent_by_host, b.sent_by_host);
}

bool readTopVia(const sip::Message& message, MatchKey& key) {
  const sip::ValueRange vias = message.values(sip::HeaderId::Via);
  if (vias.empty()) {
    return false;
  }
  key.top_via = *vias.begin();
  const auto via = sip::parseVia(key.top_via);
  if (!via) {
    return false;
  }
  key.branch = via->branch;
  key.sent_by_host = via->host;
  key.sent_by_port = via->has_port ? via->port : 0;
  key.rfc3261 = key.branch.starts_with(kMagicCookie);
  return true;
}

bool readTag(const sip::Message& message, sip::HeaderId id, std::string_view& tag) {
  const sip::HeaderField* field = message.find(id);
  if (field == nullptr) {
    return false;
  }
  const auto address = sip::parseNameAddr(field->value, id);
  if (!address) {
    return false;
  }
  tag = address->tag().value_or(std::string_view{});
  return true;
}

// The RFC 2543 fields (§17.2.3): From tag, To tag, Call-ID, CSeq number.
bool readLegacyFields(const sip::Message& request, MatchKey& key) {
  const sip::HeaderField* call_id = request.find(sip::HeaderId::CallId);
  const sip::HeaderField* cseq_field = request.find(sip::HeaderId::CSeq);
  if (call_id == nullptr || cseq_field == nullptr) {
    return false;
  }
  const auto cseq = sip::parseCSeq(cseq_field->value);
  if (!cseq) {
    return false;
  }
  key.request_uri = request.requestUri();
  key.call_id = call_id->value;
  key.cseq = cseq->number;
  return readTag(request, sip::HeaderId::From, key.from_tag) && readTag(request, sip::HeaderId::To, key.to_tag);
}

}  // namespace

KeyResult requestKey(const sip::Message& request) {
  MatchKey key;
  if (!request.isRequest() || !readTopVia(request, key)) {
    return fail(TransactionError::Malformed);
  }
  const bool ack = request.method() == sip::Method::Ack;
  key.method = ack ? sip::Method::Invite : request.method();
  key.method_name = ack ? sip::methodName(sip::Method::Invite) : request.methodName();
  if (!key.rfc3261 && !readLegacyFields(request, key)) {
    return fail(TransactionError::Malformed);
  }
  computeHash(key);
  return key;
}

KeyResult responseKey(const sip::Message& response) {
  MatchKey key;
  if (!response.isResponse() || !readTopVia(response, key)) {
    return fail(TransactionError::Malformed);
  }
  const sip::HeaderField* cseq_field = response.find(sip::HeaderId::CSeq);
  if (cseq_field == nullptr) {
    return fail(TransactionError::Malformed);
  }
  const auto cseq = sip::parseCSeq(cseq_field->value);
  if (!cseq) {
    return fail(TransactionError::Malformed);
  }
  key.method = cseq->method;
  key.method_name = cseq->method_name;
  key.cseq = cseq->number;
  computeHash(key);
  return key;
}

MatchKey inviteKeyForCancel(MatchKey key) {
  key.method = sip::Method::Invite;
  key.method_name = sip::methodName(sip::Method::Invite);
  computeHash(key);
  return key;
}

bool serverMatches(const MatchKey& transaction, const MatchKey& request, bool ack, std::string_view response_to_tag) {
  if (transaction.hash != request.hash || transaction.rfc3261 != request.rfc3261 || !sameMethod(transaction, request)) {
    return false;
  }
  if (transaction.rfc3261) {
    return transaction.branch == request.branch && sameSentBy(transaction, request);
  }
  const std::string_view to_tag = ack ? response_to_tag : transaction.to_tag;
  return transaction.cseq == request.cseq && transaction.call_id == request.call_id &&
         transaction.from_tag == request.from_tag && request.to_tag == to_tag &&
         transaction.request_uri == request.request_uri && transaction.top_via == request.top_via;
}

bool clientMatches(const MatchKey& transaction, const MatchKey& response) {
  return transaction.hash == response.hash && sameMethod(transaction, response) &&
         transaction.branch == response.branch;
}

}  // namespace tandem::transaction
