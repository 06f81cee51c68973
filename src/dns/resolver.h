#pragma once

// An asynchronous DNS resolver for RFC 3263 next-hop resolution: where to
// send a request for sip:NAME[:PORT][;transport=T]. It runs c-ares on a
// thread of its own and keeps a bounded cache of answers; lookup() never
// blocks. docs/dns.md describes what is queried and how long answers live.
//
// What is queried (RFC 3263 §4.1-4.2, RFC 2782):
// - addresses_only, or a port given: A and AAAA of the name.
// - no port: SRV _sip._udp / _sip._tcp / _sips._tcp (Tls) of the name by
//   transport (both, udp first, when the URI named none); every SRV target
//   resolved to A and AAAA. A lone "." target: the service is not available
//   (an error). No SRV record at all: A and AAAA of the name on 5060 (5061
//   for Tls).
// - NAPTR is never queried: without it the client picks the transport
//   (RFC 3263 §4.1 allows it), and the pools Tandem federates with publish
//   SRV records.
// A name found in the hosts file (/etc/hosts) is answered from it alone:
// no SRV and no DNS query (the hosts file holds no SRV records, and a name
// pinned there, "localhost" first, must not leak to DNS).

#include <asio/ip/address.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace tandem::dns {

enum class Transport : uint8_t { Udp, Tcp, Tls };

struct Query {
  std::string name;   // a host name (never an IP literal), any case; a trailing dot is ignored
  uint16_t port = 0;  // 0: no port was given → SRV first (RFC 3263 §4.2), else A/AAAA on this port
  Transport transport = Transport::Udp;
  // false (a URI without ;transport): SRV _sip._udp, then _sip._tcp; `transport`
  // is then ignored (Udp where one is needed: the A/AAAA fallback, a port given).
  // NAPTR is not queried (see above).
  bool transport_given = true;
  bool addresses_only = false;  // true: only A and AAAA of `name` (authorized-host entries); port/transport ignored
};

struct Address {
  asio::ip::address address;
  uint16_t port = 0;  // 0 for addresses_only
  Transport transport = Transport::Udp;
};

struct Answer {
  // In the order to try: SRV priority, then weight (RFC 2782 weighted
  // selection, drawn once per resolution: a cached answer keeps its order),
  // then A before AAAA of each target. At most 16. Empty iff !error.empty().
  std::vector<Address> addresses;
  // Why nothing, one line for a SIP Warning: "b.example.com: no such domain
  // (NXDOMAIN)", "b.example.com: no answer from 127.0.0.1:53 after 2 tries", ...
  std::string error;
  // Fresh until then: the shortest TTL of the address records used, clamped
  // to [min_ttl, max_ttl] (c-ares 1.18 does not give SRV TTLs); hosts file:
  // hosts_ttl; failures: negative_ttl.
  std::chrono::steady_clock::time_point expires;
};
using AnswerPtr = std::shared_ptr<const Answer>;

// Thread-safe. One thread runs c-ares (poll() on its sockets and an eventfd
// that wakes it for new queries); the c-ares channel is touched only there.
class Resolver {
 public:
  struct Options {
    std::vector<std::string> servers;  // "IP" or "IP:port" or "[v6]:port"; empty: the system's (/etc/resolv.conf)
    // Per try: each try asks every server in turn, this long each. A query
    // that gets no answer fails after `tries` tries.
    std::chrono::milliseconds timeout{2000};
    int tries = 2;
    std::chrono::seconds min_ttl{1};
    std::chrono::seconds max_ttl{3600};
    std::chrono::seconds negative_ttl{5};  // how long a failure is remembered
    // An expired answer is still served this long while a refresh runs
    // (RFC 8767 serve-stale). A refresh that fails keeps the old answer and
    // is not retried for negative_ttl.
    std::chrono::seconds stale{30};
    std::chrono::seconds hosts_ttl{60};  // answers from /etc/hosts (no TTL)
    size_t max_entries = 10000;          // cache bound; least recently used dropped
    size_t max_waiters = 10000;          // callbacks waiting at once; over: lookup answers an error at once
  };

  // Starts the resolver's thread. Errors: bad server strings, c-ares init failure (one line).
  static Result<std::unique_ptr<Resolver>, std::string> start(const Options& options);
  // Stops and joins the thread; callbacks not yet called are dropped (never
  // called after the destructor returns). Must not be called from a callback.
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Never blocks, callable from any thread. A cached answer (fresh, or expired by less than `stale`,
  // in which case a background refresh is started once) is returned and `done` is not kept.
  // Otherwise returns nullptr, runs the query (identical queries under way are coalesced: one DNS
  // query, many waiters) and calls `done` exactly once, on the resolver's thread, when the answer
  // (or failure) is in the cache. The caller then calls lookup() again to read it.
  // Also answered at once, not cached, `done` not kept: an IP literal (its
  // address on the port given, else 5060/5061), a name that is not a host
  // name (an error), and any lookup while max_waiters callbacks wait (an error).
  AnswerPtr lookup(const Query& query, std::function<void()> done);

  struct Stats {
    uint64_t queries = 0;   // DNS queries sent (a name with a port costs two: A and AAAA; a retry counts)
    uint64_t hits = 0;      // lookups answered from the cache (stale ones included)
    uint64_t misses = 0;    // lookups that returned nullptr
    uint64_t failures = 0;  // resolutions that ended in an error, and lookups refused (max_waiters)
    size_t entries = 0;     // answers (and queries under way) in the cache
  };
  Stats stats() const;

 private:
  class Impl;
  explicit Resolver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::dns
