#include "sip/header_id.h"

#include <array>
#include <cstddef>

namespace tandem::sip {
namespace {

struct HeaderInfo {
  HeaderId id;
  std::string_view name;
  char compact;  // RFC 3261 §7.3.3 and extensions; 0 when none
  bool list;
};

constexpr std::array<HeaderInfo, static_cast<size_t>(HeaderId::Count_)> kHeaders{{
    {HeaderId::Other, "", 0, false},
    {HeaderId::Via, "Via", 'v', true},
    {HeaderId::From, "From", 'f', false},
    {HeaderId::To, "To", 't', false},
    {HeaderId::CallId, "Call-ID", 'i', false},
    {HeaderId::CSeq, "CSeq", 0, false},
    {HeaderId::MaxForwards, "Max-Forwards", 0, false},
    {HeaderId::Contact, "Contact", 'm', true},
    {HeaderId::ContentLength, "Content-Length", 'l', false},
    {HeaderId::ContentType, "Content-Type", 'c', false},
    {HeaderId::ContentEncoding, "Content-Encoding", 'e', true},
    {HeaderId::Route, "Route", 0, true},
    {HeaderId::RecordRoute, "Record-Route", 0, true},
    {HeaderId::Path, "Path", 0, true},
    {HeaderId::ServiceRoute, "Service-Route", 0, true},
    {HeaderId::Expires, "Expires", 0, false},
    {HeaderId::MinExpires, "Min-Expires", 0, false},
    {HeaderId::Event, "Event", 'o', false},
    {HeaderId::AllowEvents, "Allow-Events", 'u', true},
    {HeaderId::SubscriptionState, "Subscription-State", 0, false},
    {HeaderId::Authorization, "Authorization", 0, false},
    {HeaderId::ProxyAuthorization, "Proxy-Authorization", 0, false},
    {HeaderId::WwwAuthenticate, "WWW-Authenticate", 0, false},
    {HeaderId::ProxyAuthenticate, "Proxy-Authenticate", 0, false},
    {HeaderId::AuthenticationInfo, "Authentication-Info", 0, false},
    {HeaderId::Require, "Require", 0, true},
    {HeaderId::ProxyRequire, "Proxy-Require", 0, true},
    {HeaderId::Supported, "Supported", 'k', true},
    {HeaderId::Unsupported, "Unsupported", 0, true},
    {HeaderId::Allow, "Allow", 0, true},
    {HeaderId::Accept, "Accept", 0, true},
    {HeaderId::AcceptEncoding, "Accept-Encoding", 0, true},
    {HeaderId::AcceptLanguage, "Accept-Language", 0, true},
    {HeaderId::UserAgent, "User-Agent", 0, false},
    {HeaderId::Server, "Server", 0, false},
    {HeaderId::Warning, "Warning", 0, true},
    {HeaderId::RetryAfter, "Retry-After", 0, false},
    {HeaderId::Date, "Date", 0, false},
    {HeaderId::Subject, "Subject", 's', false},
    {HeaderId::ReferTo, "Refer-To", 'r', false},
    {HeaderId::ReferredBy, "Referred-By", 'b', false},
    {HeaderId::SipETag, "SIP-ETag", 0, false},
    {HeaderId::SipIfMatch, "SIP-If-Match", 0, false},
    {HeaderId::Timestamp, "Timestamp", 0, false},
}};

constexpr bool inEnumOrder() {
  for (size_t i = 0; i < kHeaders.size(); ++i) {
    if (static_cast<size_t>(kHeaders[i].id) != i) {
      return false;
    }
  }
  return true;
}
static_assert(inEnumOrder(), "kHeaders must list the ids in HeaderId order");

constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// `candidate` is a token from the wire, `lowered` a canonical name in lower
// case. OR-ing 0x20 lowercases letters and leaves every other character a
// canonical name holds ('-', digits) unchanged, and no other token character
// can become a lowercase letter that way, so this is an exact case-insensitive
// comparison.
bool sameName(std::string_view candidate, std::string_view lowered) {
  if (candidate.size() != lowered.size()) {
    return false;
  }
  for (size_t i = 0; i < candidate.size(); ++i) {
    if (static_cast<char>(candidate[i] | 0x20) != lowered[i]) {
      return false;
    }
  }
  return true;
}

// Buckets by (length, lowercase first letter) so a lookup compares against at
// most a couple of names: this runs for every header line of every message.
struct Index {
  static constexpr size_t kMaxLength = 20;
  std::array<std::array<uint8_t, 4>, (kMaxLength + 1) * 26> slots{};
  std::array<HeaderId, 26> compact{};
  std::array<std::array<char, kMaxLength>, static_cast<size_t>(HeaderId::Count_)> lowered{};
};

constexpr Index makeIndex() {
  Index index{};
  for (const auto& info : kHeaders) {
    if (info.id == HeaderId::Other) {
      continue;
    }
    const size_t bucket = info.name.size() * 26 + static_cast<size_t>(lower(info.name[0]) - 'a');
    for (auto& slot : index.slots[bucket]) {
      if (slot == 0) {
        slot = static_cast<uint8_t>(info.id);
        break;
      }
    }
    if (info.compact != 0) {
      index.compact[static_cast<size_t>(info.compact - 'a')] = info.id;
    }
    for (size_t i = 0; i < info.name.size(); ++i) {
      index.lowered[static_cast<size_t>(info.id)][i] = lower(info.name[i]);
    }
  }
  return index;
}
constexpr Index kIndex = makeIndex();

}  // namespace

HeaderId headerIdFromName(std::string_view name) {
  if (name.empty() || name.size() > Index::kMaxLength) {
    return HeaderId::Other;
  }
  const char first = lower(name[0]);
  if (first < 'a' || first > 'z') {
    return HeaderId::Other;
  }
  if (name.size() == 1) {
    return kIndex.compact[static_cast<size_t>(first - 'a')];
  }
  for (uint8_t slot : kIndex.slots[name.size() * 26 + static_cast<size_t>(first - 'a')]) {
    if (slot == 0) {
      break;
    }
    if (sameName(name, std::string_view(kIndex.lowered[slot].data(), name.size()))) {
      return static_cast<HeaderId>(slot);
    }
  }
  return HeaderId::Other;
}

std::string_view canonicalHeaderName(HeaderId id) { return kHeaders[static_cast<size_t>(id)].name; }

bool isListHeader(HeaderId id) { return kHeaders[static_cast<size_t>(id)].list; }

}  // namespace tandem::sip
