#include "proxy/lookup.h"

namespace tandem::proxy {
namespace {

// A request is resumed at most this often: each resume finds the answer in
// the cache unless it expired in between (a TTL shorter than the hop from
// the resolver's thread to the loop), which cannot go on.
constexpr uint8_t kMaxSuspensions = 3;

dns::AnswerPtr failed(const dns::Query& query, std::string why) {
  auto answer = std::make_shared<dns::Answer>();
  answer->error = query.name + ": " + std::move(why);
  return answer;
}

}  // namespace

dns::AnswerPtr resolve(RequestContext& context, const dns::Query& query) {
  if (context.lookup == nullptr) {
    return failed(query, "host names are not resolved by this server (no resolver)");
  }
  if (context.resumer == nullptr) {
    // No transaction to resume (a stateless ACK): use the cache or nothing;
    // the lookup still runs, so the retransmission finds the answer.
    if (dns::AnswerPtr answer = cachedOnly(context.lookup, query)) {
      return answer;
    }
    return failed(query, "not resolved yet");
  }
  if (context.suspensions >= kMaxSuspensions) {
    if (dns::AnswerPtr answer = cachedOnly(context.lookup, query)) {
      return answer;
    }
    return failed(query, "the answer expired before it could be used");
  }
  dns::AnswerPtr answer = context.lookup->lookup(query, context.resumer->wakeFor(context.server));
  if (!answer) {
    ++context.suspensions;
  }
  return answer;
}

dns::AnswerPtr cachedOnly(HostLookup* lookup, const dns::Query& query) {
  if (lookup == nullptr) {
    return nullptr;
  }
  return lookup->lookup(query, [] {});
}

dns::Transport toDns(transport::TransportKind kind) {
  switch (kind) {
    case transport::TransportKind::Tcp:
      return dns::Transport::Tcp;
    case transport::TransportKind::Tls:
      return dns::Transport::Tls;
    default:
      return dns::Transport::Udp;
  }
}

transport::TransportKind fromDns(dns::Transport transport) {
  switch (transport) {
    case dns::Transport::Tcp:
      return transport::TransportKind::Tcp;
    case dns::Transport::Tls:
      return transport::TransportKind::Tls;
    case dns::Transport::Udp:
      break;
  }
  return transport::TransportKind::Udp;
}

}  // namespace tandem::proxy
