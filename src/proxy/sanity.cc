#include "proxy/sanity.h"

#include <algorithm>
#include <charconv>

#include "sip/headers.h"

namespace tandem::proxy {
namespace {

constexpr std::string_view kBranchPrefix = "z9hG4bK-T";

struct Fnv {
  uint64_t value = 14695981039346656037ULL;
  void add(std::string_view text) {
    for (unsigned char c : text) {
      value = (value ^ c) * 1099511628211ULL;
    }
    value = (value ^ 0xff) * 1099511628211ULL;  // field separator
  }
};

std::string_view tagOf(const sip::Message& request, sip::HeaderId id) {
  const sip::HeaderField* field = request.find(id);
  if (field == nullptr) {
    return {};
  }
  auto address = sip::parseNameAddr(field->value, id);
  return address.ok() ? address->tag().value_or(std::string_view{}) : std::string_view{};
}

}  // namespace

uint64_t loopHash(const sip::Message& request) {
  Fnv hash;
  hash.add(request.requestUri());
  hash.add(tagOf(request, sip::HeaderId::From));
  hash.add(tagOf(request, sip::HeaderId::To));
  const sip::HeaderField* call_id = request.find(sip::HeaderId::CallId);
  hash.add(call_id != nullptr ? call_id->value : std::string_view{});
  if (const sip::HeaderField* cseq = request.find(sip::HeaderId::CSeq); cseq != nullptr) {
    auto parsed = sip::parseCSeq(cseq->value);
    char digits[16];
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, parsed.ok() ? parsed->number : 0U);
    hash.add(std::string_view(digits, static_cast<size_t>(end - digits)));
  }
  for (sip::HeaderId id : {sip::HeaderId::ProxyRequire, sip::HeaderId::ProxyAuthorization, sip::HeaderId::Route}) {
    for (std::string_view value : request.values(id)) {
      hash.add(value);
    }
  }
  return hash.value;
}

std::string makeBranch(uint32_t worker, uint64_t sequence, uint64_t loop_hash) {
  char text[80];
  char* out = std::copy(kBranchPrefix.begin(), kBranchPrefix.end(), text);
  out = std::to_chars(out, text + sizeof text, worker, 16).ptr;
  *out++ = '.';
  out = std::to_chars(out, text + sizeof text, sequence, 16).ptr;
  *out++ = '.';
  out = std::to_chars(out, text + sizeof text, loop_hash, 16).ptr;
  return std::string(text, static_cast<size_t>(out - text));
}

std::optional<uint64_t> loopHashOfBranch(std::string_view branch) {
  if (branch.substr(0, kBranchPrefix.size()) != kBranchPrefix) {
    return std::nullopt;
  }
  const size_t dot = branch.rfind('.');
  if (dot == std::string_view::npos) {
    return std::nullopt;
  }
  uint64_t value = 0;
  const std::string_view digits = branch.substr(dot + 1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, 16);
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return value;
}

bool SanityPhase::looped(const sip::Message& request) const {
  std::optional<uint64_t> current;
  for (std::string_view value : request.values(sip::HeaderId::Via)) {
    auto via = sip::parseVia(value);
    if (!via.ok() || !identity_.isLocal(via->host, via->port)) {
      continue;
    }
    const auto hash = loopHashOfBranch(via->branch);
    if (!hash) {
      continue;
    }
    if (!current) {
      current = loopHash(request);
    }
    if (*hash == *current) {
      return true;
    }
  }
  return false;
}

Next SanityPhase::run(RequestContext& context) {
  const sip::Message& request = context.request;
  auto uri = sip::parseUri(request.requestUri());
  if (!uri.ok()) {
    return context.respond(uri.error().status, uri.error().reason);  // validateRequest catches this first
  }
  context.request_uri = *uri;

  if (const sip::HeaderField* hops = request.find(sip::HeaderId::MaxForwards); hops != nullptr) {
    auto value = sip::parseMaxForwards(hops->value);
    if (value.ok() && *value == 0) {
      return context.respond(483, "Max-Forwards reached zero");
    }
  }
  if (looped(request)) {
    return context.respond(482, "The request came back to this server unchanged");
  }
  // Tandem implements no extension a proxy must understand (§16.3 item 6).
  std::string unsupported;
  for (std::string_view tag : request.values(sip::HeaderId::ProxyRequire)) {
    if (tag.empty()) {
      continue;
    }
    unsupported += unsupported.empty() ? "" : ", ";
    unsupported += tag;
  }
  if (!unsupported.empty()) {
    context.response.headers.emplace_back("Unsupported", unsupported);
    return context.respond(420, "Proxy-Require names an extension this proxy does not support");
  }
  return Next::Continue;
}

}  // namespace tandem::proxy
