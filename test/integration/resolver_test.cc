// tandem::dns::Resolver against a real DNS server (dnsmasq) and a relay the
// test controls. No test asserts on luck: TTLs are short, and every wait
// polls a condition with a deadline.

#include "dns/resolver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dnsmasq.h"
#include "harness.h"

namespace tandem::test {
namespace {

using dns::Address;
using dns::AnswerPtr;
using dns::Query;
using dns::Resolver;
using dns::Transport;
using std::chrono::seconds;
using std::chrono::steady_clock;

// The zone most tests use: example.com is local to dnsmasq, so a missing
// name is NXDOMAIN.
DnsRecords zone() {
  DnsRecords records;
  records.hosts = {
      {"a.example.com", "192.0.2.1", "2001:db8::1", 5}, {"v6.example.com", "", "2001:db8::6", 0},
      {"sip1.b.example.com", "192.0.2.11", "", 0},      {"sip2.b.example.com", "192.0.2.12", "", 0},
      {"sip3.b.example.com", "192.0.2.13", "", 0},      {"tls.b.example.com", "192.0.2.14", "", 0},
  };
  records.srvs = {
      // Registered in reverse priority order: the resolver must sort them.
      {"_sip._udp.b.example.com", "sip2.b.example.com", 5080, 20, 0},
      {"_sip._udp.b.example.com", "sip1.b.example.com", 5070, 10, 60},
      {"_sip._tcp.b.example.com", "sip3.b.example.com", 5090, 10, 0},
      {"_sips._tcp.b.example.com", "tls.b.example.com", 5061, 10, 0},
      {"_sip._udp.c.example.com", "", 0, 0, 0},  // "." : not available
      {"_sip._tcp.t.example.com", "sip3.b.example.com", 5071, 10, 0},
      {"_sip._udp.g.example.com", "ghost.example.com", 5060, 10, 0},
  };
  return records;
}

Resolver::Options optionsFor(const std::string& server) {
  Resolver::Options options;
  options.servers = {server};
  options.timeout = milliseconds(1000);
  options.tries = 2;
  return options;
}

std::unique_ptr<Resolver> startResolver(const Resolver::Options& options) {
  auto resolver = Resolver::start(options);
  EXPECT_TRUE(resolver.ok()) << resolver.error();
  return resolver.ok() ? std::move(resolver).value() : nullptr;
}

Query query(std::string name, uint16_t port = 0, Transport transport = Transport::Udp) {
  Query q;
  q.name = std::move(name);
  q.port = port;
  q.transport = transport;
  return q;
}

// The answer of `q`: at once from the cache, or once the resolver called
// back (nullptr when it did not within the deadline).
AnswerPtr resolve(Resolver& resolver, const Query& q, milliseconds deadline = milliseconds(15000)) {
  auto called = std::make_shared<std::atomic<int>>(0);
  if (AnswerPtr answer = resolver.lookup(q, [called] { called->fetch_add(1); })) {
    return answer;
  }
  if (!eventually([&] { return called->load() > 0; }, deadline)) {
    return nullptr;
  }
  return resolver.lookup(q, {});
}

std::string text(const Address& a) {
  const char* transport = a.transport == Transport::Udp ? "udp" : a.transport == Transport::Tcp ? "tcp" : "tls";
  const std::string host = a.address.is_v6() ? "[" + a.address.to_string() + "]" : a.address.to_string();
  return host + ":" + std::to_string(a.port) + "/" + transport;
}

// "192.0.2.1:5060/udp [2001:db8::1]:5060/udp", or the error.
std::string text(const AnswerPtr& answer) {
  if (answer == nullptr) {
    return "(no answer)";
  }
  if (!answer->error.empty()) {
    return "error: " + answer->error;
  }
  std::string out;
  for (const Address& a : answer->addresses) {
    out += (out.empty() ? "" : " ") + text(a);
  }
  return out;
}

class ResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dnsmasq_ = std::make_unique<Dnsmasq>(zone());
    ASSERT_TRUE(dnsmasq_->started()) << dnsmasq_->error();
    resolver_ = startResolver(optionsFor(dnsmasq_->server()));
    ASSERT_NE(resolver_, nullptr);
  }

  std::unique_ptr<Dnsmasq> dnsmasq_;
  std::unique_ptr<Resolver> resolver_;
};

TEST_F(ResolverTest, PortGivenAsksAAndAaaaOnThatPort) {
  const auto before = steady_clock::now();
  const AnswerPtr answer = resolve(*resolver_, query("a.example.com", 5070));
  EXPECT_EQ(text(answer), "192.0.2.1:5070/udp [2001:db8::1]:5070/udp");
  ASSERT_NE(answer, nullptr);
  // TTL 5 s (the record's), from when the answer came.
  EXPECT_GT(answer->expires, before + seconds(4));
  EXPECT_LE(answer->expires, steady_clock::now() + seconds(5));
  // Any case and a trailing dot: the same cache entry.
  EXPECT_EQ(resolver_->lookup(query("A.Example.COM.", 5070), [] { ADD_FAILURE() << "not a hit"; }), answer);
  EXPECT_EQ(resolver_->stats().queries, 2u);  // A and AAAA
  EXPECT_EQ(dnsmasq_->queriesFor("a.example.com"), 2);
}

TEST_F(ResolverTest, AaaaOnlyAndAddressesOnly) {
  EXPECT_EQ(text(resolve(*resolver_, query("v6.example.com", 5060, Transport::Tcp))), "[2001:db8::6]:5060/tcp");
  Query only = query("a.example.com", 5999, Transport::Tls);
  only.addresses_only = true;  // port and transport ignored; no SRV
  EXPECT_EQ(text(resolve(*resolver_, only)), "192.0.2.1:0/udp [2001:db8::1]:0/udp");
  EXPECT_EQ(dnsmasq_->queriesFor("_sip._udp.a.example.com"), 0);
}

TEST_F(ResolverTest, SrvInPriorityOrderPerTransport) {
  EXPECT_EQ(text(resolve(*resolver_, query("b.example.com"))), "192.0.2.11:5070/udp 192.0.2.12:5080/udp");
  EXPECT_EQ(text(resolve(*resolver_, query("b.example.com", 0, Transport::Tcp))), "192.0.2.13:5090/tcp");
  EXPECT_EQ(text(resolve(*resolver_, query("b.example.com", 0, Transport::Tls))), "192.0.2.14:5061/tls");
  EXPECT_EQ(dnsmasq_->queriesFor("_sips._tcp.b.example.com"), 1);
}

TEST_F(ResolverTest, NoTransportGivenTriesUdpThenTcpSrv) {
  Query any = query("b.example.com");
  any.transport_given = false;
  EXPECT_EQ(text(resolve(*resolver_, any)), "192.0.2.11:5070/udp 192.0.2.12:5080/udp 192.0.2.13:5090/tcp");
  Query tcp_only = query("t.example.com", 0, Transport::Tls);  // transport ignored
  tcp_only.transport_given = false;
  EXPECT_EQ(text(resolve(*resolver_, tcp_only)), "192.0.2.13:5071/tcp");
  // No SRV at all: A/AAAA on 5060 over UDP.
  Query none = query("a.example.com");
  none.transport_given = false;
  EXPECT_EQ(text(resolve(*resolver_, none)), "192.0.2.1:5060/udp [2001:db8::1]:5060/udp");
}

TEST_F(ResolverTest, NoSrvFallsBackToAddressesOnTheDefaultPort) {
  EXPECT_EQ(text(resolve(*resolver_, query("a.example.com"))), "192.0.2.1:5060/udp [2001:db8::1]:5060/udp");
  EXPECT_EQ(text(resolve(*resolver_, query("a.example.com", 0, Transport::Tcp))),
            "192.0.2.1:5060/tcp [2001:db8::1]:5060/tcp");
  EXPECT_EQ(text(resolve(*resolver_, query("a.example.com", 0, Transport::Tls))),
            "192.0.2.1:5061/tls [2001:db8::1]:5061/tls");
  EXPECT_EQ(dnsmasq_->queriesFor("_sip._udp.a.example.com"), 1);
  EXPECT_EQ(dnsmasq_->queriesFor("_sips._tcp.a.example.com"), 1);
}

TEST_F(ResolverTest, DotTargetMeansServiceNotAvailable) {
  const AnswerPtr answer = resolve(*resolver_, query("c.example.com"));
  EXPECT_EQ(text(answer), "error: c.example.com: SIP service not available (SRV target \".\")");
  // No A/AAAA fallback after a "." record.
  EXPECT_EQ(dnsmasq_->queriesFor("c.example.com"), 0);
}

TEST_F(ResolverTest, NxdomainIsAnErrorRememberedForNegativeTtl) {
  const auto before = steady_clock::now();
  const AnswerPtr answer = resolve(*resolver_, query("nope.example.com", 5060));
  EXPECT_EQ(text(answer), "error: nope.example.com: no such domain (NXDOMAIN)");
  ASSERT_NE(answer, nullptr);
  EXPECT_TRUE(answer->addresses.empty());
  EXPECT_GT(answer->expires, before + seconds(4));  // negative_ttl 5 s
  EXPECT_EQ(resolver_->lookup(query("nope.example.com", 5060), {}), answer);
  EXPECT_EQ(resolver_->stats().failures, 1u);
  // Without a port: no SRV, then no A either.
  EXPECT_EQ(text(resolve(*resolver_, query("nope.example.com"))), "error: nope.example.com: no such domain (NXDOMAIN)");
  // An SRV target without addresses.
  EXPECT_EQ(text(resolve(*resolver_, query("g.example.com"))),
            "error: g.example.com: no address for its SRV targets (ghost.example.com: no such domain (NXDOMAIN))");
}

TEST(ResolverFailureTest, AServerThatNeverAnswersFailsAfterTimeoutTimesTries) {
  DnsRelay silent(DnsRelay::Mode::Drop);
  Resolver::Options options = optionsFor(silent.server());
  options.timeout = milliseconds(300);
  options.tries = 2;
  auto resolver = startResolver(options);
  ASSERT_NE(resolver, nullptr);
  auto calls = std::make_shared<std::atomic<int>>(0);
  const auto start = steady_clock::now();
  ASSERT_EQ(resolver->lookup(query("x.example.com", 5060), [calls] { calls->fetch_add(1); }), nullptr);
  ASSERT_TRUE(eventually([&] { return calls->load() > 0; }));
  const auto elapsed = steady_clock::now() - start;
  // Two tries of 300 ms each (A and AAAA in parallel); the upper bound only
  // catches c-ares's doubling of further tries (300 + 600 ms) or worse.
  EXPECT_GE(elapsed, milliseconds(600) - milliseconds(20));
  EXPECT_LT(elapsed, milliseconds(600) + milliseconds(2500));
  const AnswerPtr answer = resolver->lookup(query("x.example.com", 5060), {});
  EXPECT_EQ(text(answer), "error: x.example.com: no answer from " + silent.server() + " after 2 tries");
  EXPECT_EQ(silent.received(), 4u);  // A and AAAA, twice each
  EXPECT_EQ(resolver->stats().queries, 4u);
  resolver.reset();  // joins the resolver's thread: no callback can come later
  EXPECT_EQ(calls->load(), 1);
}

TEST(ResolverCoalescingTest, ConcurrentLookupsOfOneNameShareOneQuery) {
  Dnsmasq dnsmasq(zone());
  ASSERT_TRUE(dnsmasq.started()) << dnsmasq.error();
  DnsRelay relay(DnsRelay::Mode::Hold, dnsmasq.port());  // nothing is answered until release()
  Resolver::Options options = optionsFor(relay.server());
  options.timeout = milliseconds(10000);
  auto resolver = startResolver(options);
  ASSERT_NE(resolver, nullptr);

  auto calls = std::make_shared<std::atomic<int>>(0);
  std::atomic<int> answered_at_once{0};
  std::vector<std::thread> threads;
  threads.reserve(5);
  for (int t = 0; t < 5; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        if (resolver->lookup(query("a.example.com", 5060), [calls] { calls->fetch_add(1); }) != nullptr) {
          answered_at_once.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(answered_at_once.load(), 0);
  ASSERT_TRUE(eventually([&] { return relay.received() == 2; }));  // one A, one AAAA
  EXPECT_EQ(resolver->stats().misses, 50u);
  EXPECT_EQ(calls->load(), 0);

  relay.release();
  ASSERT_TRUE(eventually([&] { return calls->load() == 50; })) << calls->load();
  EXPECT_EQ(text(resolver->lookup(query("a.example.com", 5060), {})), "192.0.2.1:5060/udp [2001:db8::1]:5060/udp");
  const Resolver::Stats stats = resolver->stats();
  EXPECT_EQ(stats.queries, 2u);
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.entries, 1u);
  EXPECT_EQ(relay.received(), 2u);
  EXPECT_EQ(dnsmasq.queriesFor("a.example.com"), 2);
}

TEST(ResolverTtlTest, AnExpiredAnswerIsResolvedAgain) {
  DnsRecords records = zone();
  records.hosts.push_back({"r.example.com", "192.0.2.21", "", 1});
  Dnsmasq dnsmasq(records);
  ASSERT_TRUE(dnsmasq.started()) << dnsmasq.error();
  Resolver::Options options = optionsFor(dnsmasq.server());
  options.stale = seconds(0);
  auto resolver = startResolver(options);
  ASSERT_NE(resolver, nullptr);

  const AnswerPtr first = resolve(*resolver, query("r.example.com", 5060));
  ASSERT_EQ(text(first), "192.0.2.21:5060/udp");
  EXPECT_LE(first->expires, steady_clock::now() + seconds(1));

  records.hosts.back().ipv4 = "192.0.2.22";
  ASSERT_TRUE(dnsmasq.restart(records)) << dnsmasq.error();
  // Fresh until its TTL ends, then asked again: the new record shows.
  EXPECT_TRUE(
      eventually([&] { return text(resolve(*resolver, query("r.example.com", 5060))) == "192.0.2.22:5060/udp"; }));
  EXPECT_GE(resolver->stats().queries, 4u);
  EXPECT_GE(resolver->stats().misses, 2u);
}

TEST(ResolverTtlTest, TtlIsClampedToMinAndMax) {
  DnsRecords records = zone();
  records.hosts.push_back({"long.example.com", "192.0.2.31", "", 86400});
  records.hosts.push_back({"short.example.com", "192.0.2.32", "", 1});
  Dnsmasq dnsmasq(records);
  ASSERT_TRUE(dnsmasq.started()) << dnsmasq.error();
  Resolver::Options options = optionsFor(dnsmasq.server());
  options.min_ttl = seconds(20);
  options.max_ttl = seconds(60);
  auto resolver = startResolver(options);
  ASSERT_NE(resolver, nullptr);

  const auto before = steady_clock::now();
  const AnswerPtr long_lived = resolve(*resolver, query("long.example.com", 5060));
  const AnswerPtr short_lived = resolve(*resolver, query("short.example.com", 5060));
  ASSERT_TRUE(long_lived && long_lived->error.empty());
  ASSERT_TRUE(short_lived && short_lived->error.empty());
  EXPECT_LE(long_lived->expires, steady_clock::now() + seconds(60));
  EXPECT_GT(long_lived->expires, before + seconds(59));
  EXPECT_GT(short_lived->expires, before + seconds(19));
  EXPECT_LE(short_lived->expires, steady_clock::now() + seconds(20));
}

TEST(ResolverStaleTest, AnExpiredAnswerIsServedWhileTheServerIsGone) {
  DnsRecords records = zone();
  records.hosts.push_back({"s.example.com", "192.0.2.41", "", 1});
  Dnsmasq dnsmasq(records);
  ASSERT_TRUE(dnsmasq.started()) << dnsmasq.error();
  Resolver::Options serving = optionsFor(dnsmasq.server());
  serving.timeout = milliseconds(300);
  serving.stale = seconds(30);
  serving.negative_ttl = seconds(60);  // no second refresh within this test
  Resolver::Options strict = serving;
  strict.stale = seconds(1);
  auto stale = startResolver(serving);
  auto fresh_only = startResolver(strict);
  ASSERT_TRUE(stale && fresh_only);
  const AnswerPtr answer = resolve(*stale, query("s.example.com", 5060));
  const AnswerPtr other = resolve(*fresh_only, query("s.example.com", 5060));
  ASSERT_EQ(text(answer), "192.0.2.41:5060/udp");
  ASSERT_EQ(text(other), "192.0.2.41:5060/udp");

  dnsmasq.stop();
  ASSERT_TRUE(eventually([&] { return steady_clock::now() > answer->expires; }));
  // Expired, within `stale`: served at once, and one refresh starts.
  EXPECT_EQ(stale->lookup(query("s.example.com", 5060), [] { ADD_FAILURE() << "a stale hit keeps no callback"; }),
            answer);
  ASSERT_TRUE(eventually([&] { return stale->stats().failures == 1; }));  // the refresh failed
  // The failure did not replace the answer, and no refresh runs again before negative_ttl.
  EXPECT_EQ(stale->lookup(query("s.example.com", 5060), {}), answer);
  EXPECT_EQ(stale->stats().hits, 3u);  // resolve()'s second lookup, then these two
  EXPECT_EQ(stale->stats().misses, 1u);

  // Past expiry + stale, an answer is not served any more: asked again, it fails.
  ASSERT_TRUE(eventually([&] { return steady_clock::now() > other->expires + seconds(1); }));
  const AnswerPtr failed = resolve(*fresh_only, query("s.example.com", 5060));
  ASSERT_NE(failed, nullptr);
  EXPECT_TRUE(failed->addresses.empty());
  EXPECT_EQ(failed->error.rfind("s.example.com: no", 0), 0u) << failed->error;
}

TEST(ResolverCacheTest, TheLeastRecentlyUsedAnswerIsDropped) {
  DnsRecords records = zone();
  for (int i = 0; i < 5; ++i) {
    records.hosts.push_back({"h" + std::to_string(i) + ".example.com", "192.0.2." + std::to_string(50 + i), "", 0});
  }
  Dnsmasq dnsmasq(records);
  ASSERT_TRUE(dnsmasq.started()) << dnsmasq.error();
  Resolver::Options options = optionsFor(dnsmasq.server());
  options.max_entries = 3;
  auto resolver = startResolver(options);
  ASSERT_NE(resolver, nullptr);

  for (int i = 0; i < 5; ++i) {
    const std::string name = "h" + std::to_string(i) + ".example.com";
    EXPECT_EQ(text(resolve(*resolver, query(name, 5060))), "192.0.2." + std::to_string(50 + i) + ":5060/udp");
    EXPECT_LE(resolver->stats().entries, 3u);
  }
  EXPECT_EQ(resolver->stats().entries, 3u);
  EXPECT_NE(resolver->lookup(query("h4.example.com", 5060), {}), nullptr);
  EXPECT_NE(resolver->lookup(query("h2.example.com", 5060), {}), nullptr);
  EXPECT_EQ(resolver->lookup(query("h0.example.com", 5060), {}), nullptr);  // dropped
  EXPECT_EQ(resolver->lookup(query("h1.example.com", 5060), {}), nullptr);  // dropped
}

TEST(ResolverHostsTest, HostsFileNamesResolveWithoutDns) {
  DnsRelay silent(DnsRelay::Mode::Drop);
  auto resolver = startResolver(optionsFor(silent.server()));
  ASSERT_NE(resolver, nullptr);
  // Debian's /etc/hosts names localhost 127.0.0.1 (and ::1 on hosts with IPv6).
  const AnswerPtr with_port = resolve(*resolver, query("localhost", 5070));
  ASSERT_NE(with_port, nullptr);
  EXPECT_EQ(text(with_port).rfind("127.0.0.1:5070/udp", 0), 0u) << text(with_port);
  const AnswerPtr srv_skipped = resolve(*resolver, query("LOCALHOST.", 0, Transport::Tls));
  ASSERT_NE(srv_skipped, nullptr);
  EXPECT_EQ(text(srv_skipped).rfind("127.0.0.1:5061/tls", 0), 0u) << text(srv_skipped);
  EXPECT_EQ(resolver->stats().queries, 0u);
  EXPECT_EQ(silent.received(), 0u);
}

TEST(ResolverLifetimeTest, DestroyedWithQueriesUnderWayCallsNothingAfterwards) {
  DnsRelay silent(DnsRelay::Mode::Drop);
  Resolver::Options options = optionsFor(silent.server());
  options.timeout = milliseconds(10000);
  options.tries = 1;
  auto resolver = startResolver(options);
  ASSERT_NE(resolver, nullptr);
  auto calls = std::make_shared<std::atomic<int>>(0);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(resolver->lookup(query("q" + std::to_string(i) + ".example.com", i % 2 == 0 ? 5060 : 0),
                               [calls] { calls->fetch_add(1); }),
              nullptr);
  }
  ASSERT_TRUE(eventually([&] { return silent.received() >= 20; }));  // queries are out
  resolver.reset();
  EXPECT_EQ(calls->load(), 0);
}

TEST(ResolverLimitsTest, TooManyWaitersAreAnsweredAtOnce) {
  DnsRelay silent(DnsRelay::Mode::Drop);
  Resolver::Options options = optionsFor(silent.server());
  options.timeout = milliseconds(10000);
  options.max_waiters = 2;
  auto resolver = startResolver(options);
  ASSERT_NE(resolver, nullptr);
  EXPECT_EQ(resolver->lookup(query("w1.example.com", 5060), [] {}), nullptr);
  EXPECT_EQ(resolver->lookup(query("w2.example.com", 5060), [] {}), nullptr);
  const AnswerPtr busy = resolver->lookup(query("w3.example.com", 5060), [] { ADD_FAILURE() << "not kept"; });
  EXPECT_EQ(text(busy), "error: w3.example.com: resolver busy (2 lookups waiting)");
}

TEST(ResolverStartTest, BadServersAndLiteralsAndNames) {
  Resolver::Options options;
  options.servers = {"ns1.example.com"};
  auto bad = Resolver::start(options);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), "dns: 'ns1.example.com' is not a DNS server (\"IP\", \"IP:port\" or \"[v6]:port\")");
  options.servers = {"127.0.0.1:70000"};
  EXPECT_FALSE(Resolver::start(options).ok());
  options.servers = {};
  options.tries = 0;
  EXPECT_EQ(Resolver::start(options).error().rfind("dns: bad options (", 0), 0u);

  DnsRelay silent(DnsRelay::Mode::Drop);
  auto resolver = startResolver(optionsFor(silent.server()));
  ASSERT_NE(resolver, nullptr);
  // An IP literal needs no DNS; a name that is not one is refused at once.
  EXPECT_EQ(text(resolver->lookup(query("192.0.2.9"), {})), "192.0.2.9:5060/udp");
  EXPECT_EQ(text(resolver->lookup(query("[2001:db8::9]", 0, Transport::Tls), {})), "[2001:db8::9]:5061/tls");
  EXPECT_EQ(text(resolver->lookup(query("bad name.example.com", 5060), {})),
            "error: 'bad?name.example.com': not a host name");
  EXPECT_EQ(resolver->stats().queries, 0u);
}

}  // namespace
}  // namespace tandem::test
