#include "transport/listeners.h"

#include <gtest/gtest.h>

#include <array>
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <string>
#include <vector>

namespace tandem::transport {
namespace {

constexpr std::string_view kOptions =
    "OPTIONS sip:lcs1.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK1\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

// Remembers what arrived and echoes every message's start line back.
class Recorder final : public MessageHandler {
 public:
  void onMessage(InboundMessage&& in) override {
    sources.push_back(in.source);
    transports.push_back(in.transport);
    in.reply.send(std::string(in.message.startLine()) + "\n", in.source);
  }
  void onMalformed(const MalformedInput& in) override { malformed.push_back(in.error.status); }

  std::vector<Endpoint> sources;
  std::vector<TransportKind> transports;
  std::vector<int> malformed;
};

class ListenersTest : public ::testing::Test {
 protected:
  std::unique_ptr<Listeners> open(std::vector<ListenSpec> specs) {
    auto listeners = Listeners::open(io_, specs, Limits{}, recorder_);
    EXPECT_TRUE(listeners.ok()) << listeners.error();
    return listeners.ok() ? std::move(*listeners) : nullptr;
  }
  // Runs the loop until `done` or a second passes.
  template <class Done>
  void runUntil(Done done) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (!done() && std::chrono::steady_clock::now() < end) {
      io_.run_for(std::chrono::milliseconds(10));
      io_.restart();
    }
  }

  asio::io_context io_;
  Recorder recorder_;
};

TEST_F(ListenersTest, WildcardIsDualStackAndShowsIpv4PeersAsIpv4) {
  auto listeners = open({{"*", TransportKind::Udp, 0}});
  ASSERT_NE(listeners, nullptr);
  const uint16_t port = listeners->bound()[0].endpoint.port;
  ASSERT_NE(port, 0);

  asio::ip::udp::socket client(io_, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  client.send_to(asio::buffer(kOptions), asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  runUntil([&] { return !recorder_.sources.empty(); });
  ASSERT_EQ(recorder_.sources.size(), 1u);
  EXPECT_TRUE(recorder_.sources[0].address.is_v4()) << recorder_.sources[0].address.to_string();
  EXPECT_EQ(recorder_.sources[0].port, client.local_endpoint().port());

  // The reply reaches the IPv4 peer through the dual-stack socket.
  std::array<char, 256> buffer{};
  client.non_blocking(true);
  asio::error_code ec;
  size_t n = 0;
  runUntil([&] {
    n = client.receive(asio::buffer(buffer), 0, ec);
    return !ec;
  });
  EXPECT_EQ(std::string(buffer.data(), n), "OPTIONS sip:lcs1.example.com SIP/2.0\n");
}

TEST_F(ListenersTest, TcpAnswersOnTheSameConnection) {
  auto listeners = open({{"127.0.0.1", TransportKind::Tcp, 0}});
  ASSERT_NE(listeners, nullptr);
  asio::ip::tcp::socket client(io_);
  client.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), listeners->bound()[0].endpoint.port));
  asio::write(client, asio::buffer(std::string(kOptions) + "\r\n\r\n"));
  std::string received;
  client.non_blocking(true);
  runUntil([&] {
    std::array<char, 256> buffer{};
    asio::error_code ec;
    const size_t n = client.receive(asio::buffer(buffer), 0, ec);
    received.append(buffer.data(), ec ? 0 : n);
    return received.size() >= 39;
  });
  EXPECT_EQ(received, "OPTIONS sip:lcs1.example.com SIP/2.0\n\r\n");  // answer, then the pong
  ASSERT_EQ(recorder_.transports.size(), 1u);
  EXPECT_EQ(recorder_.transports[0], TransportKind::Tcp);
}

TEST_F(ListenersTest, ErrorsNameTheConnection) {
  auto first = open({{"127.0.0.1", TransportKind::Tcp, 0}});
  ASSERT_NE(first, nullptr);
  const uint16_t port = first->bound()[0].endpoint.port;
  const std::vector<ListenSpec> specs = {{"127.0.0.1", TransportKind::Udp, port},
                                         {"127.0.0.1", TransportKind::Tcp, port}};
  auto second = Listeners::open(io_, specs, Limits{}, recorder_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error(), "connection 2 (tcp 127.0.0.1:" + std::to_string(port) + "): address in use");

  const std::vector<ListenSpec> tls = {{"::1", TransportKind::Mtls, 5061}};
  auto refused = Listeners::open(io_, tls, Limits{}, recorder_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error(), "connection 1 (mtls [::1]:5061): mtls transport arrives with the TLS issue");

  const std::vector<ListenSpec> bad = {{"192.0.2.1", TransportKind::Udp, 0}};  // not an address of this host
  auto unavailable = Listeners::open(io_, bad, Limits{}, recorder_);
  ASSERT_FALSE(unavailable.ok());
  EXPECT_EQ(unavailable.error(), "connection 1 (udp 192.0.2.1:0): address not available on this host");
}

TEST_F(ListenersTest, OversizedAndBrokenDatagramsDoNotReachOnMessage) {
  Limits limits;
  limits.max_message_size = 1024;
  const std::vector<ListenSpec> specs = {{"127.0.0.1", TransportKind::Udp, 0}};
  auto listeners = Listeners::open(io_, specs, limits, recorder_);
  ASSERT_TRUE(listeners.ok());
  const asio::ip::udp::endpoint server(asio::ip::make_address("127.0.0.1"), (*listeners)->bound()[0].endpoint.port);
  asio::ip::udp::socket client(io_, asio::ip::udp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  client.send_to(asio::buffer(std::string(2000, 'x')), server);          // too large: dropped silently
  client.send_to(asio::buffer(std::string("\r\n\r\n")), server);         // keep-alive: ignored
  client.send_to(asio::buffer(std::string("NOT SIP\r\n\r\n")), server);  // malformed
  client.send_to(asio::buffer(kOptions), server);
  runUntil([&] { return !recorder_.sources.empty(); });
  EXPECT_EQ(recorder_.sources.size(), 1u);
  EXPECT_EQ(recorder_.malformed, std::vector<int>{400});
}

}  // namespace
}  // namespace tandem::transport
