// tandemctl service status|stop|start|restart against a real tandemd, and
// tandemd's admin HTTP API (server.admin) on loopback: tandemd on 127.0.0.1
// (free ports for SIP over UDP and for the admin API), a client on 127.0.0.20.
// Every tandemd a test starts is killed by pid in TearDown.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "harness.h"

namespace tandem::test {
namespace {

const std::string kTandemd = TANDEMD_PATH;
const std::string kTandemctl = TANDEMCTL_PATH;
const std::string kServer = "127.0.0.1";

std::string optionsRequest(uint16_t local_port) {
  static int sequence = 0;
  const std::string n = std::to_string(++sequence);
  return "OPTIONS sip:lcs1.example.com SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 127.0.0.20:" +
         std::to_string(local_port) + ";rport;branch=z9hG4bK-svc-" + n +
         "\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:probe@example.com>;tag=svc" +
         n +
         "\r\n"
         "To: <sip:lcs1.example.com>\r\n"
         "Call-ID: svc-" +
         n +
         "@127.0.0.20\r\n"
         "CSeq: 1 OPTIONS\r\n"
         "Content-Length: 0\r\n\r\n";
}

// Gone, or a zombie (tandemctl's child is reparented; nobody here reaps it).
bool processGone(pid_t pid) {
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH)) {
    return true;
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) {
    return true;
  }
  const size_t paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z';
}

// The pid in "running: pid 1234, ..." / "started: pid 1234 ..." / "already running (pid 1234)".
pid_t pidIn(const std::string& output) {
  const size_t at = output.find("pid ");
  return at == std::string::npos ? -1 : static_cast<pid_t>(std::stol(output.substr(at + 4)));
}

// A listening TCP socket on address:port with SO_REUSEADDR and SO_REUSEPORT,
// as a careless server would hold it.
int holdTcpPort(const std::string& address, uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &yes, sizeof yes);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, 4) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sip_port_ = freePort(kServer);
    admin_port_ = freePort(kServer);
    writeServerFile("127.0.0.1:" + std::to_string(admin_port_));
  }

  void TearDown() override {
    for (pid_t pid : pids_) {
      if (!processGone(pid)) {
        ::kill(pid, SIGKILL);
        eventually([&] { return processGone(pid); }, milliseconds(5000));
      }
    }
  }

  void writeServerFile(const std::string& admin) {
    dir_.write("server.toml", "[server]\nfqdn = \"lcs1.example.com\"\nstore = \"sqlite:var/tandem.db\"\nadmin = \"" +
                                  admin + "\"\nworkers = 2\n\n[[connections]]\naddress = \"127.0.0.1\"\n" +
                                  "transport = \"udp\"\nport = " + std::to_string(sip_port_) + "\n");
    std::filesystem::create_directories(dir_.path() / "var");
    ASSERT_TRUE(createStore(dir_.path()));
  }

  int tandemctl(const std::vector<std::string>& args, std::string& output) {
    std::vector<std::string> argv{kTandemctl, "--config", "server.toml"};
    argv.insert(argv.end(), args.begin(), args.end());
    const int status = run(argv, dir_.path(), output, milliseconds(30000));
    if (const pid_t pid = pidIn(output); pid > 0) {
      pids_.push_back(pid);  // whatever tandemctl started, TearDown makes sure it is gone
    }
    return status;
  }

  std::string log() const { return readFile(dir_.path() / "var" / "tandemd.log"); }

  // One HTTP/1.1 request over a plain socket; the whole answer ("" when none).
  std::string http(const std::string& request_line, const std::string& body = "") {
    TcpClient client(kServer, admin_port_);
    if (!client.connected()) {
      return "";
    }
    client.send(request_line + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\n\r\n" + body);
    std::string answer;
    client.readUntil(answer, "\x01", milliseconds(3000));  // Connection: close: reads to the end
    return answer;
  }

  TempDir dir_;
  uint16_t sip_port_ = 0;
  uint16_t admin_port_ = 0;
  std::vector<pid_t> pids_;
};

TEST_F(ServiceTest, StatusStartRestartStop) {
  std::string output;
  const std::string admin = "127.0.0.1:" + std::to_string(admin_port_);
  EXPECT_EQ(tandemctl({"service", "status"}, output), 3) << output;
  EXPECT_EQ(output, "stopped (nothing answers on " + admin + ")\n");
  EXPECT_EQ(tandemctl({"service", "stop"}, output), 0) << output;
  EXPECT_EQ(output, "already stopped\n");

  ASSERT_EQ(tandemctl({"service", "start"}, output), 0) << output << log();
  const pid_t first = pidIn(output);
  ASSERT_GT(first, 0) << output;
  EXPECT_EQ(tandemctl({"service", "start"}, output), 0) << output;
  EXPECT_EQ(output, "already running (pid " + std::to_string(first) + ")\n");

  // It serves SIP.
  UdpClient client;
  client.sendTo(kServer, sip_port_, optionsRequest(client.localPort()));
  const std::string answer = client.receive().value_or("");
  EXPECT_EQ(answer.rfind("SIP/2.0 200 ", 0), 0u) << answer << log();

  EXPECT_EQ(tandemctl({"service", "status"}, output), 0) << output;
  EXPECT_EQ(output.rfind("running: pid " + std::to_string(first) + ", up ", 0), 0u) << output;
  EXPECT_NE(output.find(", 2 workers\n"), std::string::npos) << output;

  // The API itself: status document, 404 for anything else, 413 for a big body.
  const std::string status = http("GET /v1/status");
  EXPECT_EQ(status.rfind("HTTP/1.1 200", 0), 0u) << status;
  EXPECT_NE(status.find("\"state\":\"running\""), std::string::npos) << status;
  EXPECT_NE(status.find("\"fqdn\":\"lcs1.example.com\""), std::string::npos) << status;
  EXPECT_NE(status.find("\"requests\":1"), std::string::npos) << status;
  EXPECT_NE(status.find("\"local_responses\":1"), std::string::npos) << status;
  EXPECT_NE(status.find("\"throttled\":0"), std::string::npos) << status;
  EXPECT_NE(status.find("\"dns\":{\"entries\":0,"), std::string::npos) << status;  // no name looked up
  EXPECT_NE(status.find("\"inbound_connections\":{\"addresses\":0,"), std::string::npos) << status;
  EXPECT_NE(status.find("\"port\":" + std::to_string(sip_port_)), std::string::npos) << status;
  const std::string missing = http("GET /v1/nothing");
  EXPECT_EQ(missing.rfind("HTTP/1.1 404", 0), 0u) << missing;
  EXPECT_NE(missing.find("\"error\""), std::string::npos) << missing;
  const std::string big = http("POST /v1/service/stop", std::string(70 * 1024, 'x'));
  EXPECT_EQ(big.rfind("HTTP/1.1 413", 0), 0u) << big;
  EXPECT_FALSE(processGone(first)) << "a refused stop must not stop tandemd";

  ASSERT_EQ(tandemctl({"service", "restart"}, output), 0) << output << log();
  EXPECT_EQ(output.rfind("stopped\nstarted: pid ", 0), 0u) << output;
  const pid_t second = pidIn(output);
  EXPECT_GT(second, 0);
  EXPECT_NE(second, first);
  EXPECT_TRUE(processGone(first));

  EXPECT_EQ(tandemctl({"service", "stop"}, output), 0) << output << log();
  EXPECT_EQ(output, "stopped\n");
  EXPECT_TRUE(processGone(second));
  EXPECT_NE(log().find("stopping (admin API)"), std::string::npos) << log();
  EXPECT_EQ(tandemctl({"service", "status"}, output), 3) << output;
}

TEST_F(ServiceTest, AdminOffRefusesEveryServiceCommand) {
  writeServerFile("");
  for (const char* action : {"status", "stop", "start", "restart"}) {
    std::string output;
    EXPECT_EQ(tandemctl({"service", action}, output), 2) << action << ": " << output;
    EXPECT_EQ(output, "tandemctl: service: the admin API is off (server.admin = \"\")\n") << action;
  }
}

TEST_F(ServiceTest, StartThatFailsPrintsTheLastLogLine) {
  const int held = holdTcpPort(kServer, admin_port_);
  ASSERT_GE(held, 0);
  // The admin port is held by something that never answers: tandemd cannot
  // start, and tandemctl reports its last log line. The probe of a port that
  // accepts but never answers times out, so ask tandemd directly first.
  std::string output;
  EXPECT_EQ(run({kTandemd, "--config", "server.toml"}, dir_.path(), output, milliseconds(20000)), 1) << output;
  EXPECT_NE(output.find("server.admin (127.0.0.1:" + std::to_string(admin_port_) + "): address in use"),
            std::string::npos)
      << output;
  ::close(held);

  // A SIP port in use: start fails with tandemd's reason.
  const int sip = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(sip_port_);
  inet_pton(AF_INET, kServer.c_str(), &sa.sin_addr);
  ASSERT_EQ(::bind(sip, reinterpret_cast<const sockaddr*>(&sa), sizeof sa), 0);
  EXPECT_EQ(tandemctl({"service", "start"}, output), 1) << output;
  EXPECT_EQ(output.rfind("tandemctl: tandemd did not start (exit 1): ", 0), 0u) << output;
  EXPECT_NE(output.find("address in use"), std::string::npos) << output;
  ::close(sip);
}

}  // namespace
}  // namespace tandem::test
