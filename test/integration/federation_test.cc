// Partitioned intradomain federation, end to end on loopback
// (federation.md §2.1, §6.2, §6.3): two partitions serve example.com,
//   Tandem A (127.0.0.1): alice; static route *@example.com → B; B authorized
//   Tandem B (127.0.0.2): bob;   static route *@example.com → A; A authorized
// with SIPp clients on 127.0.0.10 (UAC) and 127.0.0.31 / .32 (the users'
// clients), and Kamailio 5.6 (test/interop/kamailio-peer.cfg, 127.0.0.3) as
// a foreign peer partition serving dave.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dnsmasq.h"
#include "harness.h"

namespace tandem::test {
namespace {

const std::string kTandemd = TANDEMD_PATH;
const std::string kTandemctl = TANDEMCTL_PATH;
const std::string kScenarios = TANDEM_SCENARIOS;
const std::string kInterop = std::string(TANDEM_SOURCE_DIR) + "/test/interop";
const std::string kA = "127.0.0.1";
const std::string kB = "127.0.0.2";
const std::string kKamailio = "127.0.0.3";
const std::string kUac = "127.0.0.10";
const std::string kRaw = "127.0.0.20";
const std::string kAliceUa = "127.0.0.31";
const std::string kBobUa = "127.0.0.32";

// True when `port` can be bound for both UDP and TCP on `address`.
bool portFree(const std::string& address, uint16_t port) {
  for (int type : {SOCK_STREAM, SOCK_DGRAM}) {
    const int fd = ::socket(AF_INET, type, 0);
    if (fd < 0) {
      return false;
    }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    ::inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
    const bool bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
    ::close(fd);
    if (!bound) {
      return false;
    }
  }
  return true;
}

// A port free on both partitions' addresses.
uint16_t commonPort() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const uint16_t port = freePort(kA);
    if (portFree(kB, port)) {
      return port;
    }
  }
  throw std::runtime_error("no port free on both " + kA + " and " + kB);
}

// `address` as a POSIX regexp followed by ":<port>".
std::string hostPortRegexp(const std::string& address, uint16_t port) {
  std::string text;
  for (char c : address) {
    text += c == '.' ? std::string("\\.") : std::string(1, c);
  }
  return text + ":" + std::to_string(port);
}

std::string xmlAttribute(const std::string& text) {
  std::string out;
  for (char c : text) {
    out += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '"' ? "&quot;" : c == '&' ? "&amp;" : std::string(1, c);
  }
  return out;
}

void replaceAll(std::string& text, const std::string& key, const std::string& value) {
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size())) {
    text.replace(at, key.size(), value);
  }
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

// One Tandem partition: its folder, server file, pool and process.
struct Partition {
  std::string name;
  std::string address;
  std::string fqdn;
  uint16_t port = 0;
  TempDir dir;
  std::unique_ptr<Process> process;

  std::string log() const { return readFile(dir.path() / "tandemd.log"); }

  int ctl(const std::vector<std::string>& args, std::string& output) const {
    std::vector<std::string> argv{kTandemctl, "--config", "server.toml"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, dir.path(), output);
  }
};

class FederationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const uint16_t port = commonPort();
    a_.name = "A";
    a_.address = kA;
    a_.fqdn = "a.example.com";
    a_.port = port;
    b_.name = "B";
    b_.address = kB;
    b_.fqdn = "b.example.com";
    b_.port = port;
  }

  void TearDown() override {
    for (Partition* partition : {&a_, &b_}) {
      if (partition->process && partition->process->running()) {
        partition->process->signal(SIGTERM);
        EXPECT_EQ(partition->process->wait(milliseconds(10000)), 0) << partition->log();
      }
    }
    if (kamailio_ && kamailio_->running()) {
      kamailio_->signal(SIGTERM);
      if (!kamailio_->wait(milliseconds(5000))) {
        kamailio_->signal(SIGKILL);
        kamailio_->wait(milliseconds(5000));
      }
    }
  }

  // Writes `partition`'s server file and pool: it homes `user`, routes
  // *@example.com to `peer` and trusts `peer` (treat_as_authenticated).
  // `routes_first` goes before that route (routes match in order), `extra`
  // after everything (more hosts, [throttling]); `admin` is server.admin.
  void configure(Partition& partition, const std::string& user, const std::string& peer, uint16_t peer_port,
                 const std::string& routes_first = {}, const std::string& extra = {}, const std::string& admin = {}) {
    const std::string p = std::to_string(partition.port);
    partition.dir.write("server.toml", "[server]\nfqdn = \"" + partition.fqdn +
                                           "\"\nstore = \"sqlite:tandem.db\"\nadmin = \"" + admin +
                                           "\"\nworkers = 2\n\n"
                                           "[[connections]]\naddress = \"" +
                                           partition.address + "\"\ntransport = \"udp\"\nport = " + p +
                                           "\n\n[[connections]]\naddress = \"" + partition.address +
                                           "\"\ntransport = \"tcp\"\nport = " + p + "\n\n" + dns_section_ +
                                           "[auth]\n"
                                           // SIPp 3.6 answers the first challenge and knows only MD5
                                           "algorithms = [\"MD5\", \"SHA-256\"]\n");
    partition.dir.write("pool.toml", "domains = [\"example.com\"]\n\n" + routes_first +
                                         "[[routes]]\nuser = \"*\"\ndomain = \"example.com\"\nnext_hop = \"" + peer +
                                         "\"\ntransport = \"udp\"\nport = " + std::to_string(peer_port) +
                                         "\n\n[[authorized_hosts]]\nhost = \"" + peer +
                                         "\"\nthrottle_as_server = true\ntreat_as_authenticated = true\n\n"
                                         "[[users]]\nuri = \"sip:" +
                                         user + "@example.com\"\npassword = \"" + user + "-secret\"\n\n" + extra);
    std::string output;
    ASSERT_EQ(partition.ctl({"pool", "apply", "pool.toml"}, output), 0) << output;
  }

  // Starts tandemd for a configured partition and waits until it serves.
  void launch(Partition& partition) {
    partition.process =
        std::make_unique<Process>(std::vector<std::string>{kTandemd, "--config", "server.toml"}, partition.dir.path(),
                                  partition.dir.path() / "tandemd.out", partition.dir.path() / "tandemd.log");
    ASSERT_TRUE(partition.process->started());
    ASSERT_TRUE(eventually([&] { return count(partition.log(), "serving") > 0 || !partition.process->running(); }));
    ASSERT_TRUE(partition.process->running()) << partition.log();
  }

  void start(Partition& partition, const std::string& user, const std::string& peer, uint16_t peer_port,
             const std::string& routes_first = {}, const std::string& extra = {}) {
    configure(partition, user, peer, peer_port, routes_first, extra);
    launch(partition);
  }

  void startBoth() {
    start(a_, "alice", kB, b_.port);
    start(b_, "bob", kA, a_.port);
  }

  // A copy of scenario `name` with every key of `values` replaced.
  std::string scenario(const std::string& name, const std::map<std::string, std::string>& values) {
    std::string text = readFile(kScenarios + "/" + name);
    for (const auto& [key, value] : values) {
      replaceAll(text, key, value);
    }
    const std::string file = "scenario-" + std::to_string(++scenarios_) + ".xml";
    clients_.write(file, text);
    return (clients_.path() / file).string();
  }

  // <ereg> actions requiring each of `regexps` in the whole message; their
  // variable names are added to `refs`.
  std::string checks(const std::string& prefix, const std::vector<std::string>& regexps, std::string& refs) {
    std::string text;
    for (size_t i = 0; i < regexps.size(); ++i) {
      const std::string variable = prefix + std::to_string(i);
      text += "<ereg regexp=\"" + xmlAttribute(regexps[i]) + "\" search_in=\"msg\" check_it=\"true\" assign_to=\"" +
              variable + "\"/>\n";
      refs += (refs.empty() ? "" : ",") + variable;
    }
    return text;
  }

  // SIPp as a UAC towards `server`:`port`; its exit status. With `fields`
  // ("user;password;..."), an injection file and digest credentials.
  int sippUac(const std::string& scenario_file, const std::string& server, uint16_t port,
              const std::string& fields = {}, const std::string& auth_uri = {}) {
    std::vector<std::string> argv{"sipp", "-sf", scenario_file};
    if (!fields.empty()) {
      clients_.write("fields.csv", "SEQUENTIAL\n" + fields + "\n");
      const std::string user = fields.substr(0, fields.find(';'));
      const std::string rest = fields.substr(fields.find(';') + 1);
      argv.insert(argv.end(),
                  {"-inf", "fields.csv", "-au", user, "-ap", rest.substr(0, rest.find(';')), "-auth_uri", auth_uri});
    }
    argv.insert(argv.end(), {"-i", kUac, "-p", std::to_string(freePort(kUac)), "-t", "u1", "-m", "1", "-timeout", "15s",
                             "-timeout_error", "-nostdin", "-trace_err", server + ":" + std::to_string(port)});
    const int status = run(argv, clients_.path(), uac_output_, milliseconds(30000));
    uac_output_ += readErrors();
    return status;
  }

  std::string readErrors() const {
    std::string text;
    for (const auto& entry : std::filesystem::directory_iterator(clients_.path())) {
      if (entry.path().string().find("_errors.log") != std::string::npos) {
        text += readFile(entry.path());
        std::filesystem::remove(entry.path());
      }
    }
    return text;
  }

  // Registers `user` on `partition` (digest) with `contact`.
  int registerOn(const Partition& partition, const std::string& user, const std::string& contact) {
    return sippUac(scenario("registrar_register.xml",
                            {{"[expect]", "200"}, {"[check]", xmlAttribute("Contact: <" + contact + ">;expires=")}}),
                   partition.address, partition.port, user + ";" + user + "-secret;" + contact + ";600", "example.com");
  }

  // A MESSAGE from `from` (homed on `partition`, with digest) to `to`,
  // expecting `expect` with `check` in it.
  int messageThrough(const Partition& partition, const std::string& from, const std::string& to, int expect,
                     const std::string& check = "SIP/2.0") {
    return sippUac(
        scenario("registrar_message_uac.xml", {{"[expect]", std::to_string(expect)}, {"[check]", xmlAttribute(check)}}),
        partition.address, partition.port, from + ";" + from + "-secret;" + to, to + "@example.com");
  }

  // The user's client at `contact`, answering one MESSAGE with `status`,
  // checking `regexps` on it.
  std::unique_ptr<Process> messageUas(const std::string& address, uint16_t port, const std::string& contact,
                                      const std::vector<std::string>& regexps, int status = 200) {
    std::string refs;
    std::vector<std::string> all{"^MESSAGE " + contact + " SIP/2.0"};
    all.insert(all.end(), regexps.begin(), regexps.end());
    const std::string actions = checks("m", all, refs);
    return startSipp(scenario("federation_message_uas.xml",
                              {{"[checks]", actions}, {"[refs]", refs}, {"[status]", std::to_string(status)}}),
                     address, port);
  }

  std::unique_ptr<Process> startSipp(const std::string& scenario_file, const std::string& address, uint16_t port,
                                     int calls = 1) {
    const std::string name = "sipp-" + std::to_string(++processes_);
    auto process = std::make_unique<Process>(
        std::vector<std::string>{"sipp", "-sf", scenario_file, "-i", address, "-p", std::to_string(port), "-t", "u1",
                                 "-m", std::to_string(calls), "-timeout", "30s", "-timeout_error", "-nostdin",
                                 "-trace_err"},
        clients_.path(), clients_.path() / (name + ".out"), clients_.path() / (name + ".err"));
    EXPECT_TRUE(process->started());
    std::this_thread::sleep_for(milliseconds(300));
    return process;
  }

  // The Via and Record-Route `partition` adds to a request it forwards (UDP).
  static std::vector<std::string> pathOf(const Partition& partition) {
    const std::string hp = hostPortRegexp(partition.address, partition.port);
    return {"Via: SIP/2\\.0/UDP " + hp + ";branch=z9hG4bK-T", "Record-Route: <sip:" + hp + ";lr>"};
  }

  std::string diagnostics() const {
    std::string text = "UAC:\n" + uac_output_;
    for (int i = 1; i <= processes_; ++i) {
      const std::string name = "sipp-" + std::to_string(i);
      text += "\n" + name + ":\n" + readFile(clients_.path() / (name + ".out")) +
              readFile(clients_.path() / (name + ".err"));
    }
    for (const auto& entry : std::filesystem::directory_iterator(clients_.path())) {
      if (entry.path().string().find("_errors.log") != std::string::npos) {
        text += "\n" + entry.path().filename().string() + ":\n" + readFile(entry.path());
      }
    }
    text += "\nA:\n" + a_.log() + "\nB:\n" + b_.log();
    if (!kamailio_dir_.empty()) {
      text += "\nkamailio:\n" + readFile(kamailio_dir_ / "kamailio.err") + readFile(kamailio_dir_ / "kamailio.out");
    }
    return text;
  }

  Partition a_;
  Partition b_;
  std::string dns_section_;  // a [dns] section for the server files (tests with dnsmasq)
  TempDir clients_;
  std::unique_ptr<Process> kamailio_;
  std::filesystem::path kamailio_dir_;
  std::string uac_output_;
  int scenarios_ = 0;
  int processes_ = 0;
};

// Page-mode IM across the link, both ways: the sender's partition
// authenticates it, forwards on the static route; the peer trusts the
// authorized host and delivers to the registered contact. The recipient's
// client sees both servers' Via and Record-Route.
TEST_F(FederationTest, MessageCrossesThePartitionsBothWays) {
  startBoth();
  const uint16_t bob_port = freePort(kBobUa);
  const std::string bob = "sip:bob@" + kBobUa + ":" + std::to_string(bob_port);
  ASSERT_EQ(registerOn(b_, "bob", bob), 0) << diagnostics();
  std::vector<std::string> path = pathOf(a_);
  for (const std::string& entry : pathOf(b_)) {
    path.push_back(entry);
  }
  auto bob_ua = messageUas(kBobUa, bob_port, bob, path);
  EXPECT_EQ(messageThrough(a_, "alice", "bob", 200), 0) << diagnostics();
  EXPECT_EQ(bob_ua->wait(milliseconds(20000)).value_or(-1), 0) << diagnostics();

  const uint16_t alice_port = freePort(kAliceUa);
  const std::string alice = "sip:alice@" + kAliceUa + ":" + std::to_string(alice_port);
  ASSERT_EQ(registerOn(a_, "alice", alice), 0) << diagnostics();
  auto alice_ua = messageUas(kAliceUa, alice_port, alice, path);
  EXPECT_EQ(messageThrough(b_, "bob", "alice", 200), 0) << diagnostics();
  EXPECT_EQ(alice_ua->wait(milliseconds(20000)).value_or(-1), 0) << diagnostics();
}

// A call across the link: both servers record-route, so the 200 carries two
// Record-Route entries and the ACK and BYE reach the callee through both.
TEST_F(FederationTest, InviteKeepsBothPartitionsInTheDialog) {
  startBoth();
  const uint16_t bob_port = freePort(kBobUa);
  const std::string bob = "sip:bob@" + kBobUa + ":" + std::to_string(bob_port);
  ASSERT_EQ(registerOn(b_, "bob", bob), 0) << diagnostics();
  const std::string a = hostPortRegexp(kA, a_.port);
  const std::string b = hostPortRegexp(kB, b_.port);
  const std::vector<std::string> vias{"Via: SIP/2\\.0/UDP " + b + ";branch=z9hG4bK",
                                      "Via: SIP/2\\.0/UDP " + a + ";branch=z9hG4bK"};
  const std::vector<std::string> record_routes{"Record-Route: <sip:" + b + ";lr>", "Record-Route: <sip:" + a + ";lr>"};
  std::string refs;
  std::vector<std::string> on_invite = vias;
  on_invite.insert(on_invite.end(), record_routes.begin(), record_routes.end());
  on_invite.push_back("^INVITE " + bob + " SIP/2.0");
  const std::string invite_checks = checks("i", on_invite, refs);
  const std::string ack_checks = checks("a", vias, refs);
  const std::string bye_checks = checks("b", vias, refs);
  auto callee = startSipp(scenario("federation_invite_uas.xml", {{"[invite_checks]", invite_checks},
                                                                 {"[ack_checks]", ack_checks},
                                                                 {"[bye_checks]", bye_checks},
                                                                 {"[refs]", refs}}),
                          kBobUa, bob_port);
  std::string uac_refs;
  // Both entries, B's (added last) first, as the callee echoed them.
  const std::string uac_checks = checks("r", {"Record-Route: <sip:" + b + ";lr>.*<sip:" + a + ";lr>"}, uac_refs);
  EXPECT_EQ(sippUac(scenario("federation_invite_uac.xml", {{"[checks]", uac_checks}, {"[refs]", uac_refs}}), kA,
                    a_.port, "alice;alice-secret;bob", "bob@example.com"),
            0)
      << diagnostics();
  EXPECT_EQ(callee->wait(milliseconds(20000)).value_or(-1), 0) << diagnostics();
  // The in-dialog requests went through both partitions.
  EXPECT_TRUE(eventually([&] { return count(b_.log(), "BYE sip:callee@") >= 1; }, milliseconds(3000))) << diagnostics();
}

// carol is homed nowhere: A forwards her MESSAGE to B (the route), B sees it
// came from the peer its own route points at and ends it with a final 404 —
// it crosses the link once, never back.
TEST_F(FederationTest, UnknownUserEndsIn404WithoutBouncing) {
  startBoth();
  EXPECT_EQ(messageThrough(a_, "alice", "carol", 404, "Warning: 399 b.example.com \"User does not exist\""), 0)
      << diagnostics();
  const std::string line = "MESSAGE sip:carol@example.com: ";
  ASSERT_TRUE(eventually([&] { return count(b_.log(), line + "404") == 1; }, milliseconds(3000))) << diagnostics();
  EXPECT_EQ(count(a_.log(), line + "forwarded"), 1u) << diagnostics();
  EXPECT_EQ(count(b_.log(), line + "forwarded"), 0u) << diagnostics();
  EXPECT_EQ(count(a_.log(), line + "404"), 0u) << diagnostics();
  EXPECT_EQ(count(b_.log(), line), 1u) << diagnostics();  // one routing decision at B
}

// A client that is not the peer cannot claim to be one of the peer's users:
// sent straight to B, "alice" is refused (she is not homed on B, and
// 127.0.0.10 is no authorized host); the same MESSAGE through A passes.
TEST_F(FederationTest, SenderClaimingAPeerUserFromAnUnauthorizedHostIsRefused) {
  startBoth();
  const uint16_t bob_port = freePort(kBobUa);
  const std::string bob = "sip:bob@" + kBobUa + ":" + std::to_string(bob_port);
  ASSERT_EQ(registerOn(b_, "bob", bob), 0) << diagnostics();
  auto bob_ua = messageUas(kBobUa, bob_port, bob, pathOf(a_));
  EXPECT_EQ(sippUac(scenario("federation_message_plain.xml",
                             {{"[from]", "alice"}, {"[to]", "bob"}, {"[expect]", "403"}, {"[check]", "Warning: 399"}}),
                    kB, b_.port),
            0)
      << diagnostics();
  EXPECT_TRUE(bob_ua->running()) << diagnostics();  // nothing delivered
  EXPECT_EQ(messageThrough(a_, "alice", "bob", 200), 0) << diagnostics();
  EXPECT_EQ(bob_ua->wait(milliseconds(20000)).value_or(-1), 0) << diagnostics();
}

// Pool changes made with tandemctl while both run take effect within a
// second: B stops trusting A (403 for A's users), trusts it again; A loses
// its route (404), gets it back.
TEST_F(FederationTest, HostAndRouteChangesApplyWithoutRestart) {
  startBoth();
  const uint16_t bob_port = freePort(kBobUa);
  const std::string bob = "sip:bob@" + kBobUa + ":" + std::to_string(bob_port);
  ASSERT_EQ(registerOn(b_, "bob", bob), 0) << diagnostics();
  const pid_t a_pid = a_.process->pid();
  const pid_t b_pid = b_.process->pid();
  std::string output;

  ASSERT_EQ(b_.ctl({"host", "remove", kA}, output), 0) << output;
  std::this_thread::sleep_for(milliseconds(1100));
  EXPECT_EQ(messageThrough(a_, "alice", "bob", 403, "Warning: 399 b.example.com"), 0) << diagnostics();

  ASSERT_EQ(b_.ctl({"host", "add", kA, "--throttle-as-server", "--treat-as-authenticated"}, output), 0) << output;
  std::this_thread::sleep_for(milliseconds(1100));
  {
    auto bob_ua = messageUas(kBobUa, bob_port, bob, pathOf(b_));
    EXPECT_EQ(messageThrough(a_, "alice", "bob", 200), 0) << diagnostics();
    EXPECT_EQ(bob_ua->wait(milliseconds(20000)).value_or(-1), 0) << diagnostics();
  }

  ASSERT_EQ(a_.ctl({"route", "remove", "--user", "*", "--domain", "example.com"}, output), 0) << output;
  std::this_thread::sleep_for(milliseconds(1100));
  EXPECT_EQ(messageThrough(a_, "alice", "bob", 404, "Warning: 399 a.example.com"), 0) << diagnostics();

  ASSERT_EQ(a_.ctl({"route", "add", "--user", "*", "--domain", "example.com", "--next-hop", kB, "--transport", "udp",
                    "--port", std::to_string(b_.port)},
                   output),
            0)
      << output;
  std::this_thread::sleep_for(milliseconds(1100));
  {
    auto bob_ua = messageUas(kBobUa, bob_port, bob, pathOf(a_));
    EXPECT_EQ(messageThrough(a_, "alice", "bob", 200), 0) << diagnostics();
    EXPECT_EQ(bob_ua->wait(milliseconds(20000)).value_or(-1), 0) << diagnostics();
  }
  // No restart happened.
  EXPECT_EQ(a_.process->pid(), a_pid);
  EXPECT_EQ(b_.process->pid(), b_pid);
  EXPECT_TRUE(a_.process->running());
  EXPECT_TRUE(b_.process->running());
  EXPECT_EQ(count(a_.log(), "serving"), 1u);
  EXPECT_EQ(count(b_.log(), "serving"), 1u);
}

// Kamailio as the peer partition (test/interop/kamailio-peer.cfg): it serves
// dave, relays requests for users it does not have to Tandem A, and accepts
// requests for dave from outside only from Tandem's address. A routes
// *@example.com to Kamailio and authorizes 127.0.0.3. MESSAGE and
// INVITE/ACK/BYE both ways.
TEST_F(FederationTest, KamailioAsThePeerPartition) {
  const uint16_t kamailio_port = freePort(kKamailio);
  start(a_, "alice", kKamailio, kamailio_port);
  kamailio_dir_ = clients_.path() / "kamailio";
  std::filesystem::create_directories(kamailio_dir_);
  std::string config = readFile(kInterop + "/kamailio-peer.cfg");
  ASSERT_FALSE(config.empty());
  replaceAll(config, "@KAM_ADDR@", kKamailio);
  replaceAll(config, "@KAM_PORT@", std::to_string(kamailio_port));
  replaceAll(config, "@TANDEM_ADDR@", kA);
  replaceAll(config, "@TANDEM_PORT@", std::to_string(a_.port));
  replaceAll(config, "@ADDRESS_FILE@", (kamailio_dir_ / "address.list").string());
  clients_.write("kamailio/address.list", "1 " + kA + " 32 0\n");
  clients_.write("kamailio/kamailio.cfg", config);
  kamailio_ = std::make_unique<Process>(
      std::vector<std::string>{"kamailio", "-f", (kamailio_dir_ / "kamailio.cfg").string(), "-DD", "-E", "-n", "1",
                               "-w", kamailio_dir_.string(), "-P", (kamailio_dir_ / "kamailio.pid").string()},
      kamailio_dir_, kamailio_dir_ / "kamailio.out", kamailio_dir_ / "kamailio.err");
  ASSERT_TRUE(kamailio_->started());

  // dave registers with Kamailio (no authentication there).
  const uint16_t dave_port = freePort(kBobUa);
  const std::string dave = "sip:dave@" + kBobUa + ":" + std::to_string(dave_port);
  UdpClient raw(kRaw);
  std::optional<std::string> registered;
  ASSERT_TRUE(eventually(
      [&] {
        raw.sendTo(kKamailio, kamailio_port,
                   "REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP " + kRaw + ":" +
                       std::to_string(raw.localPort()) +
                       ";branch=z9hG4bK-reg1\r\nMax-Forwards: 70\r\nFrom: <sip:dave@example.com>;tag=r1\r\n"
                       "To: <sip:dave@example.com>\r\nCall-ID: reg1@127.0.0.20\r\nCSeq: 1 REGISTER\r\nContact: <" +
                       dave + ">\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n");
        registered = raw.receive(milliseconds(300));
        return registered.has_value();
      },
      milliseconds(8000)))
      << diagnostics();
  ASSERT_EQ(registered->substr(0, 11), "SIP/2.0 200") << *registered;

  // alice (A) → dave (Kamailio): A forwards on its route, Kamailio delivers.
  auto dave_ua = messageUas(kBobUa, dave_port, dave, pathOf(a_));
  EXPECT_EQ(messageThrough(a_, "alice", "dave", 200), 0) << diagnostics();
  EXPECT_EQ(dave_ua->wait(milliseconds(20000)).value_or(-1), 0) << diagnostics();

  // dave (Kamailio) → alice (A): Kamailio relays to A, A trusts 127.0.0.3.
  const uint16_t alice_port = freePort(kAliceUa);
  const std::string alice = "sip:alice@" + kAliceUa + ":" + std::to_string(alice_port);
  ASSERT_EQ(registerOn(a_, "alice", alice), 0) << diagnostics();
  auto alice_ua = messageUas(kAliceUa, alice_port, alice, pathOf(a_));
  EXPECT_EQ(sippUac(scenario("federation_message_plain.xml",
                             {{"[from]", "dave"}, {"[to]", "alice"}, {"[expect]", "200"}, {"[check]", "SIP/2.0 200"}}),
                    kKamailio, kamailio_port),
            0)
      << diagnostics();
  EXPECT_EQ(alice_ua->wait(milliseconds(20000)).value_or(-1), 0) << diagnostics();

  // carol exists on neither: Kamailio's final 404 for what A forwards.
  EXPECT_EQ(messageThrough(a_, "alice", "carol", 404), 0) << diagnostics();

  // INVITE / ACK / BYE both ways: both record-route, the in-dialog requests
  // go through Kamailio and A.
  const std::string a = hostPortRegexp(kA, a_.port);
  const std::string k = hostPortRegexp(kKamailio, kamailio_port);
  const std::vector<std::string> vias{"Via: SIP/2\\.0/UDP " + k + ";branch=z9hG4bK",
                                      "Via: SIP/2\\.0/UDP " + a + ";branch=z9hG4bK"};
  const std::vector<std::string> record_routes{"Record-Route: <sip:" + k + ";lr", "<sip:" + a + ";lr>"};
  auto callee = [&](const std::string& address, uint16_t port, const std::string& contact) {
    std::string refs;
    std::vector<std::string> on_invite = vias;
    on_invite.insert(on_invite.end(), record_routes.begin(), record_routes.end());
    on_invite.push_back("^INVITE " + contact + " SIP/2.0");
    const std::string invite_checks = checks("i", on_invite, refs);
    const std::string ack_checks = checks("a", vias, refs);
    const std::string bye_checks = checks("b", vias, refs);
    return startSipp(scenario("federation_invite_uas.xml", {{"[invite_checks]", invite_checks},
                                                            {"[ack_checks]", ack_checks},
                                                            {"[bye_checks]", bye_checks},
                                                            {"[refs]", refs}}),
                     address, port);
  };
  {
    auto dave_callee = callee(kBobUa, dave_port, dave);
    std::string refs;
    const std::string uac_checks = checks("r", record_routes, refs);
    EXPECT_EQ(sippUac(scenario("federation_invite_uac.xml", {{"[checks]", uac_checks}, {"[refs]", refs}}), kA, a_.port,
                      "alice;alice-secret;dave", "dave@example.com"),
              0)
        << diagnostics();
    EXPECT_EQ(dave_callee->wait(milliseconds(20000)).value_or(-1), 0) << diagnostics();
  }
  {
    auto alice_callee = callee(kAliceUa, alice_port, alice);
    // proxy_invite_uac.xml as dave (no credentials: Kamailio does not ask),
    // checking A's Record-Route in the 200.
    EXPECT_EQ(sippUac(scenario("proxy_invite_uac.xml", {{"From: <sip:alice@", "From: <sip:dave@"},
                                                        {"Contact: <sip:alice@", "Contact: <sip:dave@"},
                                                        {"[service]", "alice"}}),
                      kKamailio, kamailio_port),
              0)
        << diagnostics();
    EXPECT_EQ(alice_callee->wait(milliseconds(20000)).value_or(-1), 0) << diagnostics();
  }
}

std::string routeEntry(const std::string& domain, const std::string& next_hop, uint16_t port, bool phone_uri,
                       bool replace_host) {
  return "[[routes]]\nuser = \"*\"\ndomain = \"" + domain + "\"\nnext_hop = \"" + next_hop +
         "\"\ntransport = \"udp\"\n" + (port == 0 ? std::string() : "port = " + std::to_string(port) + "\n") +
         "phone_uri = " + (phone_uri ? "true" : "false") + "\nreplace_host = " + (replace_host ? "true" : "false") +
         "\n\n";
}

// An application server on 127.0.0.10 that A trusts: its requests are not
// challenged, whoever they claim to be from.
const std::string kTrustedUac =
    "[[authorized_hosts]]\nhost = \"127.0.0.10\"\nthrottle_as_server = false\ntreat_as_authenticated = true\n\n";

// The static route's flags as the receiving agents see them (federation.md
// §2.1): phone_uri = true takes only phone URIs (bob's ordinary URI still
// crosses to B), phone_uri = false takes phone URIs too; replace_host = true
// puts the next hop in the Request-URI, false leaves it as the sender wrote it.
TEST_F(FederationTest, PhoneUriAndReplaceHostAsTheReceivingAgentsSeeThem) {
  const std::string gateway = "127.0.0.33";
  const std::string partner = "127.0.0.34";
  const std::string other = "127.0.0.35";
  const uint16_t gateway_port = freePort(gateway);
  const uint16_t partner_port = freePort(partner);
  const uint16_t other_port = freePort(other);
  start(a_, "alice", kB, b_.port, routeEntry("example.com", gateway, gateway_port, true, false),
        routeEntry("partner.example.net", partner, partner_port, false, true) +
            routeEntry("other.example.net", other, other_port, false, false) + kTrustedUac);
  start(b_, "bob", kA, a_.port);
  const uint16_t bob_port = freePort(kBobUa);
  const std::string bob = "sip:bob@" + kBobUa + ":" + std::to_string(bob_port);
  ASSERT_EQ(registerOn(b_, "bob", bob), 0) << diagnostics();

  const auto send = [&](const std::string& uri) {
    return sippUac(
        scenario("federation_message_plain.xml",
                 {{"sip:[to]@example.com", uri}, {"[from]", "alice"}, {"[expect]", "200"}, {"[check]", "SIP/2.0 200"}}),
        kA, a_.port);
  };
  {  // phone_uri on: the phone URI goes to the gateway, Request-URI untouched
    auto agent = messageUas(gateway, gateway_port, "sip:\\+15551234@example\\.com;user=phone", {});
    EXPECT_EQ(send("sip:+15551234@example.com;user=phone"), 0) << diagnostics();
    EXPECT_EQ(agent->wait(milliseconds(20000)).value_or(-1), 0) << diagnostics();
  }
  {  // ... and an ordinary URI of the same domain is not a phone URI: to B, to bob
    auto agent = messageUas(kBobUa, bob_port, bob, pathOf(a_));
    EXPECT_EQ(send("sip:bob@example.com"), 0) << diagnostics();
    EXPECT_EQ(agent->wait(milliseconds(20000)).value_or(-1), 0) << diagnostics();
  }
  {  // replace_host on: the next hop's address becomes the Request-URI host
    auto agent = messageUas(partner, partner_port, "sip:erin@127\\.0\\.0\\.34", {"To: <sip:erin@partner"});
    EXPECT_EQ(send("sip:erin@partner.example.net"), 0) << diagnostics();
    EXPECT_EQ(agent->wait(milliseconds(20000)).value_or(-1), 0) << diagnostics();
  }
  {  // phone_uri off takes phone URIs too; replace_host off leaves the URI alone
    auto agent = messageUas(other, other_port, "sip:\\+15559876@other\\.example\\.net;user=phone", {});
    EXPECT_EQ(send("sip:+15559876@other.example.net;user=phone"), 0) << diagnostics();
    EXPECT_EQ(agent->wait(milliseconds(20000)).value_or(-1), 0) << diagnostics();
  }
}

// tandemctl service restart of one partition: the other goes on routing to
// it, and bob's registration (durable) is there after the restart.
TEST_F(FederationTest, RestartingAPartitionWithTandemctlKeepsTheLink) {
  start(a_, "alice", kB, b_.port);
  const uint16_t admin_port = freePort(kB);
  configure(b_, "bob", kA, a_.port, {}, {}, kB + ":" + std::to_string(admin_port));
  std::string output;
  ASSERT_EQ(b_.ctl({"service", "start"}, output), 0) << output << b_.log();
  const auto pid_of = [](const std::string& text) {
    const size_t at = text.find("pid ");
    return at == std::string::npos ? pid_t{-1} : static_cast<pid_t>(std::stol(text.substr(at + 4)));
  };
  const pid_t first = pid_of(output);
  ASSERT_GT(first, 0) << output;
  const uint16_t bob_port = freePort(kBobUa);
  const std::string bob = "sip:bob@" + kBobUa + ":" + std::to_string(bob_port);
  ASSERT_EQ(registerOn(b_, "bob", bob), 0) << diagnostics();
  {
    auto agent = messageUas(kBobUa, bob_port, bob, pathOf(a_));
    EXPECT_EQ(messageThrough(a_, "alice", "bob", 200), 0) << diagnostics();
    EXPECT_EQ(agent->wait(milliseconds(20000)).value_or(-1), 0) << diagnostics();
  }
  ASSERT_EQ(b_.ctl({"service", "restart"}, output), 0) << output << b_.log();
  const pid_t second = pid_of(output.substr(output.find("started")));
  EXPECT_GT(second, 0) << output;
  EXPECT_NE(second, first) << output;
  {
    auto agent = messageUas(kBobUa, bob_port, bob, pathOf(a_));
    EXPECT_EQ(messageThrough(a_, "alice", "bob", 200), 0) << diagnostics();
    EXPECT_EQ(agent->wait(milliseconds(20000)).value_or(-1), 0) << diagnostics();
  }
  EXPECT_EQ(b_.ctl({"service", "stop"}, output), 0) << output << b_.log();
  if (second > 0 && ::kill(second, 0) == 0) {
    ::kill(second, SIGKILL);
  }
}

// Throttling (federation.md §6.4): one client flooding A is answered 503
// with Retry-After beyond the client limits, while alice → bob over the link
// (A's client limits for alice's client, B's server limits for A) loses
// nothing.
TEST_F(FederationTest, AFloodFromOneClientGets503sWhileTheLinkLosesNothing) {
  start(a_, "alice", kB, b_.port, {}, "[throttling]\nclient_rate = 20\nclient_burst = 20\n");
  start(b_, "bob", kA, a_.port);
  const uint16_t bob_port = freePort(kBobUa);
  const std::string bob = "sip:bob@" + kBobUa + ":" + std::to_string(bob_port);
  ASSERT_EQ(registerOn(b_, "bob", bob), 0) << diagnostics();
  constexpr int kMessages = 30;
  std::string refs;
  const std::string on_message = checks("m", {"^MESSAGE " + bob + " SIP/2.0"}, refs);
  auto bob_ua = startSipp(
      scenario("federation_message_uas.xml", {{"[checks]", on_message}, {"[refs]", refs}, {"[status]", "200"}}), kBobUa,
      bob_port, kMessages);

  std::atomic<bool> flooding{true};
  std::atomic<int> refused{0};
  std::atomic<int> answered{0};
  std::thread flood([&] {
    UdpClient flooder("127.0.0.11");
    for (int i = 0; flooding.load(); ++i) {
      flooder.sendTo(kA, a_.port,
                     "OPTIONS sip:a.example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.11:" +
                         std::to_string(flooder.localPort()) + ";branch=z9hG4bK-flood" + std::to_string(i) +
                         "\r\nMax-Forwards: 70\r\nFrom: <sip:flood@example.org>;tag=f\r\nTo: <sip:a.example.com>\r\n"
                         "Call-ID: flood" +
                         std::to_string(i) + "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
      while (auto answer = flooder.receive(milliseconds(i % 20 == 0 ? 1 : 0))) {
        ++answered;
        if (answer->rfind("SIP/2.0 503", 0) == 0 && answer->find("Retry-After:") != std::string::npos) {
          ++refused;
        }
      }
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  });
  // alice: 30 MESSAGEs at 5/s, each challenged once (10 requests/s, under
  // her client's 20/s).
  clients_.write("alice.csv", "SEQUENTIAL\nalice;alice-secret;bob\n");
  const std::string uac = scenario("registrar_message_uac.xml", {{"[expect]", "200"}, {"[check]", "SIP/2.0 200"}});
  std::string output;
  const int status = run({"sipp",
                          "-sf",
                          uac,
                          "-inf",
                          "alice.csv",
                          "-au",
                          "alice",
                          "-ap",
                          "alice-secret",
                          "-auth_uri",
                          "bob@example.com",
                          "-i",
                          kUac,
                          "-p",
                          std::to_string(freePort(kUac)),
                          "-t",
                          "u1",
                          "-m",
                          std::to_string(kMessages),
                          "-r",
                          "5",
                          "-timeout",
                          "40s",
                          "-timeout_error",
                          "-nostdin",
                          "-trace_err",
                          kA + ":" + std::to_string(a_.port)},
                         clients_.path(), output, milliseconds(60000));
  flooding = false;
  flood.join();
  uac_output_ = output + readErrors();
  EXPECT_EQ(status, 0) << diagnostics();
  EXPECT_EQ(bob_ua->wait(milliseconds(20000)).value_or(-1), 0) << diagnostics();
  EXPECT_GT(refused.load(), 1000) << "answered " << answered.load();
  // Logged once per 10 s window, not once per refusal.
  const size_t lines = count(a_.log(), "throttling 127.0.0.11");
  EXPECT_GE(lines, 1u);
  EXPECT_LE(lines, 2u) << a_.log();
  EXPECT_EQ(count(b_.log(), "throttling"), 0u) << b_.log();
}

// An outbound_only host may be sent to, never connect or send to us
// (federation.md §6.3): its TCP connection is closed at once, its UDP
// request answered 403. Other addresses hold at most
// throttling.client_connections connections at once.
TEST_F(FederationTest, OutboundOnlyHostsAndPerAddressConnectionLimits) {
  start(
      b_, "bob", kA, a_.port, {},
      "[[authorized_hosts]]\nhost = \"" + kRaw + "\"\noutbound_only = true\n\n[throttling]\nclient_connections = 3\n");
  const auto options = [&](int n) {
    return "OPTIONS sip:b.example.com SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.21:5999;branch=z9hG4bK-conn" +
           std::to_string(n) +
           "\r\nMax-Forwards: 70\r\nFrom: <sip:probe@example.org>;tag=c\r\nTo: <sip:b.example.com>\r\nCall-ID: conn" +
           std::to_string(n) + "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
  };
  {
    TcpClient refused(kB, b_.port, kRaw);
    ASSERT_TRUE(refused.connected());
    refused.send(options(0));
    std::string bytes;
    EXPECT_FALSE(refused.readUntil(bytes, "\r\n\r\n"));
    EXPECT_TRUE(refused.closed()) << bytes;
    EXPECT_TRUE(bytes.empty()) << bytes;
  }
  {
    UdpClient udp(kRaw);
    udp.sendTo(kB, b_.port,
               "OPTIONS sip:b.example.com SIP/2.0\r\nVia: SIP/2.0/UDP " + kRaw + ":" + std::to_string(udp.localPort()) +
                   ";branch=z9hG4bK-oo1\r\nMax-Forwards: 70\r\nFrom: <sip:probe@example.org>;tag=u\r\n"
                   "To: <sip:b.example.com>\r\nCall-ID: oo1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
    const std::string answer = udp.receive().value_or("");
    EXPECT_EQ(answer.rfind("SIP/2.0 403", 0), 0u) << answer;
    EXPECT_NE(answer.find("outbound only"), std::string::npos) << answer;
  }
  EXPECT_TRUE(eventually([&] { return count(b_.log(), "authorized outbound only") >= 2; }, milliseconds(3000)))
      << b_.log();

  // Three connections from 127.0.0.21 are served; a fourth is closed at once.
  std::vector<std::unique_ptr<TcpClient>> held;
  for (int i = 1; i <= 3; ++i) {
    held.push_back(std::make_unique<TcpClient>(kB, b_.port, "127.0.0.21"));
    ASSERT_TRUE(held.back()->send(options(i)));
    std::string bytes;
    EXPECT_TRUE(held.back()->readUntil(bytes, "\r\n\r\n")) << i << " " << bytes << b_.log();
    EXPECT_EQ(bytes.rfind("SIP/2.0 200", 0), 0u) << bytes;
  }
  {
    TcpClient fourth(kB, b_.port, "127.0.0.21");
    fourth.send(options(4));
    std::string bytes;
    EXPECT_FALSE(fourth.readUntil(bytes, "\r\n\r\n"));
    EXPECT_TRUE(fourth.closed()) << bytes;
  }
  // Another address is counted on its own.
  {
    TcpClient elsewhere(kB, b_.port, "127.0.0.22");
    elsewhere.send(options(5));
    std::string bytes;
    EXPECT_TRUE(elsewhere.readUntil(bytes, "\r\n\r\n")) << bytes;
  }
  // One closed: a new one is let in.
  held.pop_back();
  EXPECT_TRUE(eventually(
      [&] {
        TcpClient again(kB, b_.port, "127.0.0.21");
        std::string bytes;
        return again.send(options(6)) && again.readUntil(bytes, "\r\n\r\n", milliseconds(500));
      },
      milliseconds(5000)))
      << b_.log();
  EXPECT_NE(b_.log().find("(throttling.client_connections)"), std::string::npos) << b_.log();
}

// Next hops and authorized hosts named by FQDN (RFC 3263), resolved through
// a real DNS server (dnsmasq on loopback, the server files' [dns] servers):
// A routes *@example.com to b.example.test and authorizes it by name, B the
// same for a.example.test. MESSAGE both ways, the bounce recognised through
// the resolved address, an SRV route, replace_host with an FQDN, and a name
// that does not exist → 503 with the reason.
TEST_F(FederationTest, FqdnNextHopsAndHostsResolveThroughDns) {
  const std::string partner = "127.0.0.34";
  const std::string srv_agent = "127.0.0.35";
  const uint16_t partner_port = freePort(partner);
  const uint16_t srv_port = freePort(srv_agent);
  DnsRecords records;
  records.local_domains = {"example.test"};
  records.hosts = {{"a.example.test", kA, "", 0},
                   {"b.example.test", kB, "", 0},
                   {"gw.example.test", partner, "", 0},
                   {"gw2.example.test", srv_agent, "", 0}};
  records.srvs = {{"_sip._udp.srv.example.test", "gw2.example.test", srv_port, 10, 0}};
  Dnsmasq dns(records);
  ASSERT_TRUE(dns.started()) << dns.error();
  dns_section_ = "[dns]\nservers = [\"" + dns.server() + "\"]\n\n";

  start(a_, "alice", "b.example.test", b_.port, {},
        routeEntry("partner.example.net", "gw.example.test", partner_port, false, true) +
            routeEntry("srv.example.net", "srv.example.test", 0, false, false) +
            routeEntry("nowhere.example.net", "missing.example.test", 5060, false, false));
  start(b_, "bob", "a.example.test", a_.port);
  const uint16_t bob_port = freePort(kBobUa);
  const std::string bob = "sip:bob@" + kBobUa + ":" + std::to_string(bob_port);
  ASSERT_EQ(registerOn(b_, "bob", bob), 0) << diagnostics();
  const uint16_t alice_port = freePort(kAliceUa);
  const std::string alice = "sip:alice@" + kAliceUa + ":" + std::to_string(alice_port);
  ASSERT_EQ(registerOn(a_, "alice", alice), 0) << diagnostics();

  {  // alice → bob: A resolves b.example.test; B knows A by a.example.test
    auto agent = messageUas(kBobUa, bob_port, bob, pathOf(a_));
    EXPECT_EQ(messageThrough(a_, "alice", "bob", 200), 0) << diagnostics();
    EXPECT_EQ(agent->wait(milliseconds(20000)).value_or(-1), 0) << diagnostics();
  }
  {  // bob → alice
    auto agent = messageUas(kAliceUa, alice_port, alice, pathOf(b_));
    EXPECT_EQ(messageThrough(b_, "bob", "alice", 200), 0) << diagnostics();
    EXPECT_EQ(agent->wait(milliseconds(20000)).value_or(-1), 0) << diagnostics();
  }
  // carol: A → B once, B's route points at a.example.test = the source: 404.
  EXPECT_EQ(messageThrough(a_, "alice", "carol", 404, "Warning: 399 b.example.com \"User does not exist\""), 0)
      << diagnostics();
  EXPECT_EQ(count(a_.log(), "MESSAGE sip:carol@example.com: forwarded"), 1u) << diagnostics();
  EXPECT_EQ(count(b_.log(), "MESSAGE sip:carol@example.com: forwarded"), 0u) << diagnostics();

  const auto send = [&](const std::string& uri, int expect, const std::string& check) {
    return sippUac(scenario("federation_message_plain.xml", {{"sip:[to]@example.com", uri},
                                                             {"<sip:[from]@example.com>", "<sip:zed@example.org>"},
                                                             {"[expect]", std::to_string(expect)},
                                                             {"[check]", xmlAttribute(check)}}),
                   kA, a_.port);
  };
  {  // replace_host with an FQDN next hop: the name goes into the Request-URI
    auto agent = messageUas(partner, partner_port, "sip:erin@gw\\.example\\.test", {});
    EXPECT_EQ(send("sip:erin@partner.example.net", 200, "SIP/2.0 200"), 0) << diagnostics();
    EXPECT_EQ(agent->wait(milliseconds(20000)).value_or(-1), 0) << diagnostics();
  }
  {  // no port: the SRV record gives the target and the port
    auto agent = messageUas(srv_agent, srv_port, "sip:frank@srv\\.example\\.net", {});
    EXPECT_EQ(send("sip:frank@srv.example.net", 200, "SIP/2.0 200"), 0) << diagnostics();
    EXPECT_EQ(agent->wait(milliseconds(20000)).value_or(-1), 0) << diagnostics();
  }
  // A name that does not exist: 503 at once, naming it.
  EXPECT_EQ(send("sip:gina@nowhere.example.net", 503,
                 "Warning: 399 a.example.com \"Next hop cannot be resolved: "
                 "missing.example.test"),
            0)
      << diagnostics();
  // Answers are cached: b.example.test was asked for once or twice (A and
  // AAAA), not once per request.
  EXPECT_LE(dns.queriesFor("b.example.test"), 4) << diagnostics();
}

}  // namespace
}  // namespace tandem::test
