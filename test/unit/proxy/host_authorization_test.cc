// The host-authorization phase: which sources are the peer partition, which
// are trusted (not challenged), which may only be sent to.

#include "proxy/host_authorization.h"

#include <gtest/gtest.h>

#include "proxy/lookup.h"
#include "sip/message.h"

namespace tandem::proxy {
namespace {

config::AuthorizedHost host(std::string name, bool outbound_only, bool trusted) {
  return config::AuthorizedHost{std::move(name), outbound_only, true, trusted, 0};
}

class HostAuthorizationTest : public ::testing::Test {
 protected:
  HostAuthorizationTest() : phase_(snapshot_) {
    auto snapshot = std::make_shared<RoutingSnapshot>();
    snapshot->hosts =
        hostEntries({host("127.0.0.2", false, true), host("127.0.0.3", false, false), host("127.0.0.4", true, true),
                     host("cup1.example.com", false, true), host("[::1]", false, true)});
    snapshot_ = snapshot;
  }

  Next run(const std::string& source, RequestContext*& out) {
    Destination from{transport::Endpoint{asio::ip::make_address(source), 5060}, transport::TransportKind::Udp,
                     std::nullopt};
    contexts_.push_back(std::make_unique<RequestContext>(message_, from));
    out = contexts_.back().get();
    return phase_.run(*out);
  }

  sip::Message message_ = sip::Message::parse(
                              "MESSAGE sip:alice@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2;branch=z9hG4bK1\r\n"
                              "Max-Forwards: 70\r\nFrom: <sip:bob@example.com>;tag=1\r\nTo: <sip:alice@example.com>\r\n"
                              "Call-ID: c\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n",
                              sip::Framing::Datagram)
                              .value();
  RoutingSnapshotPtr snapshot_;
  HostAuthorizationPhase phase_;
  std::vector<std::unique_ptr<RequestContext>> contexts_;
};

TEST_F(HostAuthorizationTest, TreatAsAuthenticatedHostIsTrusted) {
  RequestContext* context = nullptr;
  EXPECT_EQ(run("127.0.0.2", context), Next::Continue);
  EXPECT_TRUE(context->authorized_host);
  EXPECT_TRUE(context->trusted);
}

TEST_F(HostAuthorizationTest, AuthorizedButNotTrustedHostIsThePeerWithoutVouching) {
  RequestContext* context = nullptr;
  EXPECT_EQ(run("127.0.0.3", context), Next::Continue);
  EXPECT_TRUE(context->authorized_host);
  EXPECT_FALSE(context->trusted);
}

TEST_F(HostAuthorizationTest, OutboundOnlyHostIsRefused403) {
  RequestContext* context = nullptr;
  EXPECT_EQ(run("127.0.0.4", context), Next::Respond);
  EXPECT_EQ(context->response.status, 403);
  EXPECT_NE(context->response.warning.find("outbound only"), std::string::npos);
}

TEST_F(HostAuthorizationTest, AnyoneElseIsNothingSpecial) {
  RequestContext* context = nullptr;
  EXPECT_EQ(run("127.0.0.9", context), Next::Continue);
  EXPECT_FALSE(context->authorized_host);
  EXPECT_FALSE(context->trusted);
}

TEST_F(HostAuthorizationTest, Ipv6AndV4MappedSourcesMatch) {
  RequestContext* context = nullptr;
  EXPECT_EQ(run("::1", context), Next::Continue);
  EXPECT_TRUE(context->trusted);
  EXPECT_EQ(run("::ffff:127.0.0.2", context), Next::Continue);
  EXPECT_TRUE(context->trusted);
}

TEST_F(HostAuthorizationTest, AnFqdnEntryMatchesTheAddressesItsNameResolvesTo) {
  class Table : public HostLookup {
   public:
    dns::AnswerPtr lookup(const dns::Query& query, std::function<void()> done) override {
      EXPECT_TRUE(query.addresses_only);
      EXPECT_EQ(query.name, "cup1.example.com");
      if (!answer) {
        wakes.push_back(std::move(done));
      }
      return answer;
    }
    dns::AnswerPtr answer;
    std::vector<std::function<void()>> wakes;
  } table;
  class NoResume : public Resumer {
   public:
    std::function<void()> wakeFor(transaction::ServerId) override {
      return [] {};
    }
  } resumer;
  RequestContext* context = nullptr;
  Destination from{transport::Endpoint{asio::ip::make_address("127.0.0.9"), 5060}, transport::TransportKind::Udp,
                   std::nullopt};
  contexts_.push_back(std::make_unique<RequestContext>(message_, from));
  context = contexts_.back().get();
  context->lookup = &table;
  context->resumer = &resumer;
  // Not in the cache yet: the request waits for the answer.
  EXPECT_EQ(phase_.run(*context), Next::Suspend);
  ASSERT_EQ(table.wakes.size(), 1u);
  auto answer = std::make_shared<dns::Answer>();
  answer->addresses.push_back({asio::ip::make_address("127.0.0.9"), 0, dns::Transport::Udp});
  table.answer = answer;
  EXPECT_EQ(phase_.run(*context), Next::Continue);
  EXPECT_TRUE(context->authorized_host);
  EXPECT_TRUE(context->trusted);
  // Another address: not the host. The cached lookup used by throttling agrees.
  EXPECT_EQ(findHostCached(snapshot_->hosts, asio::ip::make_address("127.0.0.9"), &table)->host, "cup1.example.com");
  EXPECT_EQ(findHostCached(snapshot_->hosts, asio::ip::make_address("127.0.0.8"), &table), nullptr);
  // A name that does not resolve matches nothing.
  auto failed = std::make_shared<dns::Answer>();
  failed->error = "cup1.example.com: no such domain (NXDOMAIN)";
  table.answer = failed;
  contexts_.push_back(std::make_unique<RequestContext>(message_, from));
  context = contexts_.back().get();
  context->lookup = &table;
  context->resumer = &resumer;
  EXPECT_EQ(phase_.run(*context), Next::Continue);
  EXPECT_FALSE(context->authorized_host);
}

TEST(HostEntries, FqdnEntriesAreKeptWithoutAnAddress) {
  const auto entries = hostEntries({host("cup1.example.com", false, true)});
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_TRUE(entries[0].address.is_unspecified());
  EXPECT_EQ(findHost(entries, asio::ip::make_address("0.0.0.0")), nullptr);
}

}  // namespace
}  // namespace tandem::proxy
