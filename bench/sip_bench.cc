// Parse + fetch the headers a proxy reads, and serialize after a Via push and
// a Request-URI change, for a typical MESSAGE (~600 bytes) and INVITE with SDP.
// Heap allocations are counted by replacing the global operator new: the
// "allocs/msg" counter must stay at 1 for a parse (the message's own buffer)
// and 0 for a serialize into a reused string.

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "sip/editor.h"
#include "sip/framing.h"
#include "sip/headers.h"
#include "sip/message.h"
#include "sip/uri.h"

namespace {

std::atomic<uint64_t> g_allocations{0};

}  // namespace

// Counting replacements of the global allocation functions (malloc-backed).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) {
    return p;
  }
  throw std::bad_alloc();
}
void* operator new[](size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace tandem::sip {
namespace {

// A MESSAGE as Jabber/IM&P-style clients send it through a federation (~600 bytes).
constexpr std::string_view kMessage =
    "MESSAGE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 10.53.56.17:5080;branch=z9hG4bK-524287-1---5d8ac6e2f0a1b2c3;rport\r\n"
    "Max-Forwards: 70\r\n"
    "Route: <sip:lcs1.example.com;transport=tcp;lr>\r\n"
    "Contact: <sip:alice@10.53.56.17:5080;transport=tcp>\r\n"
    "To: <sip:bob@example.com>\r\n"
    "From: \"Alice Example\" <sip:alice@example.com>;tag=7ae3c1d2\r\n"
    "Call-ID: 8dT4nQ0aZc2hV5xYw1LmRk9P@10.53.56.17\r\n"
    "CSeq: 1 MESSAGE\r\n"
    "User-Agent: Cisco-Systems-Partitioned 8.0\r\n"
    "Content-Type: text/plain;charset=UTF-8\r\n"
    "Content-Length: 127\r\n"
    "\r\n"
    "Hello Bob, the migration window starts at 22:00 tonight; your contact list moves "
    "with you and presence keeps working during it.";

constexpr std::string_view kInvite =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n"
    "Via: SIP/2.0/TCP edge.example.com;branch=z9hG4bK5a2f1.1;received=192.0.2.10\r\n"
    "Max-Forwards: 69\r\n"
    "Route: <sip:lcs1.example.com;lr>, <sip:cup1.example.com;lr>\r\n"
    "Record-Route: <sip:edge.example.com;lr>\r\n"
    "To: Bob <sip:bob@example.com>\r\n"
    "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.example.com;transport=udp>\r\n"
    "Supported: ms-sender, timer\r\n"
    "Allow: INVITE, ACK, CANCEL, BYE, MESSAGE, INFO, OPTIONS\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 158\r\n"
    "\r\n"
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 pc33.example.com\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.101\r\n"
    "t=0 0\r\n"
    "m=message 5060 sip null\r\n"
    "a=accept-types:text/plain\r\n"
    "a=sendrecv\r\n";

// What the proxy reads of every request: parse, then the typed headers.
bool fetchProxyHeaders(const Message& m) {
  bool ok = true;
  auto via = parseVia(*m.values(HeaderId::Via).begin());
  ok &= via.ok();
  ok &= parseNameAddr(m.find(HeaderId::From)->value, HeaderId::From).ok();
  ok &= parseNameAddr(m.find(HeaderId::To)->value, HeaderId::To).ok();
  ok &= !m.find(HeaderId::CallId)->value.empty();
  ok &= parseCSeq(m.find(HeaderId::CSeq)->value).ok();
  ok &= parseMaxForwards(m.find(HeaderId::MaxForwards)->value).ok();
  for (std::string_view route : m.values(HeaderId::Route)) {
    ok &= parseNameAddr(route, HeaderId::Route).ok();
  }
  for (std::string_view contact : m.values(HeaderId::Contact)) {
    ok &= parseContact(contact).ok();
  }
  ok &= m.contentLength() >= 0;
  ok &= parseUri(m.requestUri()).ok();
  benchmark::DoNotOptimize(via);
  return ok;
}

void parseAndFetch(benchmark::State& state, std::string_view wire) {
  uint64_t allocations = 0;
  for (auto _ : state) {
    const uint64_t before = g_allocations.load(std::memory_order_relaxed);
    auto message = Message::parse(wire, Framing::Datagram);
    if (!message.ok() || !fetchProxyHeaders(*message)) {
      state.SkipWithError("parse failed");
      break;
    }
    allocations += g_allocations.load(std::memory_order_relaxed) - before;
    benchmark::DoNotOptimize(message);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(wire.size()));
  state.counters["allocs/msg"] = static_cast<double>(allocations) / static_cast<double>(state.iterations());
  state.counters["bytes"] = static_cast<double>(wire.size());
}

void serializeEdited(benchmark::State& state, std::string_view wire) {
  auto message = Message::parse(wire, Framing::Datagram);
  std::string out;
  out.reserve(4096);
  uint64_t allocations = 0;
  for (auto _ : state) {
    const uint64_t before = g_allocations.load(std::memory_order_relaxed);
    Editor editor(*message);
    editor.pushVia("SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK-tandem-8f1e2d3c4b5a");
    editor.setRequestUri("sip:bob@192.0.2.20:5060;transport=tcp");
    editor.replace(*message->find(HeaderId::MaxForwards), "69");
    out.clear();
    editor.serialize(out);
    allocations += g_allocations.load(std::memory_order_relaxed) - before;
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["allocs/msg"] = static_cast<double>(allocations) / static_cast<double>(state.iterations());
}

void parseOnly(benchmark::State& state, std::string_view wire) {
  for (auto _ : state) {
    auto message = Message::parse(wire, Framing::Datagram);
    benchmark::DoNotOptimize(message);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ParseOnlyMessage(benchmark::State& state) { parseOnly(state, kMessage); }
void BM_ParseMessage(benchmark::State& state) { parseAndFetch(state, kMessage); }
void BM_ParseInvite(benchmark::State& state) { parseAndFetch(state, kInvite); }
void BM_SerializeMessage(benchmark::State& state) { serializeEdited(state, kMessage); }
void BM_SerializeInvite(benchmark::State& state) { serializeEdited(state, kInvite); }

void BM_StreamFraming(benchmark::State& state) {
  std::string stream;
  for (int i = 0; i < 64; ++i) {
    stream += kMessage;
  }
  for (auto _ : state) {
    StreamFramer framer;
    (void)framer.append(stream);
    int frames = 0;
    while (framer.next().kind == StreamFramer::Kind::Message) {
      ++frames;
    }
    benchmark::DoNotOptimize(frames);
  }
  state.SetItemsProcessed(state.iterations() * 64);
}

BENCHMARK(BM_ParseOnlyMessage);
BENCHMARK(BM_ParseMessage);
BENCHMARK(BM_ParseInvite);
BENCHMARK(BM_SerializeMessage);
BENCHMARK(BM_SerializeInvite);
BENCHMARK(BM_StreamFraming);

}  // namespace
}  // namespace tandem::sip

BENCHMARK_MAIN();
