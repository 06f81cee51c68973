// Egress: where outbound messages leave from, connection reuse, asynchronous
// failures, RFC 3261 §18.1.1 transport choice, and the local address for Via.
// Real sockets on loopback addresses.

#include "transport/egress.h"

#include <gtest/gtest.h>

#include <asio/write.hpp>
#include <optional>
#include <string>
#include <vector>

#include "loopback.h"
#include "transaction/interfaces.h"
#include "transport/listeners.h"
#include "transport/worker.h"

namespace tandem::transport {
namespace {

using test::ip;
using test::options;
using test::readAvailable;

struct Failure {
  Destination to;
  SendError error;
  SendToken token;
};

class EgressTest : public ::testing::Test {
 protected:
  Egress& open(std::vector<ListenSpec> specs, const Limits& limits = Limits{}) {
    auto listeners = Listeners::open(io_, specs, limits, recorder_);
    EXPECT_TRUE(listeners.ok()) << listeners.error();
    listeners_ = std::move(*listeners);
    Egress& egress = listeners_->worker().egress();
    egress.onSendFailed([this](const Destination& to, SendError error, SendToken token) {
      EXPECT_FALSE(in_send_) << "a failure is never reported inside send()";
      failures_.push_back({to, error, token});
    });
    return egress;
  }
  Egress& egress() { return listeners_->worker().egress(); }
  Endpoint bound(size_t index) const { return listeners_->bound()[index].endpoint; }

  Status<SendError> send(std::string_view bytes, const Destination& to, SendToken token = 0) {
    in_send_ = true;
    Status<SendError> sent = egress().send(bytes, to, token);
    in_send_ = false;
    return sent;
  }

  template <class Done>
  bool runUntil(Done done, std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    return test::runUntil(io_, done, timeout);
  }

  // A test peer's acceptor on `address`, port chosen by the kernel.
  asio::ip::tcp::acceptor acceptor(const char* address, int backlog = asio::socket_base::max_listen_connections) {
    asio::ip::tcp::acceptor a(peer_io_);
    a.open(asio::ip::tcp::v4());
    a.bind(asio::ip::tcp::endpoint(ip(address), 0));
    a.listen(backlog);
    return a;
  }
  static Endpoint endpointOf(const asio::ip::tcp::acceptor& a) {
    return Endpoint{a.local_endpoint().address(), a.local_endpoint().port()};
  }

  asio::io_context io_;
  asio::io_context peer_io_;  // the test peers' sockets: blocking, never run
  test::Recorder recorder_;
  std::unique_ptr<Listeners> listeners_;
  std::vector<Failure> failures_;
  bool in_send_ = false;
};

// ---------------------------------------------------------------------------
// UDP

TEST_F(EgressTest, UdpLeavesFromTheListenersAddressAndPort) {
  open({{"127.0.0.3", TransportKind::Udp, 0}});
  asio::ip::udp::socket peer(peer_io_, asio::ip::udp::endpoint(ip("127.0.0.1"), 0));
  const Endpoint to{peer.local_endpoint().address(), peer.local_endpoint().port()};

  ASSERT_TRUE(send(options(), Destination{to, TransportKind::Udp, {}}).ok());
  std::array<char, 2048> buffer{};
  asio::ip::udp::endpoint source;
  const size_t n = peer.receive_from(asio::buffer(buffer), source);
  EXPECT_EQ(std::string(buffer.data(), n), options());
  EXPECT_EQ(source.address(), ip("127.0.0.3"));
  EXPECT_EQ(source.port(), bound(0).port);
}

TEST_F(EgressTest, UdpUsesTheFirstEntryOfThePeersFamily) {
  open({{"::1", TransportKind::Udp, 0}, {"127.0.0.4", TransportKind::Udp, 0}, {"127.0.0.5", TransportKind::Udp, 0}});
  asio::ip::udp::socket v4(peer_io_, asio::ip::udp::endpoint(ip("127.0.0.1"), 0));
  asio::ip::udp::socket v6(peer_io_, asio::ip::udp::endpoint(ip("::1"), 0));
  ASSERT_TRUE(send("a", {{v4.local_endpoint().address(), v4.local_endpoint().port()}, TransportKind::Udp, {}}).ok());
  ASSERT_TRUE(send("b", {{v6.local_endpoint().address(), v6.local_endpoint().port()}, TransportKind::Udp, {}}).ok());
  std::array<char, 16> buffer{};
  asio::ip::udp::endpoint source;
  v4.receive_from(asio::buffer(buffer), source);
  EXPECT_EQ(source.address(), ip("127.0.0.4"));
  EXPECT_EQ(source.port(), bound(1).port);
  v6.receive_from(asio::buffer(buffer), source);
  EXPECT_EQ(source.address(), ip("::1"));
  EXPECT_EQ(source.port(), bound(0).port);
}

TEST_F(EgressTest, NoEntryOfTheTransportOrFamilyIsRefusedAtOnce) {
  open({{"127.0.0.1", TransportKind::Udp, 0}});
  const Endpoint v4{ip("127.0.0.1"), 9};
  const Endpoint v6{ip("::1"), 9};
  Status<SendError> sent = send("x", {v6, TransportKind::Udp, {}});
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error(), SendError::NoConnectionSpec);
  sent = send("x", {v4, TransportKind::Tcp, {}});
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error(), SendError::NoConnectionSpec);
  sent = send("x", {v4, TransportKind::Tls, {}});
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error(), SendError::NoConnectionSpec);
  Limits limits;
  sent = send(std::string(limits.max_message_size + 1, 'x'), {v4, TransportKind::Udp, {}});
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error(), SendError::TooLarge);
  EXPECT_FALSE(runUntil([&] { return !failures_.empty(); }, std::chrono::milliseconds(50)));
}

// ---------------------------------------------------------------------------
// TCP: where connections come from, and reuse

TEST_F(EgressTest, TcpConnectsFromTheConfiguredAddressAndReceivesOnTheConnection) {
  open({{"127.0.0.3", TransportKind::Tcp, 0}});
  auto peer_acceptor = acceptor("127.0.0.1");
  const Endpoint to = endpointOf(peer_acceptor);

  ASSERT_TRUE(send(options("a"), Destination{to, TransportKind::Tcp, {}}).ok());
  asio::ip::tcp::socket peer = peer_acceptor.accept();  // the handshake needs no loop turn
  EXPECT_EQ(peer.remote_endpoint().address(), ip("127.0.0.3"));
  EXPECT_NE(peer.remote_endpoint().port(), bound(0).port);  // an ephemeral port, not the listener's

  std::string received;
  ASSERT_TRUE(runUntil([&] { return readAvailable(peer, received) && received.size() >= options("a").size(); }));
  EXPECT_EQ(received, options("a"));

  // What the peer sends back arrives like on an accepted connection.
  asio::write(peer, asio::buffer(options("b")));
  ASSERT_TRUE(runUntil([&] { return !recorder_.received.empty(); }));
  const test::Recorder::Received& in = recorder_.received[0];
  EXPECT_EQ(in.transport, TransportKind::Tcp);
  EXPECT_EQ(in.source, to);
  EXPECT_EQ(in.local.address, ip("127.0.0.3"));
  EXPECT_NE(in.connection, 0u);
  EXPECT_EQ(workerOf(in.connection), 0u);

  // Sending on that connection by id reaches the same peer.
  ASSERT_TRUE(send(options("c"), Destination{to, TransportKind::Tcp, in.connection}).ok());
  received.clear();
  ASSERT_TRUE(runUntil([&] { return readAvailable(peer, received) && received.size() >= options("c").size(); }));
  EXPECT_EQ(received, options("c"));
}

TEST_F(EgressTest, SendsToOnePeerShareOneConnection) {
  open({{"127.0.0.1", TransportKind::Tcp, 0}});
  auto peer_acceptor = acceptor("127.0.0.1");
  const Destination to{endpointOf(peer_acceptor), TransportKind::Tcp, {}};

  // Two while connecting (queued), one once connected.
  ASSERT_TRUE(send(options("1"), to).ok());
  ASSERT_TRUE(send(options("2"), to).ok());
  asio::ip::tcp::socket peer = peer_acceptor.accept();
  std::string received;
  ASSERT_TRUE(runUntil([&] { return readAvailable(peer, received) && received.size() >= 2 * options().size(); }));
  ASSERT_TRUE(send(options("3"), to).ok());
  ASSERT_TRUE(runUntil([&] { return readAvailable(peer, received) && received.size() >= 3 * options().size(); }));
  EXPECT_EQ(received, options("1") + options("2") + options("3"));

  peer_acceptor.non_blocking(true);
  asio::error_code ec;
  asio::ip::tcp::socket second = peer_acceptor.accept(ec);
  EXPECT_EQ(ec, asio::error::would_block) << "a second connection was opened";
}

TEST_F(EgressTest, ARequestsInboundConnectionIsReusedForItsSource) {
  open({{"127.0.0.1", TransportKind::Tcp, 0}});
  asio::ip::tcp::socket client(peer_io_);
  client.open(asio::ip::tcp::v4());
  client.bind(asio::ip::tcp::endpoint(ip("127.0.0.2"), 0));
  client.connect(asio::ip::tcp::endpoint(ip("127.0.0.1"), bound(0).port));
  asio::write(client, asio::buffer(options("in")));
  ASSERT_TRUE(runUntil([&] { return !recorder_.received.empty(); }));
  const test::Recorder::Received in = recorder_.received[0];
  EXPECT_EQ(in.source, (Endpoint{ip("127.0.0.2"), client.local_endpoint().port()}));

  // To its source address (no connection named): the same connection.
  ASSERT_TRUE(send(options("out1"), Destination{in.source, TransportKind::Tcp, {}}).ok());
  // By connection id, whatever the endpoint says.
  ASSERT_TRUE(send(options("out2"), Destination{{ip("127.0.0.1"), 1}, TransportKind::Tcp, in.connection}).ok());
  std::string received;
  ASSERT_TRUE(runUntil([&] {
    return readAvailable(client, received) && received.size() >= options("out1").size() + options("out2").size();
  }));
  EXPECT_EQ(received, options("out1") + options("out2"));
}

TEST_F(EgressTest, AnAliasReachesTheConnectionToo) {
  open({{"127.0.0.1", TransportKind::Tcp, 0}});
  asio::ip::tcp::socket client(peer_io_);
  client.connect(asio::ip::tcp::endpoint(ip("127.0.0.1"), bound(0).port));
  asio::write(client, asio::buffer(options()));
  ASSERT_TRUE(runUntil([&] { return !recorder_.received.empty(); }));

  // RFC 5923: the peer's Via sent-by (its listening port) once validated.
  const Endpoint sent_by{ip("127.0.0.9"), 5060};
  EXPECT_FALSE(egress().addAlias(recorder_.received[0].connection + 1000, sent_by));
  ASSERT_TRUE(egress().addAlias(recorder_.received[0].connection, sent_by));
  ASSERT_TRUE(send(options("alias"), Destination{sent_by, TransportKind::Tcp, {}}).ok());
  std::string received;
  ASSERT_TRUE(runUntil([&] { return readAvailable(client, received) && received == options("alias"); }));
}

// ---------------------------------------------------------------------------
// TCP: failures

TEST_F(EgressTest, ConnectRefusedIsReportedAsynchronously) {
  open({{"127.0.0.1", TransportKind::Tcp, 0}});
  // Bound but not listening: connections to it are refused, and nobody else takes the port meanwhile.
  asio::ip::tcp::socket closed(peer_io_);
  closed.open(asio::ip::tcp::v4());
  closed.bind(asio::ip::tcp::endpoint(ip("127.0.0.1"), 0));
  const Destination to{{ip("127.0.0.1"), closed.local_endpoint().port()}, TransportKind::Tcp, {}};

  ASSERT_TRUE(send(options("1"), to, 41).ok());
  ASSERT_TRUE(send(options("2"), to, 42).ok());
  EXPECT_TRUE(failures_.empty());
  ASSERT_TRUE(runUntil([&] { return failures_.size() >= 2; }));
  EXPECT_EQ(failures_[0].error, SendError::ConnectFailed);
  EXPECT_EQ(failures_[0].token, 41u);
  EXPECT_EQ(failures_[1].token, 42u);
  EXPECT_EQ(failures_[0].to.endpoint, to.endpoint);
  EXPECT_EQ(failures_[0].to.transport, TransportKind::Tcp);
  EXPECT_TRUE(failures_[0].to.connection.has_value());

  // Each failure once; the next send tries a new connection.
  EXPECT_FALSE(runUntil([&] { return failures_.size() > 2; }, std::chrono::milliseconds(100)));
  ASSERT_TRUE(send(options("3"), to, 43).ok());
  ASSERT_TRUE(runUntil([&] { return failures_.size() == 3; }));
  EXPECT_EQ(failures_[2].token, 43u);
  EXPECT_NE(failures_[2].to.connection, failures_[0].to.connection);
}

// A listener whose accept queue is full drops SYNs: a connect to it hangs.
class HangingPeer {
 public:
  explicit HangingPeer(asio::io_context& io) : acceptor_(io), filler_(io) {
    acceptor_.open(asio::ip::tcp::v4());
    acceptor_.bind(asio::ip::tcp::endpoint(ip("127.0.0.1"), 0));
    acceptor_.listen(0);
    filler_.connect(acceptor_.local_endpoint());  // takes the one place in the queue
  }
  Endpoint endpoint() const {
    return Endpoint{acceptor_.local_endpoint().address(), acceptor_.local_endpoint().port()};
  }

 private:
  asio::ip::tcp::acceptor acceptor_;
  asio::ip::tcp::socket filler_;
};

TEST_F(EgressTest, ConnectTimeoutIsReported) {
  Limits limits;
  limits.tcp_connect_timeout = std::chrono::milliseconds(200);
  open({{"127.0.0.1", TransportKind::Tcp, 0}}, limits);
  HangingPeer hanging(peer_io_);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(send(options(), Destination{hanging.endpoint(), TransportKind::Tcp, {}}, 7).ok());
  ASSERT_TRUE(runUntil([&] { return !failures_.empty(); }));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
  EXPECT_EQ(failures_[0].error, SendError::ConnectTimeout);
  EXPECT_EQ(failures_[0].token, 7u);
}

TEST_F(EgressTest, BytesQueuedWhileConnectingAreBounded) {
  Limits limits;
  limits.tcp_connect_timeout = std::chrono::milliseconds(200);
  limits.max_connect_queue = 1000;
  open({{"127.0.0.1", TransportKind::Tcp, 0}}, limits);
  HangingPeer hanging(peer_io_);
  const Destination to{hanging.endpoint(), TransportKind::Tcp, {}};
  ASSERT_TRUE(send(std::string(600, 'a'), to, 1).ok());
  const Status<SendError> second = send(std::string(600, 'b'), to, 2);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error(), SendError::QueueFull);
  ASSERT_TRUE(send(std::string(400, 'c'), to, 3).ok());  // fits what is left
  ASSERT_TRUE(runUntil([&] { return failures_.size() >= 2; }));
  EXPECT_FALSE(runUntil([&] { return failures_.size() > 2; }, std::chrono::milliseconds(50)));
  EXPECT_EQ(failures_[0].token, 1u);  // the refused one is not reported again
  EXPECT_EQ(failures_[1].token, 3u);
}

TEST_F(EgressTest, IdleOutboundConnectionsClose) {
  Limits limits;
  limits.tcp_idle_timeout = std::chrono::seconds(1);
  open({{"127.0.0.1", TransportKind::Tcp, 0}}, limits);
  auto peer_acceptor = acceptor("127.0.0.1");
  ASSERT_TRUE(send(options(), Destination{endpointOf(peer_acceptor), TransportKind::Tcp, {}}).ok());
  asio::ip::tcp::socket peer = peer_acceptor.accept();
  std::string received;
  EXPECT_TRUE(runUntil([&] { return !readAvailable(peer, received); }, std::chrono::milliseconds(3000)));
  EXPECT_EQ(received, options());
  EXPECT_TRUE(failures_.empty());
}

// ---------------------------------------------------------------------------
// RFC 3261 §18.1.1 and the local address

TEST_F(EgressTest, LargeRequestsGoOverTcpWhenATcpEntryCanReachThePeer) {
  Egress& egress = open({{"127.0.0.1", TransportKind::Udp, 0}, {"127.0.0.1", TransportKind::Tcp, 0}});
  const Endpoint v4{ip("127.0.0.2"), 5060};
  const Endpoint v6{ip("::1"), 5060};
  EXPECT_EQ(egress.chooseTransport(1300, TransportKind::Udp, v4), TransportKind::Udp);
  EXPECT_EQ(egress.chooseTransport(1301, TransportKind::Udp, v4), TransportKind::Tcp);
  EXPECT_EQ(egress.chooseTransport(100, TransportKind::Tcp, v4), TransportKind::Tcp);
  EXPECT_EQ(egress.chooseTransport(5000, TransportKind::Udp, v6), TransportKind::Udp);  // no IPv6 TCP entry
}

TEST_F(EgressTest, LargeRequestsStayOnUdpWithoutTcp) {
  Egress& egress = open({{"127.0.0.1", TransportKind::Udp, 0}});
  EXPECT_EQ(egress.chooseTransport(5000, TransportKind::Udp, Endpoint{ip("127.0.0.2"), 5060}), TransportKind::Udp);
}

TEST_F(EgressTest, LocalEndpointIsTheListenersOrForWildcardsTheKernelsChoice) {
  Egress& egress = open({{"127.0.0.3", TransportKind::Udp, 0}, {"*", TransportKind::Tcp, 0}});
  const Endpoint v4{ip("127.0.0.7"), 5060};
  EXPECT_EQ(egress.localEndpoint(TransportKind::Udp, v4), bound(0));
  EXPECT_EQ(egress.localEndpoint(TransportKind::Udp, Endpoint{ip("::1"), 5060}), std::nullopt);
  EXPECT_EQ(egress.localEndpoint(TransportKind::Tls, v4), std::nullopt);

  const std::optional<Endpoint> tcp = egress.localEndpoint(TransportKind::Tcp, v4);
  ASSERT_TRUE(tcp.has_value());
  EXPECT_TRUE(tcp->address.is_v4()) << tcp->address.to_string();  // never v4-mapped
  EXPECT_TRUE(tcp->address.is_loopback()) << tcp->address.to_string();
  EXPECT_EQ(tcp->port, bound(1).port);
  const std::optional<Endpoint> tcp6 = egress.localEndpoint(TransportKind::Tcp, Endpoint{ip("::1"), 5060});
  ASSERT_TRUE(tcp6.has_value());
  EXPECT_EQ(tcp6->address, ip("::1"));
  EXPECT_EQ(tcp6->port, bound(1).port);
}

// ---------------------------------------------------------------------------
// The transaction layer's Sender, as the proxy will adapt it.

class EgressSender final : public transaction::Sender {
 public:
  explicit EgressSender(Egress& egress) : egress_(&egress) {}
  Status<transaction::SendError> send(std::string_view bytes, const transaction::Destination& to) override {
    const Status<SendError> sent = egress_->send(bytes, Destination{to.endpoint, to.transport, to.connection});
    if (sent) {
      return {};
    }
    switch (sent.error()) {
      case SendError::TooLarge:
        return fail(transaction::SendError::TooLarge);
      case SendError::ConnectionClosed:
        return fail(transaction::SendError::ConnectionClosed);
      default:
        return fail(transaction::SendError::Failed);
    }
  }

 private:
  Egress* egress_;
};

TEST_F(EgressTest, ServesTheTransactionLayersSender) {
  open({{"127.0.0.1", TransportKind::Udp, 0}});
  EgressSender sender(egress());
  asio::ip::udp::socket peer(peer_io_, asio::ip::udp::endpoint(ip("127.0.0.1"), 0));
  const transaction::Destination to{
      {peer.local_endpoint().address(), peer.local_endpoint().port()}, TransportKind::Udp, std::nullopt};
  ASSERT_TRUE(sender.send(options(), to).ok());
  std::array<char, 2048> buffer{};
  EXPECT_EQ(std::string(buffer.data(), peer.receive(asio::buffer(buffer))), options());
}

}  // namespace
}  // namespace tandem::transport
