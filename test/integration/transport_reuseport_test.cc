// SO_REUSEPORT across processes: tandemd's listening sockets let its own
// workers share an address and port, never a second tandemd (socket_setup.h).
// Two real tandemd processes on one loopback address.

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <memory>
#include <string>

#include "harness.h"

namespace tandem::test {
namespace {

const std::string kTandemd = TANDEMD_PATH;
const std::string kAddress = "127.0.0.1";

std::string connection(std::string_view transport, uint16_t port) {
  return "[[connections]]\naddress = \"" + kAddress + "\"\ntransport = \"" + std::string(transport) +
         "\"\nport = " + std::to_string(port) + "\n\n";
}

std::string serverFile(std::string_view connections) {
  return "[server]\nfqdn = \"lcs1.example.com\"\nstore = \"sqlite:tandem.db\"\nadmin = \"\"\n\n" +
         std::string(connections);
}

void prepare(const TempDir& dir, const std::string& server_file) {
  std::filesystem::create_directories(dir.path() / "var");
  dir.write("server.toml", server_file);
  createStore(dir.path());
}

std::string options(uint16_t local_port) {
  return "OPTIONS sip:lcs1.example.com SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 127.0.0.20:" +
         std::to_string(local_port) +
         ";rport;branch=z9hG4bK-reuseport\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:probe@example.com>;tag=r1\r\n"
         "To: <sip:lcs1.example.com>\r\n"
         "Call-ID: reuseport@127.0.0.20\r\n"
         "CSeq: 1 OPTIONS\r\n"
         "Content-Length: 0\r\n\r\n";
}

TEST(TransportReusePortTest, ASecondTandemdOnTheSameAddressAndPortFailsAndTheFirstKeepsServing) {
  TempDir first_dir;
  uint16_t port = 0;
  std::unique_ptr<Process> first;
  // A free port can be taken by someone else before tandemd binds it: retry.
  for (int attempt = 0; attempt < 3 && (first == nullptr || !first->running()); ++attempt) {
    port = freePort(kAddress);
    prepare(first_dir, serverFile(connection("udp", port) + connection("tcp", port)));
    first = std::make_unique<Process>(std::vector<std::string>{kTandemd, "--config", "server.toml"}, first_dir.path(),
                                      first_dir.path() / "out", first_dir.path() / "log");
    ASSERT_TRUE(eventually(
        [&] { return readFile(first_dir.path() / "log").find("serving") != std::string::npos || !first->running(); }));
  }
  ASSERT_TRUE(first->running()) << readFile(first_dir.path() / "log");

  const std::string p = std::to_string(port);
  struct Case {
    std::string connections;
    std::string expected;
  };
  const Case cases[] = {
      {connection("udp", port) + connection("tcp", port), "connection 1 (udp 127.0.0.1:" + p + "): address in use\n"},
      {connection("tcp", port), "connection 1 (tcp 127.0.0.1:" + p + "): address in use\n"},
  };
  for (const Case& c : cases) {
    TempDir second_dir;
    prepare(second_dir, serverFile(c.connections));
    std::string output;
    EXPECT_EQ(run({kTandemd, "--config", "server.toml"}, second_dir.path(), output), 1) << output;
    EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << output;
    EXPECT_TRUE(output.ends_with(c.expected)) << output;
  }

  // The first still gets every datagram.
  for (int i = 0; i < 5; ++i) {
    UdpClient client;
    client.sendTo(kAddress, port, options(client.localPort()));
    const std::string answer = client.receive().value_or("");
    EXPECT_TRUE(answer.starts_with("SIP/2.0 200")) << answer;
  }
  first->signal(SIGTERM);
  EXPECT_EQ(first->wait(milliseconds(10000)), 0) << readFile(first_dir.path() / "log");
}

}  // namespace
}  // namespace tandem::test
