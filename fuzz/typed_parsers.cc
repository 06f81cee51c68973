#include "fuzz/typed_parsers.h"

#include <cstdlib>

#include "sip/headers.h"
#include "sip/uri.h"
#include "sip/validate.h"

namespace tandem::fuzz {
namespace {

// Every failure must carry a status and a reason: the server answers with them.
template <class R>
void checkResult(const R& result) {
  if (!result.ok() && (result.error().status < 400 || result.error().reason.empty())) {
    std::abort();
  }
}

}  // namespace

void exerciseTypedParsers(const sip::Message& message) {
  using sip::HeaderId;
  if (message.isRequest()) {
    checkResult(sip::parseUri(message.requestUri()));
    const sip::Status status = sip::validateRequest(message);
    if (!status.ok() && status.error().reason.empty()) {
      std::abort();
    }
  } else {
    (void)sip::validateResponse(message);
  }
  for (const sip::HeaderField& field : message.headers()) {
    switch (field.id) {
      case HeaderId::Via:
        for (std::string_view via : message.values(HeaderId::Via)) {
          checkResult(sip::parseVia(via));
        }
        break;
      case HeaderId::From:
      case HeaderId::To:
      case HeaderId::ReferTo:
      case HeaderId::ReferredBy:
        checkResult(sip::parseNameAddr(field.value, field.id));
        break;
      case HeaderId::Route:
      case HeaderId::RecordRoute:
      case HeaderId::Path:
        for (std::string_view value : message.values(field.id)) {
          checkResult(sip::parseNameAddr(value, field.id));
        }
        break;
      case HeaderId::Contact:
        for (std::string_view value : message.values(HeaderId::Contact)) {
          checkResult(sip::parseContact(value));
        }
        break;
      case HeaderId::CSeq:
        checkResult(sip::parseCSeq(field.value));
        break;
      case HeaderId::MaxForwards:
        checkResult(sip::parseMaxForwards(field.value));
        break;
      case HeaderId::Expires:
        checkResult(sip::parseExpires(field.value));
        break;
      case HeaderId::ContentType:
        checkResult(sip::parseContentType(field.value));
        break;
      case HeaderId::Event:
        checkResult(sip::parseEvent(field.value));
        break;
      case HeaderId::SubscriptionState:
        checkResult(sip::parseSubscriptionState(field.value));
        break;
      case HeaderId::Authorization:
      case HeaderId::ProxyAuthorization:
        checkResult(sip::parseCredentials(field.value, field.id));
        break;
      case HeaderId::WwwAuthenticate:
      case HeaderId::ProxyAuthenticate:
        checkResult(sip::parseChallenge(field.value, field.id));
        break;
      default:
        break;
    }
  }
}

}  // namespace tandem::fuzz
