// The stateful proxy as a process between two real SIPp instances:
// SIPp UAC (127.0.0.10) → tandemd (127.0.0.1) → SIPp UAS (127.0.0.30), with
// the static route *@example.com → the UAS configured through tandemctl.
// RFC 3261 §16: relaying, Record-Route, in-dialog requests, CANCEL, the
// sanity answers (483, 482, 420, 416, 400), and retransmission under loss.

#include <gtest/gtest.h>

#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include "harness.h"

namespace tandem::test {
namespace {

const std::string kTandemd = TANDEMD_PATH;
const std::string kTandemctl = TANDEMCTL_PATH;
const std::string kScenarios = TANDEM_SCENARIOS;
const std::string kServer = "127.0.0.1";
const std::string kUac = "127.0.0.10";
const std::string kUas = "127.0.0.30";

class ProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int attempt = 0; attempt < 3; ++attempt) {
      port_ = freePort(kServer);
      const std::string p = std::to_string(port_);
      dir_.write("server.toml", "[server]\nfqdn = \"lcs1.example.com\"\nstore = \"sqlite:tandem.db\"\nadmin = \"\"\n"
                                "workers = 2\n\n[[connections]]\naddress = \"127.0.0.1\"\ntransport = \"udp\"\nport = " +
                                    p + "\n\n[[connections]]\naddress = \"127.0.0.1\"\ntransport = \"tcp\"\nport = " +
                                    p + "\n\n[timers]\nc = 3000  # Timer C: 3 s instead of 3 min, for its test\n");
      ASSERT_TRUE(createStore(dir_.path()));
      tandemd_ = std::make_unique<Process>(std::vector<std::string>{kTandemd, "--config", "server.toml"}, dir_.path(),
                                           dir_.path() / "tandemd.out", dir_.path() / "tandemd.log");
      ASSERT_TRUE(tandemd_->started());
      ASSERT_TRUE(eventually([&] { return log().find("serving") != std::string::npos || !tandemd_->running(); }));
      if (tandemd_->running()) {
        return;
      }
    }
    FAIL() << "tandemd did not start: " << log();
  }

  void TearDown() override {
    if (tandemd_ && tandemd_->running()) {
      tandemd_->signal(SIGTERM);
      EXPECT_EQ(tandemd_->wait(milliseconds(10000)), 0) << log();
    }
  }

  std::string log() const { return readFile(dir_.path() / "tandemd.log"); }

  void tandemctl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{kTandemctl, "--config", "server.toml"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string output;
    ASSERT_EQ(run(argv, dir_.path(), output), 0) << output;
  }

  // Routes *@<domain> to the UAS and waits until tandemd has the new pool.
  void routeTo(const std::string& domain, const std::string& host, uint16_t port, const std::string& transport) {
    const size_t loads = count(log(), "pool settings loaded");
    tandemctl({"route", "add", "--user", "*", "--domain", domain, "--next-hop", host, "--transport", transport,
               "--port", std::to_string(port)});
    ASSERT_TRUE(eventually([&] { return count(log(), "pool settings loaded") > loads; }, milliseconds(3000)))
        << "the route did not reach tandemd within 3 s: " << log();
  }

  static size_t count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
      ++n;
    }
    return n;
  }

  // SIPp as the UAS, in the background, for `calls` calls.
  std::unique_ptr<Process> startUas(const std::string& scenario, const std::string& transport, uint16_t port,
                                    int calls, const std::vector<std::string>& extra = {}) {
    const std::string file = scenario.front() == '/' ? scenario : kScenarios + "/" + scenario;
    std::vector<std::string> argv{"sipp", "-sf", file, "-i", kUas, "-p", std::to_string(port),
                                  "-t", transport, "-m", std::to_string(calls), "-timeout", "60s", "-timeout_error",
                                  "-nostdin", "-trace_err"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto uas = std::make_unique<Process>(argv, dir_.path(), dir_.path() / "uas.out", dir_.path() / "uas.err");
    EXPECT_TRUE(uas->started());
    std::this_thread::sleep_for(milliseconds(300));  // let it bind
    return uas;
  }

  // SIPp as the UAC; returns its exit status (0: every call succeeded).
  int uac(const std::string& scenario, const std::string& transport, int calls,
          const std::vector<std::string>& extra = {}) {
    const std::string file = scenario.front() == '/' ? scenario : kScenarios + "/" + scenario;
    std::vector<std::string> argv{"sipp", "-sf", file, "-s", "bob", "-i", kUac, "-p",
                                  std::to_string(freePort(kUac)), "-t", transport, "-m", std::to_string(calls),
                                  "-r", "20", "-timeout", "60s", "-timeout_error", "-nostdin", "-trace_err",
                                  kServer + ":" + std::to_string(port_)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv, dir_.path(), uac_output_, milliseconds(90000));
  }

  // A UAS run to completion: its exit status.
  int finish(Process& uas) {
    const auto status = uas.wait(milliseconds(60000));
    return status.value_or(-1);
  }

  std::string diagnostics() const {
    return "UAC:\n" + uac_output_ + "\nUAS:\n" + readFile(dir_.path() / "uas.out") +
           readFile(dir_.path() / "uas.err") + "\ntandemd:\n" + log();
  }

  TempDir dir_;
  uint16_t port_ = 0;
  std::unique_ptr<Process> tandemd_;
  std::string uac_output_;
};

TEST_F(ProxyTest, MessageRelayedOverUdp) {
  const uint16_t uas_port = freePort(kUas);
  routeTo("example.com", kUas, uas_port, "udp");
  auto uas = startUas("proxy_message_uas.xml", "u1", uas_port, 20);
  EXPECT_EQ(uac("proxy_message_uac.xml", "u1", 20), 0) << diagnostics();
  EXPECT_EQ(finish(*uas), 0) << diagnostics();
}

TEST_F(ProxyTest, MessageRelayedOverTcp) {
  const uint16_t uas_port = freePort(kUas);
  routeTo("example.com", kUas, uas_port, "tcp");
  auto uas = startUas("proxy_message_uas.xml", "t1", uas_port, 20);
  EXPECT_EQ(uac("proxy_message_uac.xml", "t1", 20), 0) << diagnostics();
  EXPECT_EQ(finish(*uas), 0) << diagnostics();
}

TEST_F(ProxyTest, InviteAckByeKeepTheProxyInThePathOverUdp) {
  const uint16_t uas_port = freePort(kUas);
  routeTo("example.com", kUas, uas_port, "udp");
  auto uas = startUas("proxy_invite_uas.xml", "u1", uas_port, 5);
  EXPECT_EQ(uac("proxy_invite_uac.xml", "u1", 5), 0) << diagnostics();
  EXPECT_EQ(finish(*uas), 0) << diagnostics();
}

TEST_F(ProxyTest, InviteAckByeOverTcp) {
  const uint16_t uas_port = freePort(kUas);
  routeTo("example.com", kUas, uas_port, "tcp");
  auto uas = startUas("proxy_invite_uas.xml", "t1", uas_port, 5);
  EXPECT_EQ(uac("proxy_invite_uac.xml", "t1", 5), 0) << diagnostics();
  EXPECT_EQ(finish(*uas), 0) << diagnostics();
}

TEST_F(ProxyTest, UdpInTcpOutWithDoubleRecordRoute) {
  const uint16_t uas_port = freePort(kUas);
  routeTo("example.com", kUas, uas_port, "tcp");
  auto uas = startUas("proxy_invite_uas.xml", "t1", uas_port, 3);
  EXPECT_EQ(uac("proxy_invite_uac.xml", "u1", 3), 0) << diagnostics();
  EXPECT_EQ(finish(*uas), 0) << diagnostics();
  auto message = startUas("proxy_message_uas.xml", "t1", uas_port, 5);
  EXPECT_EQ(uac("proxy_message_uac.xml", "u1", 5), 0) << diagnostics();
  EXPECT_EQ(finish(*message), 0) << diagnostics();
}

TEST_F(ProxyTest, EveryTransactionCompletesUnderTenPercentUdpLoss) {
  const uint16_t uas_port = freePort(kUas);
  routeTo("example.com", kUas, uas_port, "udp");
  // Under loss the UAS must answer retransmissions for as long as the proxy's
  // client transaction sends them (timer E at 0.5, 1.5, 3.5, 7.5, 11.5 s ...):
  // a copy of the UAS that stays in each call for 16 s.
  std::string lingering = readFile(kScenarios + "/proxy_message_uas.xml");
  lingering.replace(lingering.find("<pause milliseconds=\"4000\"/>"), 28, "<pause milliseconds=\"16000\"/>");
  auto uas = startUas(dir_.write("uas_lossy.xml", lingering).string(), "u1", uas_port, 30, {"-lost", "10"});
  EXPECT_EQ(uac("proxy_message_uac.xml", "u1", 30, {"-lost", "10"}), 0) << diagnostics();
  EXPECT_EQ(finish(*uas), 0) << diagnostics();
}

TEST_F(ProxyTest, CancelOfARingingInviteReachesTheUasAndEndsWith487) {
  const uint16_t uas_port = freePort(kUas);
  routeTo("example.com", kUas, uas_port, "udp");
  auto uas = startUas("proxy_cancel_uas.xml", "u1", uas_port, 3);
  EXPECT_EQ(uac("proxy_cancel_uac.xml", "u1", 3), 0) << diagnostics();
  EXPECT_EQ(finish(*uas), 0) << diagnostics();
}

// Timer C ([timers] c = 3 s here): nobody cancels a call that rings forever
// but the proxy, which CANCELs the branch; the 487 reaches the caller.
TEST_F(ProxyTest, TimerCCancelsACallThatRingsForever) {
  const uint16_t uas_port = freePort(kUas);
  routeTo("example.com", kUas, uas_port, "udp");
  auto uas = startUas("proxy_cancel_uas.xml", "u1", uas_port, 1);
  EXPECT_EQ(uac("proxy_timer_c_uac.xml", "u1", 1), 0) << diagnostics();
  EXPECT_EQ(finish(*uas), 0) << diagnostics();
  EXPECT_NE(log().find("no final response within Timer C (3 s): CANCEL sent"), std::string::npos) << log();
}

TEST_F(ProxyTest, SigtermFinishesTheTransactionsUnderWayThenExitsZero) {
  const uint16_t uas_port = freePort(kUas);
  routeTo("example.com", kUas, uas_port, "udp");
  auto uas = startUas("proxy_message_uas_slow.xml", "u1", uas_port, 1);
  Process uac({"sipp", "-sf", kScenarios + "/proxy_message_uac.xml", "-s", "bob", "-i", kUac, "-p",
               std::to_string(freePort(kUac)), "-t", "u1", "-m", "1", "-timeout", "30s", "-timeout_error", "-nostdin",
               kServer + ":" + std::to_string(port_)},
              dir_.path(), dir_.path() / "uac.out", dir_.path() / "uac.err");
  ASSERT_TRUE(eventually([&] { return log().find("forwarded to udp") != std::string::npos; })) << diagnostics();
  tandemd_->signal(SIGTERM);  // while the UAS still holds its 200
  EXPECT_EQ(uac.wait(milliseconds(20000)), 0) << readFile(dir_.path() / "uac.out") << diagnostics();
  EXPECT_EQ(tandemd_->wait(milliseconds(10000)), 0) << log();
  EXPECT_NE(log().find("finishing those under way"), std::string::npos) << log();
  EXPECT_EQ(finish(*uas), 0) << diagnostics();
}

struct Expectation {
  const char* name;
  std::string ruri;
  std::string max_forwards;
  std::string extra;
  std::string status;
};

class ProxyStatusTest : public ProxyTest, public ::testing::WithParamInterface<Expectation> {};

TEST_P(ProxyStatusTest, AnswersWithTheStatusAndAWarning) {
  const Expectation& e = GetParam();
  // A route back to tandemd itself makes the loop of the 482 case.
  routeTo("loop.example.com", kServer, port_, "udp");
  const std::string ruri = e.ruri == "LOOP" ? "sip:bob@loop.example.com" : e.ruri;
  // SIPp takes a response code only as a literal: write it into a copy.
  std::string scenario = readFile(kScenarios + "/proxy_expect_status.xml");
  scenario.replace(scenario.rfind("[expect]"), 8, e.status);
  const std::string file = dir_.write("expect.xml", scenario).string();
  EXPECT_EQ(uac(file, "u1", 1, {"-key", "ruri", ruri, "-key", "maxfwd", e.max_forwards, "-key", "extra", e.extra}), 0)
      << diagnostics();
}

INSTANTIATE_TEST_SUITE_P(
    Sanity, ProxyStatusTest,
    ::testing::Values(Expectation{"TooManyHops483", "sip:bob@example.com", "0", "X-Test: 483", "483"},
                      Expectation{"LoopDetected482", "LOOP", "70", "X-Test: 482", "482"},
                      Expectation{"BadExtension420", "sip:bob@example.com", "70", "Proxy-Require: x-frobnicate", "420"},
                      Expectation{"UnsupportedScheme416", "mailto:bob@example.com", "70", "X-Test: 416", "416"},
                      Expectation{"Malformed400", "sip:bob@example.com", "70", "Contact: <sip:bad uri>", "400"},
                      Expectation{"NoRoute404", "sip:carol@elsewhere.example.org", "70", "X-Test: 404", "404"}),
    [](const ::testing::TestParamInfo<Expectation>& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace tandem::test
