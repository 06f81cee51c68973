// The registrar, digest authentication and page-mode IM delivery, as a
// process between real clients on loopback:
//   SIPp / a raw digest client (127.0.0.10, 127.0.0.20) → tandemd (127.0.0.1)
//   → the registered user's SIPp UAS (127.0.0.31)
// RFC 3261 §10 (REGISTER, bindings, 423, Contact: *), §22 with RFC 7616 /
// RFC 8760 (MD5 and SHA-256, nonce-count replay, 401/407/403, brute force),
// RFC 3428 (MESSAGE to every contact; 480, 404, 413), and durability: a 200
// to REGISTER survives kill -9.
//
// SIPp 3.6 (Debian 12) computes MD5 digests only: the SHA-256 and the replay
// cases use the raw client below, which computes RFC 7616 responses itself.

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <csignal>
#include <map>
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
const std::string kRaw = "127.0.0.20";
const std::string kUserAgent = "127.0.0.31";

std::string hexDigest(const std::string& algorithm, const std::string& data) {
  const EVP_MD* md = algorithm == "SHA-256" ? EVP_sha256() : EVP_md5();
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, md, nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string text;
  for (unsigned int i = 0; i < n; ++i) {
    text += kHex[out[i] >> 4];
    text += kHex[out[i] & 15];
  }
  return text;
}

// A SIP response as the raw client reads it.
struct Reply {
  int status = 0;
  std::string text;
  // The values of every `name` line (exact case, one value per line).
  std::vector<std::string> headers(const std::string& name) const { return headerValues(text, name); }
};

// An auth-param's value (quoted or token) in a challenge.
std::string param(const std::string& value, const std::string& name) {
  for (size_t at = value.find(name + "="); at != std::string::npos; at = value.find(name + "=", at + 1)) {
    if (at > 0 && value[at - 1] != ' ' && value[at - 1] != ',') {
      continue;  // "nonce=" inside "cnonce="
    }
    size_t start = at + name.size() + 1;
    if (start < value.size() && value[start] == '"') {
      return value.substr(start + 1, value.find('"', start + 1) - start - 1);
    }
    return value.substr(start, value.find_first_of(",; ", start) - start);
  }
  return {};
}

// A hand-made UAC that computes digest responses (RFC 7616 §3.4.1, qop=auth).
class DigestClient {
 public:
  explicit DigestClient(uint16_t server_port) : port_(server_port), udp_(kRaw) {}

  // Sends a REGISTER (or MESSAGE) and returns the final response.
  Reply send(const std::string& method, const std::string& ruri, const std::string& from_user,
             const std::string& to_user, const std::vector<std::string>& extra, const std::string& body = {}) {
    const std::string branch = "z9hG4bK-raw" + std::to_string(++sequence_);
    std::string request =
        method + " " + ruri + " SIP/2.0\r\nVia: SIP/2.0/UDP " + kRaw + ":" + std::to_string(udp_.localPort()) +
        ";branch=" + branch + "\r\nMax-Forwards: 70\r\nFrom: <sip:" + from_user + "@example.com>;tag=raw" +
        std::to_string(sequence_) + "\r\nTo: <sip:" + to_user + "@example.com>\r\nCall-ID: " + call_id_ +
        "\r\nCSeq: " + std::to_string(++cseq_) + " " + method + "\r\n";
    for (const std::string& line : extra) {
      request += line + "\r\n";
    }
    if (!body.empty()) {
      request += "Content-Type: text/plain\r\n";
    }
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    udp_.sendTo(kServer, port_, request);
    for (;;) {
      const auto datagram = udp_.receive(milliseconds(5000));
      if (!datagram) {
        return Reply{};
      }
      Reply reply{std::stoi(datagram->substr(8, 3)), *datagram};
      if (reply.status >= 200 && reply.text.find(branch) != std::string::npos) {
        return reply;
      }
    }
  }

  // The Authorization value answering `challenge` (one WWW-Authenticate /
  // Proxy-Authenticate value).
  static std::string credentials(const std::string& challenge, const std::string& user, const std::string& password,
                                 const std::string& method, const std::string& uri, const std::string& nc) {
    const std::string algorithm = param(challenge, "algorithm").empty() ? "MD5" : param(challenge, "algorithm");
    const std::string realm = param(challenge, "realm");
    const std::string nonce = param(challenge, "nonce");
    const std::string cnonce = "0a4f113b";
    const std::string ha1 = hexDigest(algorithm, user + ":" + realm + ":" + password);
    const std::string ha2 = hexDigest(algorithm, method + ":" + uri);
    const std::string response = hexDigest(algorithm, ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2);
    return "Digest username=\"" + user + "\", realm=\"" + realm + "\", nonce=\"" + nonce + "\", uri=\"" + uri +
           "\", response=\"" + response + "\", algorithm=" + algorithm + ", cnonce=\"" + cnonce +
           "\", qop=auth, nc=" + nc;
  }

  static std::string challengeFor(const Reply& reply, const std::string& header, const std::string& algorithm) {
    for (const std::string& value : reply.headers(header)) {
      const std::string offered = param(value, "algorithm").empty() ? "MD5" : param(value, "algorithm");
      if (offered == algorithm) {
        return value;
      }
    }
    return {};
  }

  void newCallId(const std::string& id) { call_id_ = id; }

 private:
  uint16_t port_;
  UdpClient udp_;
  int sequence_ = 0;
  uint32_t cseq_ = 0;
  std::string call_id_ = "raw-call-1@127.0.0.20";
};

class RegistrarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.write("pool.toml",
               "domains = [\"example.com\"]\n\n"
               "[[users]]\nuri = \"sip:alice@example.com\"\npassword = \"alice-secret\"\n\n"
               "[[users]]\nuri = \"sip:bob@example.com\"\npassword = \"bob-secret\"\n\n"
               "[[users]]\nuri = \"sip:carol@example.com\"\npassword = \"carol-secret\"\n");
    writeServerFile();
    std::string output;
    ASSERT_EQ(run({kTandemctl, "--config", "server.toml", "pool", "apply", "pool.toml"}, dir_.path(), output), 0)
        << output;
    startServer();
  }

  void TearDown() override {
    if (tandemd_ && tandemd_->running()) {
      tandemd_->signal(SIGTERM);
      EXPECT_EQ(tandemd_->wait(milliseconds(10000)), 0) << log();
    }
  }

  void writeServerFile() {
    port_ = freePort(kServer);
    const std::string p = std::to_string(port_);
    dir_.write("server.toml",
               "[server]\nfqdn = \"lcs1.example.com\"\nstore = \"sqlite:tandem.db\"\nadmin = \"\"\n"
               "workers = 2\n\n[[connections]]\naddress = \"127.0.0.1\"\ntransport = \"udp\"\nport = " +
                   p + "\n\n[[connections]]\naddress = \"127.0.0.1\"\ntransport = \"tcp\"\nport = " + p +
                   "\n\n[limits]\nmax_im_body = 200\n\n[auth]\nfailure_limit = 4\n"
                   // SIPp 3.6 answers the first challenge and knows only MD5: MD5 first
                   "algorithms = [\"MD5\", \"SHA-256\"]\n" +
                   extra_config_);
  }

  void startServer() {
    std::filesystem::remove(dir_.path() / "tandemd.log");
    const size_t serving = 0;
    tandemd_ = std::make_unique<Process>(std::vector<std::string>{kTandemd, "--config", "server.toml"}, dir_.path(),
                                         dir_.path() / "tandemd.out", dir_.path() / "tandemd.log");
    ASSERT_TRUE(tandemd_->started());
    ASSERT_TRUE(eventually([&] { return count(log(), "serving") > serving || !tandemd_->running(); }));
    ASSERT_TRUE(tandemd_->running()) << log();
  }

  std::string log() const { return readFile(dir_.path() / "tandemd.log"); }

  static size_t count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
      ++n;
    }
    return n;
  }

  // A copy of a scenario with "[expect]" and "[check]" filled in.
  std::string scenario(const std::string& name, int expect, const std::string& check) {
    std::string text = readFile(kScenarios + "/" + name);
    std::string attribute;  // `check` goes into an XML attribute
    for (char c : check) {
      attribute += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '"' ? "&quot;" : std::string(1, c);
    }
    for (auto [key, value] : {std::pair<std::string, std::string>{"[expect]", std::to_string(expect)},
                              std::pair<std::string, std::string>{"[check]", attribute}}) {
      for (size_t at = text.find(key); at != std::string::npos; at = text.find(key)) {
        text.replace(at, key.size(), value);
      }
    }
    const std::string file = "scenario-" + std::to_string(++scenarios_) + ".xml";
    dir_.write(file, text);
    return (dir_.path() / file).string();
  }

  // SIPp as a UAC with one injection line; its exit status.
  // `auth_uri`: the digest uri without "sip:" (SIPp's default is the
  // server's address, not the Request-URI the digest must name).
  int sippUac(const std::string& scenario_file, const std::string& fields, const std::string& auth_uri,
              const std::string& transport = "u1") {
    dir_.write("fields.csv", "SEQUENTIAL\n" + fields + "\n");
    const std::string user = fields.substr(0, fields.find(';'));
    const std::string rest = fields.substr(fields.find(';') + 1);
    const std::string password = rest.substr(0, rest.find(';'));
    std::vector<std::string> argv{"sipp",
                                  "-sf",
                                  scenario_file,
                                  "-inf",
                                  "fields.csv",
                                  "-au",
                                  user,
                                  "-ap",
                                  password,
                                  "-auth_uri",
                                  auth_uri,
                                  "-i",
                                  kUac,
                                  "-p",
                                  std::to_string(freePort(kUac)),
                                  "-t",
                                  transport,
                                  "-m",
                                  "1",
                                  "-timeout",
                                  "30s",
                                  "-timeout_error",
                                  "-nostdin",
                                  "-trace_err",
                                  kServer + ":" + std::to_string(port_)};
    return run(argv, dir_.path(), uac_output_, milliseconds(60000));
  }

  int registerWithSipp(const std::string& user, const std::string& password, const std::string& contact,
                       int expect = 200, const std::string& expires = "600", const std::string& transport = "u1") {
    const std::string check = expect == 200 ? "Contact: <" + contact + ">;expires=" : "Warning: 399 lcs1.example.com";
    return sippUac(scenario("registrar_register.xml", expect, check),
                   user + ";" + password + ";" + contact + ";" + expires, "example.com", transport);
  }

  int messageWithSipp(const std::string& from, const std::string& password, const std::string& to, int expect,
                      const std::string& check = "SIP/2.0", const std::string& transport = "u1") {
    return sippUac(scenario("registrar_message_uac.xml", expect, check), from + ";" + password + ";" + to,
                   to + "@example.com", transport);
  }

  // The registered user's client, answering `calls` MESSAGEs at `contact`.
  std::unique_ptr<Process> startUserAgent(uint16_t port, const std::string& contact, int calls = 1, int status = 200) {
    // SIPp expands no -key inside a regexp or a status line: a copy.
    std::string text = readFile(kScenarios + "/registrar_message_uas.xml");
    for (size_t at = text.find("[contact]"); at != std::string::npos; at = text.find("[contact]")) {
      text.replace(at, 9, contact);
    }
    for (size_t at = text.find("[status]"); at != std::string::npos; at = text.find("[status]")) {
      text.replace(at, 8, std::to_string(status));
    }
    const std::string file = "ua-" + std::to_string(++scenarios_) + ".xml";
    dir_.write(file, text);
    std::vector<std::string> argv{"sipp",
                                  "-sf",
                                  (dir_.path() / file).string(),
                                  "-i",
                                  kUserAgent,
                                  "-p",
                                  std::to_string(port),
                                  "-t",
                                  "u1",
                                  "-m",
                                  std::to_string(calls),
                                  "-timeout",
                                  "30s",
                                  "-timeout_error",
                                  "-nostdin",
                                  "-trace_err"};
    return startSipp(argv);
  }

  std::unique_ptr<Process> startSipp(const std::vector<std::string>& argv) {
    const std::string name = "sipp-" + std::to_string(++processes_);
    auto uas =
        std::make_unique<Process>(argv, dir_.path(), dir_.path() / (name + ".out"), dir_.path() / (name + ".err"));
    EXPECT_TRUE(uas->started());
    std::this_thread::sleep_for(milliseconds(300));
    return uas;
  }

  std::string diagnostics() const {
    std::string text = "UAC:\n" + uac_output_;
    for (int i = 1; i <= processes_; ++i) {
      const std::string name = "sipp-" + std::to_string(i);
      text += "\n" + name + ":\n" + readFile(dir_.path() / (name + ".out")) + readFile(dir_.path() / (name + ".err"));
    }
    return text + "\ntandemd:\n" + log();
  }

  // Registers `user` through the raw client with `algorithm`; the 200.
  Reply registerRaw(DigestClient& client, const std::string& user, const std::string& password,
                    const std::string& contact, const std::string& algorithm, const std::string& expires = "600") {
    const std::vector<std::string> base{"Contact: <" + contact + ">", "Expires: " + expires};
    const Reply challenge = client.send("REGISTER", "sip:example.com", user, user, base);
    EXPECT_EQ(challenge.status, 401) << challenge.text;
    const std::string offer = DigestClient::challengeFor(challenge, "WWW-Authenticate", algorithm);
    EXPECT_FALSE(offer.empty()) << "no " << algorithm << " challenge in\n" << challenge.text;
    std::vector<std::string> with_credentials = base;
    with_credentials.push_back("Authorization: " + DigestClient::credentials(offer, user, password, "REGISTER",
                                                                             "sip:example.com", "00000001"));
    return client.send("REGISTER", "sip:example.com", user, user, with_credentials);
  }

  TempDir dir_;
  uint16_t port_ = 0;
  std::string extra_config_;
  std::unique_ptr<Process> tandemd_;
  std::string uac_output_;
  int scenarios_ = 0;
  int processes_ = 0;
};

TEST_F(RegistrarTest, RegisterWithMd5ThenMessageFromAnotherUserIsDelivered) {
  const uint16_t ua_port = freePort(kUserAgent);
  const std::string contact = "sip:alice@" + kUserAgent + ":" + std::to_string(ua_port);
  ASSERT_EQ(registerWithSipp("alice", "alice-secret", contact), 0) << diagnostics();
  auto ua = startUserAgent(ua_port, contact);
  EXPECT_EQ(messageWithSipp("bob", "bob-secret", "alice", 200), 0) << diagnostics();
  EXPECT_EQ(ua->wait(milliseconds(30000)).value_or(-1), 0) << diagnostics();
}

// The same over TCP: REGISTER and the 200 on the client's connection, the
// MESSAGE from a TCP client delivered to a UDP contact.
TEST_F(RegistrarTest, RegisterAndMessageOverTcp) {
  const uint16_t ua_port = freePort(kUserAgent);
  const std::string contact = "sip:alice@" + kUserAgent + ":" + std::to_string(ua_port);
  ASSERT_EQ(registerWithSipp("alice", "alice-secret", contact, 200, "600", "t1"), 0) << diagnostics();
  auto ua = startUserAgent(ua_port, contact);
  EXPECT_EQ(messageWithSipp("bob", "bob-secret", "alice", 200, "SIP/2.0", "t1"), 0) << diagnostics();
  EXPECT_EQ(ua->wait(milliseconds(30000)).value_or(-1), 0) << diagnostics();
}

TEST_F(RegistrarTest, RegisterWithSha256ThenMessageIsDelivered) {
  DigestClient client(port_);
  const uint16_t ua_port = freePort(kUserAgent);
  const std::string contact = "sip:alice@" + kUserAgent + ":" + std::to_string(ua_port);
  const Reply ok = registerRaw(client, "alice", "alice-secret", contact, "SHA-256");
  ASSERT_EQ(ok.status, 200) << ok.text << log();
  ASSERT_EQ(ok.headers("Contact").size(), 1u) << ok.text;
  EXPECT_NE(ok.headers("Contact")[0].find("<" + contact + ">;expires="), std::string::npos) << ok.text;
  EXPECT_FALSE(ok.headers("Date").empty()) << ok.text;
  auto ua = startUserAgent(ua_port, contact);
  EXPECT_EQ(messageWithSipp("bob", "bob-secret", "alice", 200), 0) << diagnostics();
  EXPECT_EQ(ua->wait(milliseconds(30000)).value_or(-1), 0) << diagnostics();
}

TEST_F(RegistrarTest, ChallengeOffersTheConfiguredAlgorithmsInOrder) {
  DigestClient client(port_);
  const Reply challenge =
      client.send("REGISTER", "sip:example.com", "alice", "alice", {"Contact: <sip:alice@127.0.0.31:5999>"});
  ASSERT_EQ(challenge.status, 401) << challenge.text;
  const auto offers = challenge.headers("WWW-Authenticate");
  ASSERT_EQ(offers.size(), 2u) << challenge.text;
  EXPECT_EQ(param(offers[0], "algorithm"), "MD5");
  EXPECT_EQ(param(offers[1], "algorithm"), "SHA-256");
  EXPECT_EQ(param(offers[0], "qop"), "auth");
  EXPECT_EQ(param(offers[0], "realm"), "example.com");
}

TEST_F(RegistrarTest, WrongPasswordIsRefused) {
  EXPECT_EQ(registerWithSipp("alice", "not-the-password", "sip:alice@127.0.0.31:5999", 403), 0) << diagnostics();
}

TEST_F(RegistrarTest, ReplayedNonceCountIsRefusedAsStale) {
  DigestClient client(port_);
  const std::vector<std::string> base{"Contact: <sip:alice@127.0.0.31:5999>", "Expires: 600"};
  const Reply challenge = client.send("REGISTER", "sip:example.com", "alice", "alice", base);
  ASSERT_EQ(challenge.status, 401);
  const std::string offer = DigestClient::challengeFor(challenge, "WWW-Authenticate", "MD5");
  auto with = [&](const std::string& nc) {
    std::vector<std::string> lines = base;
    lines.push_back("Authorization: " +
                    DigestClient::credentials(offer, "alice", "alice-secret", "REGISTER", "sip:example.com", nc));
    return lines;
  };
  EXPECT_EQ(client.send("REGISTER", "sip:example.com", "alice", "alice", with("00000001")).status, 200) << log();
  // The same nonce and nonce-count again (a replay): a fresh challenge, stale.
  const Reply replay = client.send("REGISTER", "sip:example.com", "alice", "alice", with("00000001"));
  ASSERT_EQ(replay.status, 401) << replay.text;
  EXPECT_NE(replay.text.find("stale=true"), std::string::npos) << replay.text;
  // The next count on the same nonce is accepted.
  EXPECT_EQ(client.send("REGISTER", "sip:example.com", "alice", "alice", with("00000002")).status, 200);
}

TEST_F(RegistrarTest, AUserCannotRegisterOrSendAsAnother) {
  DigestClient client(port_);
  // bob's credentials for alice's address of record
  const std::vector<std::string> base{"Contact: <sip:alice@127.0.0.31:5999>"};
  const Reply challenge = client.send("REGISTER", "sip:example.com", "alice", "alice", base);
  const std::string offer = DigestClient::challengeFor(challenge, "WWW-Authenticate", "MD5");
  std::vector<std::string> lines = base;
  lines.push_back("Authorization: " +
                  DigestClient::credentials(offer, "bob", "bob-secret", "REGISTER", "sip:example.com", "00000001"));
  const Reply refused = client.send("REGISTER", "sip:example.com", "alice", "alice", lines);
  EXPECT_EQ(refused.status, 403) << refused.text;
  EXPECT_FALSE(refused.headers("Warning").empty()) << refused.text;

  // A MESSAGE claiming to be from alice, authenticated as bob.
  const Reply message_challenge = client.send("MESSAGE", "sip:carol@example.com", "alice", "carol", {}, "hi");
  ASSERT_EQ(message_challenge.status, 407) << message_challenge.text;
  const std::string message_offer = DigestClient::challengeFor(message_challenge, "Proxy-Authenticate", "MD5");
  const Reply spoofed =
      client.send("MESSAGE", "sip:carol@example.com", "alice", "carol",
                  {"Proxy-Authorization: " + DigestClient::credentials(message_offer, "bob", "bob-secret", "MESSAGE",
                                                                       "sip:carol@example.com", "00000001")},
                  "hi");
  EXPECT_EQ(spoofed.status, 403) << spoofed.text;
}

TEST_F(RegistrarTest, KnownUserWithoutBindingGets480AndUnknownUser404) {
  EXPECT_EQ(messageWithSipp("bob", "bob-secret", "carol", 480, "Warning: 399 lcs1.example.com"), 0) << diagnostics();
  EXPECT_EQ(messageWithSipp("bob", "bob-secret", "dave", 404, "Warning: 399 lcs1.example.com \"User does not exist\""),
            0)
      << diagnostics();
}

// A disabled user keeps its bindings but gets nothing (480), and may not
// register (403); enabled again, it is reachable again — without a restart.
TEST_F(RegistrarTest, ADisabledUserGets480AndCannotRegister) {
  DigestClient client(port_);
  const uint16_t ua_port = freePort(kUserAgent);
  const std::string contact = "sip:alice@" + kUserAgent + ":" + std::to_string(ua_port);
  ASSERT_EQ(registerRaw(client, "alice", "alice-secret", contact, "MD5").status, 200);
  auto pool_loads = [&] { return count(log(), "pool settings loaded"); };
  const size_t loads = pool_loads();
  std::string output;
  ASSERT_EQ(
      run({kTandemctl, "--config", "server.toml", "user", "disable", "sip:alice@example.com"}, dir_.path(), output), 0)
      << output;
  ASSERT_TRUE(eventually([&] { return pool_loads() > loads; }, milliseconds(3000))) << log();
  EXPECT_EQ(messageWithSipp("bob", "bob-secret", "alice", 480, "Warning: 399 lcs1.example.com \"User is disabled\""), 0)
      << diagnostics();
  const Reply refused = registerRaw(client, "alice", "alice-secret", contact, "MD5");
  EXPECT_EQ(refused.status, 403) << refused.text;

  const size_t before_enable = pool_loads();
  ASSERT_EQ(
      run({kTandemctl, "--config", "server.toml", "user", "enable", "sip:alice@example.com"}, dir_.path(), output), 0)
      << output;
  ASSERT_TRUE(eventually([&] { return pool_loads() > before_enable; }, milliseconds(3000))) << log();
  auto ua = startUserAgent(ua_port, contact);
  EXPECT_EQ(messageWithSipp("bob", "bob-secret", "alice", 200), 0) << diagnostics();
  EXPECT_EQ(ua->wait(milliseconds(30000)).value_or(-1), 0) << diagnostics();
}

TEST_F(RegistrarTest, MessageBodyOverTheLimitGets413) {
  DigestClient client(port_);
  const Reply ok = registerRaw(client, "alice", "alice-secret", "sip:alice@127.0.0.31:5999", "MD5");
  ASSERT_EQ(ok.status, 200) << ok.text;
  client.newCallId("raw-call-2@127.0.0.20");
  const std::string body(300, 'x');  // [limits] max_im_body = 200
  const Reply challenge = client.send("MESSAGE", "sip:alice@example.com", "bob", "alice", {}, body);
  ASSERT_EQ(challenge.status, 407);
  const std::string offer = DigestClient::challengeFor(challenge, "Proxy-Authenticate", "MD5");
  const Reply big =
      client.send("MESSAGE", "sip:alice@example.com", "bob", "alice",
                  {"Proxy-Authorization: " + DigestClient::credentials(offer, "bob", "bob-secret", "MESSAGE",
                                                                       "sip:alice@example.com", "00000001")},
                  body);
  EXPECT_EQ(big.status, 413) << big.text;
}

TEST_F(RegistrarTest, ShortExpiryGets423AndUnregisterRemovesTheBinding) {
  DigestClient client(port_);
  const Reply brief = registerRaw(client, "alice", "alice-secret", "sip:alice@127.0.0.31:5999", "MD5", "10");
  EXPECT_EQ(brief.status, 423) << brief.text;
  ASSERT_EQ(brief.headers("Min-Expires").size(), 1u) << brief.text;
  EXPECT_EQ(brief.headers("Min-Expires")[0], "60");

  ASSERT_EQ(registerRaw(client, "alice", "alice-secret", "sip:alice@127.0.0.31:5999", "MD5").status, 200);
  const Reply second = registerRaw(client, "alice", "alice-secret", "sip:alice@127.0.0.31:5998", "MD5");
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.headers("Contact").size(), 2u) << second.text;  // the 200 lists every binding
  const Reply removed = registerRaw(client, "alice", "alice-secret", "sip:alice@127.0.0.31:5999", "MD5", "0");
  ASSERT_EQ(removed.status, 200);
  EXPECT_EQ(removed.headers("Contact").size(), 1u) << removed.text;

  // Contact: * with Expires: 0 removes the rest.
  const std::vector<std::string> base{"Contact: *", "Expires: 0"};
  const Reply challenge = client.send("REGISTER", "sip:example.com", "alice", "alice", base);
  std::vector<std::string> lines = base;
  lines.push_back("Authorization: " +
                  DigestClient::credentials(DigestClient::challengeFor(challenge, "WWW-Authenticate", "MD5"), "alice",
                                            "alice-secret", "REGISTER", "sip:example.com", "00000001"));
  const Reply all = client.send("REGISTER", "sip:example.com", "alice", "alice", lines);
  ASSERT_EQ(all.status, 200) << all.text;
  EXPECT_TRUE(all.headers("Contact").empty()) << all.text;
  EXPECT_EQ(messageWithSipp("bob", "bob-secret", "alice", 480), 0) << diagnostics();
}

TEST_F(RegistrarTest, RepeatedFailuresFromOneSourceAreSlowedDown) {
  DigestClient client(port_);
  const std::vector<std::string> base{"Contact: <sip:alice@127.0.0.31:5999>"};
  const Reply challenge = client.send("REGISTER", "sip:example.com", "alice", "alice", base);
  const std::string offer = DigestClient::challengeFor(challenge, "WWW-Authenticate", "MD5");
  Reply reply;
  for (int attempt = 1; attempt <= 5; ++attempt) {  // [auth] failure_limit = 4
    std::vector<std::string> lines = base;
    lines.push_back("Authorization: " + DigestClient::credentials(offer, "alice", "guess-" + std::to_string(attempt),
                                                                  "REGISTER", "sip:example.com",
                                                                  "0000000" + std::to_string(attempt)));
    reply = client.send("REGISTER", "sip:example.com", "alice", "alice", lines);
    if (attempt <= 4) {
      EXPECT_EQ(reply.status, 403) << "attempt " << attempt << "\n" << reply.text;
    }
  }
  // Blocked now: even the right password waits for the window to end.
  EXPECT_EQ(reply.status, 503) << reply.text;
  EXPECT_EQ(client.send("REGISTER", "sip:example.com", "alice", "alice", base).status, 503);
  EXPECT_FALSE(reply.headers("Retry-After").empty()) << reply.text;
  EXPECT_EQ(count(log(), "blocked after"), 1u) << log();  // logged once per window
}

TEST_F(RegistrarTest, RegistrationSurvivesKill9RightAfterThe200) {
  DigestClient client(port_);
  const uint16_t ua_port = freePort(kUserAgent);
  const std::string contact = "sip:alice@" + kUserAgent + ":" + std::to_string(ua_port);
  ASSERT_EQ(registerRaw(client, "alice", "alice-secret", contact, "SHA-256").status, 200);
  tandemd_->signal(SIGKILL);  // no graceful stop: only what was committed survives
  ASSERT_TRUE(tandemd_->wait(milliseconds(5000)).has_value());
  startServer();
  EXPECT_NE(log().find("registrar: 1 binding(s) of 1 user(s) loaded"), std::string::npos) << log();
  auto ua = startUserAgent(ua_port, contact);
  EXPECT_EQ(messageWithSipp("bob", "bob-secret", "alice", 200), 0) << diagnostics();
  EXPECT_EQ(ua->wait(milliseconds(30000)).value_or(-1), 0) << diagnostics();
}

// RFC 3261 §16.7 with real branches: a MESSAGE to a user with two contacts
// goes to both; one is busy, the other answers 200, and the 200 is what the
// sender gets.
TEST_F(RegistrarTest, MessageForksToEveryContactAndTheBestResponseWins) {
  DigestClient client(port_);
  const uint16_t busy_port = freePort(kUserAgent);
  const std::string busy = "sip:alice@" + kUserAgent + ":" + std::to_string(busy_port);
  const uint16_t ok_port = freePort(kUserAgent);
  const std::string ok = "sip:alice@" + kUserAgent + ":" + std::to_string(ok_port);
  ASSERT_EQ(registerRaw(client, "alice", "alice-secret", busy, "MD5").status, 200);
  const Reply both = registerRaw(client, "alice", "alice-secret", ok, "MD5");
  ASSERT_EQ(both.headers("Contact").size(), 2u) << both.text;
  auto busy_ua = startUserAgent(busy_port, busy, 1, 486);
  auto ok_ua = startUserAgent(ok_port, ok, 1, 200);
  EXPECT_EQ(messageWithSipp("bob", "bob-secret", "alice", 200), 0) << diagnostics();
  EXPECT_EQ(busy_ua->wait(milliseconds(30000)).value_or(-1), 0) << diagnostics();
  EXPECT_EQ(ok_ua->wait(milliseconds(30000)).value_or(-1), 0) << diagnostics();
}

// Every branch failing: the best final response of them (§16.7 item 6:
// the lowest class, 4xx over 5xx).
TEST_F(RegistrarTest, MessageForkWithEveryBranchFailingAnswersTheBestError) {
  DigestClient client(port_);
  const uint16_t a_port = freePort(kUserAgent);
  const std::string a = "sip:alice@" + kUserAgent + ":" + std::to_string(a_port);
  const uint16_t b_port = freePort(kUserAgent);
  const std::string b = "sip:alice@" + kUserAgent + ":" + std::to_string(b_port);
  ASSERT_EQ(registerRaw(client, "alice", "alice-secret", a, "MD5").status, 200);
  ASSERT_EQ(registerRaw(client, "alice", "alice-secret", b, "MD5").status, 200);
  auto a_ua = startUserAgent(a_port, a, 1, 503);
  auto b_ua = startUserAgent(b_port, b, 1, 486);
  EXPECT_EQ(messageWithSipp("bob", "bob-secret", "alice", 486), 0) << diagnostics();
  EXPECT_EQ(a_ua->wait(milliseconds(30000)).value_or(-1), 0) << diagnostics();
  EXPECT_EQ(b_ua->wait(milliseconds(30000)).value_or(-1), 0) << diagnostics();
}

// A call to a user with two contacts: one rings, the other answers; the
// ringing branch is CANCELled (§16.7 item 10), the call goes on through the
// Record-Route (ACK, BYE).
TEST_F(RegistrarTest, InviteForksAndTheRingingBranchIsCancelledWhenAnotherAnswers) {
  DigestClient client(port_);
  const uint16_t ringing_port = freePort(kUserAgent);
  const uint16_t answering_port = freePort(kUserAgent);
  ASSERT_EQ(registerRaw(client, "alice", "alice-secret", "sip:alice@" + kUserAgent + ":" + std::to_string(ringing_port),
                        "MD5")
                .status,
            200);
  ASSERT_EQ(registerRaw(client, "alice", "alice-secret",
                        "sip:alice@" + kUserAgent + ":" + std::to_string(answering_port), "MD5")
                .status,
            200);
  auto sipp = [&](const std::string& scenario, uint16_t port) {
    return startSipp({"sipp", "-sf", kScenarios + "/" + scenario, "-i", kUserAgent, "-p", std::to_string(port), "-t",
                      "u1", "-m", "1", "-timeout", "30s", "-timeout_error", "-nostdin", "-trace_err"});
  };
  auto ringing = sipp("proxy_cancel_uas.xml", ringing_port);
  auto answering = sipp("proxy_invite_uas.xml", answering_port);
  EXPECT_EQ(sippUac(kScenarios + "/registrar_invite_uac.xml", "bob;bob-secret;alice", "alice@example.com"), 0)
      << diagnostics();
  EXPECT_EQ(ringing->wait(milliseconds(30000)).value_or(-1), 0) << diagnostics();
  EXPECT_EQ(answering->wait(milliseconds(30000)).value_or(-1), 0) << diagnostics();
}

TEST_F(RegistrarTest, OptionsToTheServerAnswers200WithCapabilities) {
  UdpClient udp(kRaw);
  udp.sendTo(kServer, port_,
             "OPTIONS sip:lcs1.example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.20:" + std::to_string(udp.localPort()) +
                 ";branch=z9hG4bK-opt1\r\nMax-Forwards: 70\r\nFrom: <sip:monitor@lb.example.net>;tag=1\r\n"
                 "To: <sip:lcs1.example.com>\r\nCall-ID: opt1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
  const auto reply = udp.receive(milliseconds(3000));
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->substr(0, 15), "SIP/2.0 200 OK\r");
  EXPECT_NE(reply->find("\r\nAllow: "), std::string::npos) << *reply;
  EXPECT_NE(reply->find("\r\nAccept: "), std::string::npos) << *reply;
  EXPECT_NE(reply->find("\r\nSupported:"), std::string::npos) << *reply;
}

}  // namespace
}  // namespace tandem::test
