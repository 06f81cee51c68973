// tandemd as a process, driven by SIPp and by raw sockets on loopback:
// tandemd on 127.0.0.1 (a free port, UDP and TCP), clients on 127.0.0.10+.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <memory>
#include <random>
#include <string>

#include "harness.h"

namespace tandem::test {
namespace {

const std::string kTandemd = TANDEMD_PATH;
const std::string kScenarios = TANDEM_SCENARIOS;
const std::string kSourceDir = TANDEM_SOURCE_DIR;
const std::string kServer = "127.0.0.1";

std::string serverFile(uint16_t port, std::string_view extra = "", int idle_timeout = 30) {
  const std::string p = std::to_string(port);
  return "[server]\nfqdn = \"lcs1.example.com\"\nstore = \"sqlite:tandem.db\"\nadmin = \"\"\n\n"
         "[[connections]]\naddress = \"127.0.0.1\"\ntransport = \"udp\"\nport = " +
         p +
         "\n\n"
         "[[connections]]\naddress = \"127.0.0.1\"\ntransport = \"tcp\"\nport = " +
         p +
         "\n\n"
         "[limits]\ntcp_idle_timeout = " +
         std::to_string(idle_timeout) + "\n\n[log]\nlevel = \"debug\"\n" + std::string(extra);
}

// A request from a client at `local_port`, as SIPp would send it.
std::string request(std::string_view method, std::string_view transport, uint16_t local_port,
                    std::string_view extra_headers = "", std::string_view body = "") {
  static int sequence = 0;
  const std::string n = std::to_string(++sequence);
  return std::string(method) + " sip:lcs1.example.com SIP/2.0\r\n" + "Via: SIP/2.0/" + std::string(transport) +
         " 127.0.0.20:" + std::to_string(local_port) + ";rport;branch=z9hG4bK-raw-" + n + "\r\n" +
         "Max-Forwards: 70\r\n"
         "From: <sip:probe@example.com>;tag=raw" +
         n + "\r\n" +
         "To: <sip:lcs1.example.com>\r\n"
         "Call-ID: raw-" +
         n + "@127.0.0.20\r\n" + "CSeq: 1 " + std::string(method) + "\r\n" + std::string(extra_headers) +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

bool startsWith(const std::string& text, std::string_view prefix) { return text.rfind(prefix, 0) == 0; }

class TandemdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A free port can be taken by someone else before tandemd binds it: retry.
    for (int attempt = 0; attempt < 3; ++attempt) {
      port_ = freePort(kServer);
      dir_.write("server.toml", serverFile(port_, "", idle_timeout_));
      ASSERT_TRUE(createStore(dir_.path()));
      tandemd_ = std::make_unique<Process>(std::vector<std::string>{kTandemd, "--config", "server.toml"}, dir_.path(),
                                           dir_.path() / "tandemd.out", dir_.path() / "tandemd.log");
      ASSERT_TRUE(tandemd_->started());
      ASSERT_TRUE(eventually([&] { return log().find("serving") != std::string::npos || !tandemd_->running(); }));
      if (tandemd_->running()) {
        return;
      }
      ASSERT_NE(log().find("address in use"), std::string::npos) << log();
    }
    FAIL() << "tandemd did not start: " << log();
  }

  void TearDown() override {
    if (tandemd_ && tandemd_->running()) {
      tandemd_->signal(SIGTERM);
      const std::optional<int> status = tandemd_->wait(milliseconds(10000));
      // A clean stop, and no sanitizer report on the way out.
      EXPECT_EQ(status, 0) << log();
    }
  }

  std::string log() const { return readFile(dir_.path() / "tandemd.log"); }

  // Runs one SIPp call of `scenario` over "u1" (UDP) or "t1" (TCP).
  int sipp(const std::string& scenario, const std::string& transport, std::string& output) {
    const std::string client = "127.0.0.10";
    return run({"sipp", "-sf", kScenarios + "/" + scenario, "-m", "1", "-t", transport, "-i", client, "-p",
                std::to_string(freePort(client)), "-timeout", "15s", "-timeout_error", "-trace_err",
                kServer + ":" + std::to_string(port_)},
               dir_.path(), output);
  }

  // Sends an OPTIONS over UDP and returns the answer ("" when none came).
  std::string udpOptions(UdpClient& client) {
    client.sendTo(kServer, port_, request("OPTIONS", "UDP", client.localPort()));
    return client.receive().value_or("");
  }

  int idle_timeout_ = 30;  // limits.tcp_idle_timeout
  TempDir dir_;
  uint16_t port_ = 0;
  std::unique_ptr<Process> tandemd_;
};

TEST_F(TandemdTest, SippOptionsOverUdpGets200) {
  std::string output;
  EXPECT_EQ(sipp("options_200.xml", "u1", output), 0) << output << log();
}

TEST_F(TandemdTest, SippOptionsOverTcpGets200) {
  std::string output;
  EXPECT_EQ(sipp("options_200.xml", "t1", output), 0) << output << log();
}

TEST_F(TandemdTest, SippOptionsWithBrokenViaGets400WithWarning) {
  std::string output;
  EXPECT_EQ(sipp("options_bad_via.xml", "u1", output), 0) << output << log();
}

TEST_F(TandemdTest, SippOptionsWithMaxForwardsTooLargeGets400WithWarning) {
  std::string output;
  EXPECT_EQ(sipp("options_max_forwards.xml", "u1", output), 0) << output << log();
  EXPECT_EQ(sipp("options_max_forwards.xml", "t1", output), 0) << output << log();
}

TEST_F(TandemdTest, OptionsAnswerListsCapabilitiesAndTagsTheTo) {
  UdpClient client;
  const std::string response = udpOptions(client);
  EXPECT_TRUE(startsWith(response, "SIP/2.0 200 OK\r\n")) << response;
  EXPECT_NE(response.find("\r\nAllow: INVITE, ACK, CANCEL, BYE, OPTIONS, MESSAGE, INFO, SUBSCRIBE, NOTIFY\r\n"),
            std::string::npos)
      << response;
  EXPECT_NE(response.find("\r\nAccept:"), std::string::npos) << response;
  EXPECT_NE(response.find("\r\nSupported:"), std::string::npos) << response;
  EXPECT_NE(response.find("\r\nServer: Tandem/"), std::string::npos) << response;
  EXPECT_NE(response.find("\r\nTo: <sip:lcs1.example.com>;tag="), std::string::npos) << response;
  EXPECT_NE(response.find("\r\nContent-Length: 0\r\n\r\n"), std::string::npos) << response;
  // One line per request at debug.
  EXPECT_NE(log().find("OPTIONS sip:lcs1.example.com"), std::string::npos) << log();
  // Full message traces at debug, in and out.
  EXPECT_TRUE(eventually([&] { return log().find("send udp 127.0.0.20:") != std::string::npos; })) << log();
  EXPECT_NE(log().find("recv udp 127.0.0.20:"), std::string::npos) << log();
  EXPECT_NE(log().find("\nOPTIONS sip:lcs1.example.com SIP/2.0\r\n"), std::string::npos) << log();
}

TEST_F(TandemdTest, RegisterWithoutAnAddressOfRecordAndUnknownMethodsAreRefusedPrecisely) {
  UdpClient client;
  client.sendTo(kServer, port_, request("REGISTER", "UDP", client.localPort()));  // To: <sip:lcs1.example.com>
  const std::string registered = client.receive().value_or("");
  EXPECT_TRUE(startsWith(registered, "SIP/2.0 400 Bad Request\r\n")) << registered;
  EXPECT_NE(registered.find("Warning: 399 lcs1.example.com \"The To header must be the SIP address of record being "
                            "registered\""),
            std::string::npos)
      << registered;

  client.sendTo(kServer, port_, request("FROBNICATE", "UDP", client.localPort()));
  const std::string unknown = client.receive().value_or("");
  EXPECT_TRUE(startsWith(unknown, "SIP/2.0 501 Not Implemented\r\n")) << unknown;
  EXPECT_NE(unknown.find("\r\nAllow: "), std::string::npos) << unknown;

  client.sendTo(kServer, port_, request("CANCEL", "UDP", client.localPort()));
  EXPECT_TRUE(startsWith(client.receive().value_or(""), "SIP/2.0 481 "));

  client.sendTo(kServer, port_, request("ACK", "UDP", client.localPort()));
  client.sendTo(kServer, port_, "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.20;branch=z9hG4bKx\r\n\r\n");
  EXPECT_FALSE(client.receive(milliseconds(300)).has_value()) << "ACK and responses are never answered";
}

TEST_F(TandemdTest, GarbageDatagramsDoNotStopTheServer) {
  UdpClient client;
  std::mt19937 random(4475);
  for (int i = 0; i < 200; ++i) {
    std::string garbage(1 + random() % 1500, '\0');
    for (char& c : garbage) {
      c = static_cast<char>(random());
    }
    client.sendTo(kServer, port_, garbage);
  }
  client.sendTo(kServer, port_, "\r\n\r\n");                       // keep-alive
  client.sendTo(kServer, port_, std::string(65000, 'A'));          // about the largest datagram
  client.sendTo(kServer, port_, "OPTIONS sip:x SIP/2.0\r\n\r\n");  // no Via: nothing to answer to
  while (client.receive(milliseconds(300))) {
  }
  EXPECT_TRUE(startsWith(udpOptions(client), "SIP/2.0 200 OK\r\n")) << log();
}

TEST_F(TandemdTest, MalformedDatagramWithAViaIsAnswered400) {
  UdpClient client;
  std::string broken = request("OPTIONS", "UDP", client.localPort());
  broken.replace(broken.find("Content-Length: 0"), 17, "Content-Length: 9999");  // RFC 4475 §3.1.2.2
  client.sendTo(kServer, port_, broken);
  const std::string response = client.receive().value_or("");
  EXPECT_TRUE(startsWith(response, "SIP/2.0 400 Bad Request\r\n")) << response;
  EXPECT_NE(response.find("Warning: 399 lcs1.example.com \""), std::string::npos) << response;
}

TEST_F(TandemdTest, OversizedTcpMessageGets413AndTheConnectionCloses) {
  {
    TcpClient client(kServer, port_);
    ASSERT_TRUE(client.connected());
    const std::string body(200000, 'x');
    client.send(request("MESSAGE", "TCP", 5060, "Content-Type: text/plain\r\n", body));
    std::string received;
    EXPECT_TRUE(client.readUntil(received, "\r\n\r\n")) << received;
    EXPECT_TRUE(startsWith(received, "SIP/2.0 413 Request Entity Too Large\r\n")) << received;
    EXPECT_NE(received.find("Warning: 399 lcs1.example.com \"Message too large\""), std::string::npos) << received;
    std::string rest;
    client.readUntil(rest, "never", milliseconds(5000));
    EXPECT_TRUE(client.closed());
  }
  {
    TcpClient client(kServer, port_);
    client.send(std::string(100000, 'G'));  // no header end at all
    std::string received;
    client.readUntil(received, "never", milliseconds(5000));
    EXPECT_TRUE(client.closed());
  }
  TcpClient next(kServer, port_);
  ASSERT_TRUE(next.send(request("OPTIONS", "TCP", 5060)));
  std::string received;
  EXPECT_TRUE(next.readUntil(received, "\r\n\r\n"));
  EXPECT_TRUE(startsWith(received, "SIP/2.0 200 OK\r\n")) << received;
}

TEST_F(TandemdTest, TcpKeepAlivePingGetsPongAndTheConnectionStaysUsable) {
  TcpClient client(kServer, port_);
  ASSERT_TRUE(client.send("\r\n\r\n"));  // RFC 5626 §3.5.1 ping
  std::string received;
  ASSERT_TRUE(client.readUntil(received, "\r\n"));
  EXPECT_EQ(received, "\r\n");
  // Two requests in one write, answered in order on the same connection.
  ASSERT_TRUE(client.send(request("OPTIONS", "TCP", 5060) + request("REGISTER", "TCP", 5060)));
  received.clear();
  ASSERT_TRUE(client.readUntil(received, "REGISTER\r\n"));
  EXPECT_TRUE(startsWith(received, "SIP/2.0 200 OK\r\n")) << received;
  EXPECT_NE(received.find("SIP/2.0 400 "), std::string::npos) << received;
}

TEST_F(TandemdTest, TcpRequestsAreAnsweredAfterThePeerHalfCloses) {
  TcpClient client(kServer, port_);
  ASSERT_TRUE(client.send(request("OPTIONS", "TCP", 5060) + request("OPTIONS", "TCP", 5060)));
  client.shutdownSend();
  std::string received;
  client.readUntil(received, "never", milliseconds(5000));
  EXPECT_TRUE(client.closed());
  EXPECT_TRUE(startsWith(received, "SIP/2.0 200 OK\r\n")) << received;
  EXPECT_NE(received.find("SIP/2.0 200 OK\r\n", 1), std::string::npos) << "both answered: " << received;
}

TEST_F(TandemdTest, SighupLogsReload) {
  tandemd_->signal(SIGHUP);
  EXPECT_TRUE(eventually([&] { return log().find("reload") != std::string::npos; })) << log();
  UdpClient client;
  EXPECT_TRUE(startsWith(udpOptions(client), "SIP/2.0 200 OK\r\n"));
}

TEST_F(TandemdTest, SigtermStopsGracefullyWithOpenConnections) {
  TcpClient idle(kServer, port_);
  TcpClient half(kServer, port_);
  half.send("OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP");  // mid-message
  ASSERT_TRUE(eventually([&] { return log().find("tcp connection 2") != std::string::npos; })) << log();
  tandemd_->signal(SIGTERM);
  EXPECT_EQ(tandemd_->wait(milliseconds(10000)), 0) << log();
  EXPECT_NE(log().find("stopping (SIGTERM)"), std::string::npos) << log();
}

class TandemdShortIdleTest : public TandemdTest {
 protected:
  void SetUp() override {
    idle_timeout_ = 1;
    TandemdTest::SetUp();
  }
};

TEST_F(TandemdShortIdleTest, SilentTcpConnectionsAreClosedAfterTheIdleTimeout) {
  TcpClient silent(kServer, port_);
  TcpClient partial(kServer, port_);
  partial.send("OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\n");  // never completed (RFC 4475 §3.1.2.2)
  std::string received;
  const auto start = std::chrono::steady_clock::now();
  silent.readUntil(received, "never", milliseconds(5000));
  partial.readUntil(received, "never", milliseconds(5000));
  EXPECT_TRUE(silent.closed());
  EXPECT_TRUE(partial.closed());
  EXPECT_EQ(received, "");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  EXPECT_NE(log().find("idle timeout"), std::string::npos) << log();
}

TEST(TandemdCheckTest, UnknownKeyFailsNamingKeyAndLine) {
  TempDir dir;
  std::string text = serverFile(5060);
  text.insert(text.find("admin"), "colour = \"blue\"\n");
  dir.write("server.toml", text);
  std::string output;
  EXPECT_EQ(run({kTandemd, "--config", "server.toml", "--check"}, dir.path(), output), 1) << output;
  EXPECT_NE(output.find("server.toml:4: error: server.colour: unknown key"), std::string::npos) << output;
  // Starting refuses the same file with the same one line.
  EXPECT_EQ(run({kTandemd, "--config", "server.toml"}, dir.path(), output), 1) << output;
  EXPECT_EQ(
      output,
      "tandemd: server.toml:4: server.colour: unknown key (known here: fqdn, store, admin, pool_fqdn, workers)\n");
}

TEST(TandemdCheckTest, ExampleServerFileIsValid) {
  TempDir dir;
  std::string output;
  EXPECT_EQ(run({kTandemd, "--config", kSourceDir + "/examples/server.toml", "--check"}, dir.path(), output), 0)
      << output;
}

TEST(TandemdStartTest, AMissingDatabaseStopsStartUpWithOneLine) {
  TempDir dir;
  dir.write("server.toml", serverFile(freePort(kServer)));
  std::string output;
  EXPECT_EQ(run({kTandemd, "--config", "server.toml"}, dir.path(), output), 1) << output;
  EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << output;
  EXPECT_NE(output.find("no database there; tandemctl creates it"), std::string::npos) << output;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "tandem.db"));  // nothing created
}

TEST(TandemdStartTest, ADatabaseOfANewerTandemStopsStartUpWithOneLine) {
  TempDir dir;
  dir.write("server.toml", serverFile(freePort(kServer)));
  ASSERT_TRUE(createStore(dir.path()));
  std::string output;
  ASSERT_EQ(run({"sqlite3", "tandem.db", "INSERT INTO schema_version (version) VALUES (99)"}, dir.path(), output), 0)
      << output;
  EXPECT_EQ(run({kTandemd, "--config", "server.toml"}, dir.path(), output), 1) << output;
  EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << output;
  EXPECT_NE(output.find("database schema version 99 is newer than this tandemd"), std::string::npos) << output;
}

TEST(TandemdStartTest, PortInUseFailsWithOneLineNamingTheConnection) {
  TempDir dir;
  const uint16_t port = freePort(kServer);
  // Someone else listens on the TCP port.
  const int holder = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  inet_pton(AF_INET, kServer.c_str(), &sa.sin_addr);
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::listen(holder, 1), 0);
  dir.write("server.toml", serverFile(port));
  ASSERT_TRUE(createStore(dir.path()));
  std::string output;
  EXPECT_EQ(run({kTandemd, "--config", "server.toml"}, dir.path(), output), 1) << output;
  ::close(holder);
  const std::string expected = "connection 2 (tcp 127.0.0.1:" + std::to_string(port) + "): address in use\n";
  EXPECT_EQ(std::count(output.begin(), output.end(), '\n'), 1) << output;
  EXPECT_TRUE(output.size() >= expected.size() && output.ends_with(expected)) << output;
}

TEST(TandemdStartTest, TlsConnectionsRefuseToStartUntilTlsArrives) {
  TempDir dir;
  dir.write("lcs1.crt", "");
  dir.write("lcs1.key", "");
  const uint16_t port = freePort(kServer);
  const uint16_t tls_port = freePort(kServer);
  dir.write("server.toml", serverFile(port, "\n[tls]\ncertificate = \"lcs1.crt\"\nprivate_key = \"lcs1.key\"\n") +
                               "\n[[connections]]\naddress = \"127.0.0.1\"\ntransport = \"tls\"\nport = " +
                               std::to_string(tls_port) + "\n");
  ASSERT_TRUE(createStore(dir.path()));
  std::string output;
  EXPECT_EQ(run({kTandemd, "--config", "server.toml"}, dir.path(), output), 1) << output;
  EXPECT_NE(output.find("connection 3 (tls 127.0.0.1:" + std::to_string(tls_port) +
                        "): tls transport arrives with the TLS issue"),
            std::string::npos)
      << output;
}

TEST(TandemdCliTest, VersionAndUsage) {
  TempDir dir;
  std::string output;
  EXPECT_EQ(run({kTandemd, "--version"}, dir.path(), output), 0);
  EXPECT_TRUE(startsWith(output, "tandemd ")) << output;
  EXPECT_EQ(run({kTandemd, "--help"}, dir.path(), output), 0);
  EXPECT_NE(output.find("--check"), std::string::npos) << output;
  EXPECT_EQ(run({kTandemd}, dir.path(), output), 2);
  EXPECT_EQ(output, "tandemd: --config is required (see --help)\n");
}

}  // namespace
}  // namespace tandem::test
