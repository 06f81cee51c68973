// The proxy core end to end over a fake sender: requests in, what it sends
// out, responses back (RFC 3261 §16).

#include "proxy/proxy.h"

#include "proxy/lookup.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sip/headers.h"
#include "sip/message.h"

namespace tandem::proxy {
namespace {

using transaction::Destination;
using transaction::TimePoint;
using transport::TransportKind;

struct Sent {
  std::string bytes;
  Destination to;
};

class FakeSender : public transaction::Sender {
 public:
  Status<transaction::SendError> send(std::string_view bytes, const Destination& to) override {
    sent.push_back({std::string(bytes), to});
    return {};
  }
  std::vector<Sent> sent;
};

Destination peer(std::string_view ip, uint16_t port, TransportKind kind = TransportKind::Udp) {
  return {transport::Endpoint{asio::ip::make_address(std::string(ip)), port}, kind, std::nullopt};
}

sip::Message parse(std::string_view text) {
  auto message = sip::Message::parse(text, sip::Framing::Datagram);
  EXPECT_TRUE(message.ok()) << text;
  return std::move(message).value();
}

std::string request(std::string_view method, std::string_view uri, std::string_view extra = {},
                    std::string_view branch = "z9hG4bKuac1", std::string_view max_forwards = "70") {
  std::string text = std::string(method) + " " + std::string(uri) + " SIP/2.0\r\n";
  text += "Via: SIP/2.0/UDP 127.0.0.10:5070;branch=" + std::string(branch) + "\r\n";
  if (!max_forwards.empty()) {
    text += "Max-Forwards: " + std::string(max_forwards) + "\r\n";
  }
  text += "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>\r\n";
  text += "Call-ID: call-1@127.0.0.10\r\nCSeq: 1 " + std::string(method) + "\r\n";
  text += extra;
  text += "Content-Length: 0\r\n\r\n";
  return text;
}

// A response to what the proxy sent: Via lines copied, To tagged.
std::string responseTo(const std::string& forwarded, int status, std::string_view reason = "OK") {
  const sip::Message m = parse(forwarded);
  std::string text = "SIP/2.0 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  for (const sip::HeaderField& field : m.headers()) {
    if (field.id == sip::HeaderId::Via || field.id == sip::HeaderId::From || field.id == sip::HeaderId::CallId ||
        field.id == sip::HeaderId::CSeq || field.id == sip::HeaderId::RecordRoute) {
      text += field.line;
    }
  }
  text += "To: <sip:bob@example.com>;tag=b1\r\nContent-Length: 0\r\n\r\n";
  return text;
}

class ProxyTest : public ::testing::Test {
 protected:
  ProxyTest()
      : identity_("proxy.example.com", {{TransportKind::Udp, {asio::ip::make_address("127.0.0.1"), 5060}},
                                        {TransportKind::Tcp, {asio::ip::make_address("127.0.0.1"), 5060}}}),
        proxy_(sender_, identity_, ProxySettings{}, now_) {
    auto snapshot = std::make_shared<RoutingSnapshot>();
    snapshot->routes.push_back(StaticRoute{"*", "example.com", false, "127.0.0.20", 5080, TransportKind::Udp, false});
    snapshot->routes.push_back(
        StaticRoute{"*", "tcp.example.com", false, "127.0.0.21", 5090, TransportKind::Tcp, false});
    snapshot->routes.push_back(
        StaticRoute{"*", "replace.example.com", false, "127.0.0.22", 5060, TransportKind::Udp, true});
    snapshot->routes.push_back(
        StaticRoute{"*", "phone.example.com", true, "127.0.0.23", 5060, TransportKind::Udp, false});
    proxy_.setRouting(snapshot);
  }

  void receive(const std::string& text, Destination from = peer("127.0.0.10", 5070)) {
    proxy_.onIncoming(transaction::Incoming{parse(text), from, std::nullopt}, now_);
  }
  // The status line of the last send, and the whole message.
  std::string lastStartLine() const {
    const std::string& bytes = sender_.sent.back().bytes;
    return bytes.substr(0, bytes.find("\r\n"));
  }
  sip::Message last() const { return parse(sender_.sent.back().bytes); }

  TimePoint now_{};
  FakeSender sender_;
  LocalIdentity identity_;
  Proxy proxy_;
};

TEST_F(ProxyTest, ForwardsByStaticRouteWithViaRecordRouteAndMaxForwards) {
  receive(request("MESSAGE", "sip:bob@example.com"));
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(sender_.sent[0].to, peer("127.0.0.20", 5080));
  const sip::Message out = last();
  EXPECT_EQ(out.requestUri(), "sip:bob@example.com");  // unchanged (no replace_host)
  std::vector<std::string_view> vias(out.values(sip::HeaderId::Via).begin(), out.values(sip::HeaderId::Via).end());
  ASSERT_EQ(vias.size(), 2u);
  EXPECT_EQ(vias[0].substr(0, 38), "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG");
  EXPECT_EQ(out.find(sip::HeaderId::MaxForwards)->value, "69");
  EXPECT_EQ(out.find(sip::HeaderId::RecordRoute)->value, "<sip:127.0.0.1:5060;lr>");
  EXPECT_EQ(out.count(sip::HeaderId::RecordRoute), 1u);
}

TEST_F(ProxyTest, ALargeRequestGoesOverTcpWhenUdpWasAsked) {
  // RFC 3261 §18.1.1: above the MTU limit a request goes over a congestion-
  // controlled transport; the Via must name the transport actually used.
  identity_.setTransportChooser([](size_t size, TransportKind requested, const transport::Endpoint&) {
    return size > 1300 && requested == TransportKind::Udp ? TransportKind::Tcp : requested;
  });
  std::string big = request("MESSAGE", "sip:bob@example.com");
  big.replace(big.find("Content-Length: 0"), 17, "Content-Length: 1400");
  big += std::string(1400, 'x');
  receive(big);
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(sender_.sent[0].to.transport, TransportKind::Tcp);
  EXPECT_EQ(last().find(sip::HeaderId::Via)->value.substr(0, 11), "SIP/2.0/TCP");
  receive(request("MESSAGE", "sip:bob@example.com", {}, "z9hG4bKsmall"));
  EXPECT_EQ(sender_.sent.back().to.transport, TransportKind::Udp);
}

TEST_F(ProxyTest, RelaysTheResponseUpstreamWithoutOurVia) {
  receive(request("MESSAGE", "sip:bob@example.com"));
  const std::string forwarded = sender_.sent[0].bytes;
  receive(responseTo(forwarded, 200), peer("127.0.0.20", 5080));
  ASSERT_EQ(sender_.sent.size(), 2u);
  EXPECT_EQ(sender_.sent[1].to, peer("127.0.0.10", 5070));
  const sip::Message up = last();
  EXPECT_EQ(up.statusCode(), 200);
  EXPECT_EQ(up.count(sip::HeaderId::Via), 1u);
  EXPECT_NE(up.find(sip::HeaderId::Via)->value.find("z9hG4bKuac1"), std::string_view::npos);
}

TEST_F(ProxyTest, DoubleRecordRoutesAcrossTransportsAndKeepsRouteSetLoose) {
  receive(request("INVITE", "sip:bob@tcp.example.com"));
  ASSERT_GE(sender_.sent.size(), 1u);
  EXPECT_EQ(sender_.sent[0].to.transport, TransportKind::Tcp);
  const sip::Message out = parse(sender_.sent[0].bytes);
  std::vector<std::string_view> rr(out.values(sip::HeaderId::RecordRoute).begin(),
                                   out.values(sip::HeaderId::RecordRoute).end());
  ASSERT_EQ(rr.size(), 2u);
  EXPECT_EQ(rr[0], "<sip:127.0.0.1:5060;transport=tcp;lr>");  // faces the next hop
  EXPECT_EQ(rr[1], "<sip:127.0.0.1:5060;lr>");
  EXPECT_EQ(out.find(sip::HeaderId::Via)->value.substr(0, 11), "SIP/2.0/TCP");
}

TEST_F(ProxyTest, ReplaceHostRewritesTheRequestUri) {
  receive(request("MESSAGE", "sip:carol@replace.example.com;transport=udp"));
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(last().requestUri(), "sip:carol@127.0.0.22;transport=udp");
}

TEST_F(ProxyTest, PhoneRoutesMatchOnlyPhoneUris) {
  receive(request("MESSAGE", "sip:+15551234@phone.example.com;user=phone"));
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(sender_.sent[0].to, peer("127.0.0.23", 5060));
  receive(request("MESSAGE", "sip:dave@phone.example.com", {}, "z9hG4bKuac2"));
  EXPECT_EQ(lastStartLine(), "SIP/2.0 404 Not Found");
}

TEST_F(ProxyTest, AnswersUnroutable404WithWarning) {
  receive(request("MESSAGE", "sip:carol@elsewhere.org"));
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(lastStartLine(), "SIP/2.0 404 Not Found");
  EXPECT_NE(last().find(sip::HeaderId::Warning)->value.find("elsewhere.org"), std::string_view::npos);
}

TEST_F(ProxyTest, Answers483WhenMaxForwardsIsZero) {
  receive(request("MESSAGE", "sip:bob@example.com", {}, "z9hG4bKmf", "0"));
  EXPECT_EQ(lastStartLine(), "SIP/2.0 483 Too Many Hops");
}

TEST_F(ProxyTest, Answers420ListingUnsupportedProxyRequire) {
  receive(request("MESSAGE", "sip:bob@example.com", "Proxy-Require: foo, bar\r\n"));
  EXPECT_EQ(lastStartLine(), "SIP/2.0 420 Bad Extension");
  EXPECT_EQ(last().find(sip::HeaderId::Unsupported)->value, "foo, bar");
}

TEST_F(ProxyTest, Detects482WhenOurOwnRequestComesBackUnchanged) {
  receive(request("MESSAGE", "sip:bob@example.com"));
  const std::string forwarded = sender_.sent[0].bytes;
  // The next hop routes it straight back to us.
  receive(forwarded, peer("127.0.0.20", 5080));
  EXPECT_EQ(lastStartLine(), "SIP/2.0 482 Loop Detected");
}

TEST_F(ProxyTest, AnswersOptionsToItself) {
  receive(request("OPTIONS", "sip:127.0.0.1:5060"));
  EXPECT_EQ(lastStartLine(), "SIP/2.0 200 OK");
  EXPECT_NE(last().find(sip::HeaderId::Allow), nullptr);
}

TEST_F(ProxyTest, LooseRoutesInDialogRequestsToTheRequestUri) {
  receive(request("BYE", "sip:bob@127.0.0.30:5062", "Route: <sip:127.0.0.1:5060;lr>\r\n"));
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(sender_.sent[0].to, peer("127.0.0.30", 5062));
  EXPECT_EQ(last().find(sip::HeaderId::Route), nullptr);  // our entry removed
}

TEST_F(ProxyTest, ForwardsToTheNextRouteAfterRemovingOurs) {
  receive(request("BYE", "sip:bob@127.0.0.30:5062",
                  "Route: <sip:127.0.0.1:5060;transport=tcp;lr>, <sip:127.0.0.1:5060;lr>, <sip:127.0.0.40;lr>\r\n"));
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(sender_.sent[0].to, peer("127.0.0.40", 5060));
  EXPECT_EQ(last().find(sip::HeaderId::Route)->value, "<sip:127.0.0.40;lr>");
}

TEST_F(ProxyTest, StrictRouterRequestUriIsRestoredFromTheLastRoute) {
  receive(request("BYE", "sip:127.0.0.1:5060", "Route: <sip:bob@127.0.0.30:5062>\r\n"));
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(sender_.sent[0].to, peer("127.0.0.30", 5062));
  EXPECT_EQ(last().requestUri(), "sip:bob@127.0.0.30:5062");
  EXPECT_EQ(last().find(sip::HeaderId::Route), nullptr);
}

TEST_F(ProxyTest, PassesOnErrorsAndConverts503To500) {
  receive(request("MESSAGE", "sip:bob@example.com"));
  receive(responseTo(sender_.sent[0].bytes, 503, "Service Unavailable"), peer("127.0.0.20", 5080));
  EXPECT_EQ(lastStartLine(), "SIP/2.0 500 Server Internal Error");
}

TEST_F(ProxyTest, AddsReceivedAndRportToThePreviousHopsVia) {
  std::string text = request("MESSAGE", "sip:bob@example.com");
  text.replace(text.find("127.0.0.10:5070;branch=z9hG4bKuac1"), 34, "client.invalid:5070;branch=z9hG4bKuac1;rport");
  receive(text, peer("127.0.0.10", 5071));
  const sip::Message out = last();
  std::vector<std::string_view> vias(out.values(sip::HeaderId::Via).begin(), out.values(sip::HeaderId::Via).end());
  ASSERT_EQ(vias.size(), 2u);
  EXPECT_EQ(vias[1], "SIP/2.0/UDP client.invalid:5070;branch=z9hG4bKuac1;received=127.0.0.10;rport=5071");
}

TEST_F(ProxyTest, CancelReachesTheBranchAfterItsProvisionalAndEndsWith487) {
  receive(request("INVITE", "sip:bob@example.com"));
  const std::string invite = sender_.sent[0].bytes;
  receive(responseTo(invite, 180, "Ringing"), peer("127.0.0.20", 5080));
  EXPECT_EQ(lastStartLine(), "SIP/2.0 180 Ringing");
  receive(request("CANCEL", "sip:bob@example.com", {}, "z9hG4bKuac1"));
  // 200 to the CANCEL upstream, and a CANCEL downstream with the INVITE's branch.
  bool answered = false;
  const Sent* cancel = nullptr;
  for (const Sent& sent : sender_.sent) {
    answered |= sent.bytes.rfind("SIP/2.0 200 OK", 0) == 0 && sent.bytes.find("CSeq: 1 CANCEL") != std::string::npos;
    if (sent.bytes.rfind("CANCEL ", 0) == 0) {
      cancel = &sent;
    }
  }
  EXPECT_TRUE(answered);
  ASSERT_NE(cancel, nullptr);
  EXPECT_EQ(cancel->to, peer("127.0.0.20", 5080));
  const sip::Message forwarded_invite = parse(invite);
  const std::string_view branch = forwarded_invite.find(sip::HeaderId::Via)->value;
  EXPECT_NE(cancel->bytes.find(std::string(branch.substr(0, branch.find(',')))), std::string::npos);
  // The UAS answers the INVITE 487; it goes upstream.
  receive(responseTo(invite, 487, "Request Terminated"), peer("127.0.0.20", 5080));
  bool relayed_487 = false;
  for (const Sent& sent : sender_.sent) {
    relayed_487 |= sent.bytes.rfind("SIP/2.0 487", 0) == 0 && sent.to == peer("127.0.0.10", 5070);
  }
  EXPECT_TRUE(relayed_487);
}

TEST_F(ProxyTest, WhileDrainingNewRequestsGet503AndTransactionsUnderWayFinish) {
  receive(request("MESSAGE", "sip:bob@example.com"));
  const std::string forwarded = sender_.sent[0].bytes;
  EXPECT_EQ(proxy_.pending(), 1u);
  proxy_.setDraining();
  receive(request("MESSAGE", "sip:bob@example.com", {}, "z9hG4bKnew"));
  EXPECT_EQ(lastStartLine(), "SIP/2.0 503 Service Unavailable");
  EXPECT_EQ(last().find("Retry-After")->value, "5");
  receive(request("MESSAGE", "sip:bob@example.com"));  // a retransmission: absorbed, not refused
  EXPECT_EQ(lastStartLine(), "SIP/2.0 503 Service Unavailable");
  receive(responseTo(forwarded, 200), peer("127.0.0.20", 5080));
  EXPECT_EQ(lastStartLine(), "SIP/2.0 200 OK");
  EXPECT_EQ(proxy_.pending(), 0u);
}

TEST_F(ProxyTest, CancelOfAnUnknownInviteIs481) {
  receive(request("CANCEL", "sip:bob@example.com", {}, "z9hG4bKnone"));
  EXPECT_EQ(lastStartLine(), "SIP/2.0 481 Call/Transaction Does Not Exist");
}

// Timer C (§16.6 item 11, §16.7 item 2): a ringing INVITE branch is
// cancelled 3 minutes after its last provisional response; each provisional
// pushes the deadline back.
TEST_F(ProxyTest, TimerCCancelsARingingBranchThreeMinutesAfterItsLastProvisional) {
  receive(request("INVITE", "sip:bob@example.com"));
  const std::string invite = sender_.sent[0].bytes;
  receive(responseTo(invite, 180, "Ringing"), peer("127.0.0.20", 5080));
  EXPECT_FALSE(proxy_.idle());  // Timer C needs the ticks even with no transaction timer
  auto cancels = [&] {
    size_t n = 0;
    for (const Sent& sent : sender_.sent) {
      n += sent.bytes.rfind("CANCEL ", 0) == 0 ? 1 : 0;
    }
    return n;
  };
  for (int i = 0; i < 120; ++i) {  // 2 minutes, then another 180
    now_ += std::chrono::seconds(1);
    proxy_.advanceTo(now_);
  }
  receive(responseTo(invite, 183, "Session Progress"), peer("127.0.0.20", 5080));
  for (int i = 0; i < 179; ++i) {
    now_ += std::chrono::seconds(1);
    proxy_.advanceTo(now_);
  }
  EXPECT_EQ(cancels(), 0u);  // 2 min + 2 min 59 s: not yet, the 183 reset it
  now_ += std::chrono::seconds(2);
  proxy_.advanceTo(now_);
  ASSERT_EQ(cancels(), 1u);
  receive(responseTo(invite, 487, "Request Terminated"), peer("127.0.0.20", 5080));
  EXPECT_EQ(lastStartLine(), "SIP/2.0 487 Request Terminated");
}

// The bounce (federation.md §2.1): a request for a user of a shared domain
// homed on neither side, coming back from the peer our route points to, ends
// here in 404 instead of going back.
TEST_F(ProxyTest, ARequestForAnUnknownUserFromThePeerTheRoutePointsToEndsIn404) {
  auto snapshot = std::make_shared<RoutingSnapshot>();
  snapshot->domains = {"example.com"};
  snapshot->routes.push_back(StaticRoute{"*", "example.com", false, "127.0.0.20", 5080, TransportKind::Udp, false});
  proxy_.setRouting(snapshot);
  receive(request("MESSAGE", "sip:carol@example.com"), peer("127.0.0.20", 5080));
  EXPECT_EQ(lastStartLine(), "SIP/2.0 404 Not Found");
  EXPECT_NE(last().find(sip::HeaderId::Warning)->value.find("User does not exist"), std::string_view::npos);
  // From anyone else it takes the route.
  receive(request("MESSAGE", "sip:carol@example.com", {}, "z9hG4bKother"), peer("127.0.0.10", 5070));
  EXPECT_EQ(sender_.sent.back().to, peer("127.0.0.20", 5080));
}

TEST_F(ProxyTest, TimesOutABranchAs408) {
  receive(request("MESSAGE", "sip:bob@example.com"));
  for (int i = 0; i < 40; ++i) {
    now_ += std::chrono::seconds(1);
    proxy_.advanceTo(now_);
  }
  EXPECT_EQ(lastStartLine(), "SIP/2.0 408 Request Timeout");
}

TEST_F(ProxyTest, ForwardsTheAckOfA2xxStatelessly) {
  receive(request("INVITE", "sip:bob@example.com"));
  receive(responseTo(sender_.sent[0].bytes, 200), peer("127.0.0.20", 5080));
  const size_t before = sender_.sent.size();
  std::string ack = request("ACK", "sip:bob@127.0.0.30:5062", "Route: <sip:127.0.0.1:5060;lr>\r\n", "z9hG4bKack1");
  receive(ack);
  ASSERT_EQ(sender_.sent.size(), before + 1);
  EXPECT_EQ(sender_.sent.back().to, peer("127.0.0.30", 5062));
  EXPECT_EQ(lastStartLine(), "ACK sip:bob@127.0.0.30:5062 SIP/2.0");
  EXPECT_EQ(proxy_.stats().stateless_forwards, 1u);
}

// --- Host names (RFC 3263): the request waits for the resolver, never the loop.

// Answers from a table; a name not in it stays unanswered until complete().
class FakeLookup : public HostLookup {
 public:
  dns::AnswerPtr lookup(const dns::Query& query, std::function<void()> done) override {
    queries.push_back(query);
    if (auto it = answers.find(query.name); it != answers.end()) {
      return it->second;
    }
    waiting[query.name].push_back(std::move(done));
    return nullptr;
  }
  void complete(const std::string& name, std::vector<std::string> addresses, uint16_t port,
                dns::Transport transport = dns::Transport::Udp, std::string error = {}) {
    auto answer = std::make_shared<dns::Answer>();
    for (const std::string& address : addresses) {
      answer->addresses.push_back({asio::ip::make_address(address), port, transport});
    }
    answer->error = std::move(error);
    answers[name] = answer;
    for (auto& done : waiting[name]) {
      done();
    }
    waiting.erase(name);
  }
  std::map<std::string, dns::AnswerPtr> answers;
  std::map<std::string, std::vector<std::function<void()>>> waiting;
  std::vector<dns::Query> queries;
};

class ProxyDnsTest : public ProxyTest {
 protected:
  ProxyDnsTest() {
    auto snapshot = std::make_shared<RoutingSnapshot>(*proxy_.routing());
    snapshot->domains = {"example.com"};
    snapshot->routes.push_back(
        StaticRoute{"*", "fqdn.example.com", false, "peer.example.net", 5090, TransportKind::Tcp, false});
    snapshot->routes.push_back(
        StaticRoute{"*", "srv.example.com", false, "srv.example.net", 5060, TransportKind::Tcp, true, true});
    proxy_.setRouting(snapshot);
    proxy_.setLookup(&lookup_);
    proxy_.setPost([this](std::function<void()> fn) { posted_.push_back(std::move(fn)); });
  }
  // What the resolver's thread posted to the loop, run on "the loop".
  void runPosted() {
    auto tasks = std::move(posted_);
    posted_.clear();
    for (auto& task : tasks) {
      task();
    }
  }
  FakeLookup lookup_;
  std::vector<std::function<void()>> posted_;
};

TEST_F(ProxyDnsTest, AnFqdnNextHopWaitsForTheAnswerThenGoesToIt) {
  receive(request("MESSAGE", "sip:bob@fqdn.example.com"));
  EXPECT_TRUE(sender_.sent.empty());  // nothing sent, nothing answered: suspended
  EXPECT_EQ(proxy_.suspended(), 1u);
  EXPECT_FALSE(proxy_.idle());
  ASSERT_EQ(lookup_.queries.size(), 1u);
  EXPECT_EQ(lookup_.queries[0].name, "peer.example.net");
  EXPECT_EQ(lookup_.queries[0].port, 5090);  // a port: A/AAAA, no SRV
  EXPECT_EQ(lookup_.queries[0].transport, dns::Transport::Tcp);
  lookup_.complete("peer.example.net", {"127.0.0.30"}, 5090, dns::Transport::Tcp);
  EXPECT_TRUE(sender_.sent.empty());  // the wake-up runs on the loop, not on the resolver's thread
  runPosted();
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(sender_.sent[0].to, peer("127.0.0.30", 5090, TransportKind::Tcp));
  EXPECT_EQ(last().requestUri(), "sip:bob@fqdn.example.com");
  EXPECT_EQ(proxy_.suspended(), 0u);
  // The next request finds the answer cached and goes at once.
  receive(request("MESSAGE", "sip:carol@fqdn.example.com", {}, "z9hG4bKuac2"));
  EXPECT_EQ(sender_.sent.size(), 2u);
  EXPECT_TRUE(posted_.empty());
}

TEST_F(ProxyDnsTest, ARouteWithoutAPortAsksForSrv) {
  receive(request("MESSAGE", "sip:bob@srv.example.com"));
  ASSERT_EQ(lookup_.queries.size(), 1u);
  EXPECT_EQ(lookup_.queries[0].port, 0);  // RFC 3263 §4.2: SRV first
  EXPECT_TRUE(lookup_.queries[0].transport_given);
  lookup_.complete("srv.example.net", {"127.0.0.31"}, 5071, dns::Transport::Tcp);
  runPosted();
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(sender_.sent[0].to, peer("127.0.0.31", 5071, TransportKind::Tcp));  // the SRV record's port
}

TEST_F(ProxyDnsTest, AnUnresolvableNextHopIs503WithTheReason) {
  receive(request("MESSAGE", "sip:bob@fqdn.example.com"));
  lookup_.complete("peer.example.net", {}, 0, dns::Transport::Udp, "peer.example.net: no such domain (NXDOMAIN)");
  runPosted();
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(lastStartLine(), "SIP/2.0 503 Service Unavailable");
  EXPECT_NE(last().find(sip::HeaderId::Warning)->value.find("NXDOMAIN"), std::string_view::npos);
}

TEST_F(ProxyDnsTest, TheBounceIsRecognisedThroughTheNextHopsAddresses) {
  // The route's FQDN resolves to the address the request came from, for a
  // user of our own domain that is not here: 404, never sent back.
  auto snapshot = std::make_shared<RoutingSnapshot>(*proxy_.routing());
  snapshot->routes.insert(snapshot->routes.begin(),
                          StaticRoute{"*", "example.com", false, "peer.example.net", 5060, TransportKind::Udp, false});
  proxy_.setRouting(snapshot);
  lookup_.complete("peer.example.net", {"127.0.0.10"}, 5060);
  receive(request("MESSAGE", "sip:carol@example.com"));
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(lastStartLine(), "SIP/2.0 404 Not Found");
  EXPECT_NE(last().find(sip::HeaderId::Warning)->value.find("User does not exist"), std::string_view::npos);
}

TEST_F(ProxyDnsTest, ARouteHeaderNamingAHostIsResolvedWithoutATransport) {
  receive(request("MESSAGE", "sip:bob@example.org", "Route: <sip:edge.example.net;lr>\r\n"));
  ASSERT_EQ(lookup_.queries.size(), 1u);
  EXPECT_EQ(lookup_.queries[0].name, "edge.example.net");
  EXPECT_EQ(lookup_.queries[0].port, 0);
  EXPECT_FALSE(lookup_.queries[0].transport_given);  // SRV for UDP then TCP
  lookup_.complete("edge.example.net", {"127.0.0.32"}, 5060, dns::Transport::Tcp);
  runPosted();
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(sender_.sent[0].to, peer("127.0.0.32", 5060, TransportKind::Tcp));
  EXPECT_EQ(last().find(sip::HeaderId::Route)->value, "<sip:edge.example.net;lr>");  // kept: it is not ours
}

TEST_F(ProxyDnsTest, ACancelWhileResolvingEndsTheInviteWith487AndNothingIsSent) {
  receive(request("INVITE", "sip:bob@fqdn.example.com"));
  receive(request("CANCEL", "sip:bob@fqdn.example.com", {}, "z9hG4bKuac1"));
  ASSERT_EQ(sender_.sent.size(), 2u);
  EXPECT_EQ(sender_.sent[0].bytes.substr(0, 14), "SIP/2.0 200 OK");
  EXPECT_NE(sender_.sent[0].bytes.find("CSeq: 1 CANCEL"), std::string::npos);
  EXPECT_EQ(sender_.sent[1].bytes.substr(0, 32), "SIP/2.0 487 Request Terminated\r\n");
  EXPECT_EQ(proxy_.suspended(), 0u);
  lookup_.complete("peer.example.net", {"127.0.0.30"}, 5090, dns::Transport::Tcp);
  runPosted();
  EXPECT_EQ(sender_.sent.size(), 2u);  // the late answer sends nothing
}

TEST_F(ProxyDnsTest, ALostWakeUpEndsIn503AfterTenSeconds) {
  receive(request("MESSAGE", "sip:bob@fqdn.example.com"));
  now_ += std::chrono::seconds(9);
  proxy_.advanceTo(now_);
  EXPECT_TRUE(sender_.sent.empty());
  now_ += std::chrono::seconds(2);
  proxy_.advanceTo(now_);
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(lastStartLine(), "SIP/2.0 503 Service Unavailable");
  EXPECT_EQ(proxy_.suspended(), 0u);
}

TEST_F(ProxyDnsTest, WithoutAResolverAHostNameIs503) {
  proxy_.setLookup(nullptr);
  receive(request("MESSAGE", "sip:bob@fqdn.example.com"));
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(lastStartLine(), "SIP/2.0 503 Service Unavailable");
  EXPECT_NE(last().find(sip::HeaderId::Warning)->value.find("no resolver"), std::string_view::npos);
}

TEST_F(ProxyDnsTest, AnAnswerThatKeepsExpiringEndsIn503NotALoop) {
  // Every lookup misses (an answer expiring before the loop reads it): the
  // request is resumed a bounded number of times, then answered.
  class AlwaysMiss : public HostLookup {
   public:
    dns::AnswerPtr lookup(const dns::Query&, std::function<void()> done) override {
      done();
      return nullptr;
    }
  } always_miss;
  proxy_.setLookup(&always_miss);
  receive(request("MESSAGE", "sip:bob@fqdn.example.com"));
  for (int i = 0; i < 10 && !posted_.empty(); ++i) {
    runPosted();
  }
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(lastStartLine(), "SIP/2.0 503 Service Unavailable");
  EXPECT_NE(last().find(sip::HeaderId::Warning)->value.find("expired"), std::string_view::npos);
}

}  // namespace
}  // namespace tandem::proxy
