// Presence end to end (RFC 3903 PUBLISH, RFC 6665 / RFC 3856 SUBSCRIBE and
// NOTIFY, RFC 3857 watcher info), tandemd between real clients on loopback:
//   SIPp with digest (127.0.0.10 publisher, 127.0.0.31 watcher) and a raw
//   client on 127.0.0.20 — an authorized host with treat_as_authenticated,
//   standing in for a trusted peer or gateway, so it sends as any user
//   without a challenge and answers the NOTIFYs it gets.
// Policy (pending → allow, polite block, reject, authorize = "all"), the
// error answers (412, 489, 400 naming the PIDF fault, 423), fetch, an
// IM&P-style watcher, subscriptions that survive kill -9, and the same
// across two partitions (alice on A watches bob on B, NOTIFYs through A).

#include <gtest/gtest.h>

#include <csignal>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "harness.h"

namespace tandem::test {
namespace {

const std::string kTandemd = TANDEMD_PATH;
const std::string kTandemctl = TANDEMCTL_PATH;
const std::string kScenarios = TANDEM_SCENARIOS;
const std::string kServer = "127.0.0.1";
const std::string kPeer = "127.0.0.2";
const std::string kUac = "127.0.0.10";
const std::string kRaw = "127.0.0.20";
const std::string kWatcherUa = "127.0.0.31";

std::string pidf(const std::string& entity, bool open, const std::string& activity, const std::string& note) {
  std::string text =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\" "
      "xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\" entity=\"" +
      entity + "\">\n<tuple id=\"t1\"><status><basic>" + (open ? "open" : "closed") +
      "</basic></status></tuple>\n<dm:person id=\"p1\">";
  if (!activity.empty()) {
    text += "<rpid:activities><rpid:" + activity + "/></rpid:activities>";
  }
  if (!note.empty()) {
    text += "<dm:note>" + note + "</dm:note>";
  }
  return text + "</dm:person>\n</presence>\n";
}

// A SIP message as the raw client reads it.
struct Sip {
  std::string text;
  bool ok() const { return !text.empty(); }
  int status() const { return text.rfind("SIP/2.0 ", 0) == 0 ? std::stoi(text.substr(8, 3)) : 0; }
  bool isRequest(const std::string& method) const { return text.rfind(method + " ", 0) == 0; }
  // Every value of `name`, in order (one per line).
  std::vector<std::string> headers(const std::string& name) const { return headerValues(text, name); }
  std::string header(const std::string& name) const {
    const std::vector<std::string> values = headers(name);
    return values.empty() ? std::string() : values.front();
  }
  std::string body() const {
    const size_t at = text.find("\r\n\r\n");
    return at == std::string::npos ? std::string() : text.substr(at + 4);
  }
  // The tag parameter of a From / To value.
  static std::string tagOf(const std::string& value) {
    const size_t at = value.find(";tag=");
    return at == std::string::npos ? std::string() : value.substr(at + 5, value.find_first_of(";>", at + 5) - at - 5);
  }
};

// A hand-made user agent on 127.0.0.20 (a trusted host): sends requests,
// collects the NOTIFYs that arrive and answers them.
class RawAgent {
 public:
  RawAgent(std::string server, uint16_t port, std::string local = kRaw)
      : server_(std::move(server)), port_(port), local_(std::move(local)), udp_(local_) {}

  uint16_t localPort() const { return udp_.localPort(); }
  std::string contact(const std::string& user) const {
    return "<sip:" + user + "@" + local_ + ":" + std::to_string(udp_.localPort()) + ">";
  }

  // Sends `method` to `uri` and waits for the final response. `call_id`,
  // `from_tag`, `to_tag` and `cseq` let requests share a dialog.
  Sip send(const std::string& method, const std::string& uri, const std::string& from, const std::string& to,
           const std::vector<std::string>& extra, const std::string& body = {},
           const std::string& content_type = "application/pidf+xml", const std::string& call_id = {},
           const std::string& from_tag = "w1", const std::string& to_tag = {}, uint32_t cseq = 0) {
    const std::string branch = "z9hG4bK-pres" + std::to_string(++sequence_);
    const std::string id = call_id.empty() ? "pres-" + std::to_string(sequence_) + "@" + local_ : call_id;
    std::string request = method + " " + uri + " SIP/2.0\r\nVia: SIP/2.0/UDP " + local_ + ":" +
                          std::to_string(udp_.localPort()) + ";branch=" + branch + "\r\nMax-Forwards: 70\r\nFrom: <" +
                          from + ">;tag=" + from_tag + "\r\nTo: <" + to + ">" +
                          (to_tag.empty() ? "" : ";tag=" + to_tag) + "\r\nCall-ID: " + id +
                          "\r\nCSeq: " + std::to_string(cseq == 0 ? ++cseq_ : cseq) + " " + method + "\r\n";
    for (const std::string& line : extra) {
      request += line + "\r\n";
    }
    if (!body.empty()) {
      request += "Content-Type: " + content_type + "\r\n";
    }
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    udp_.sendTo(server_, port_, request);
    const auto deadline = std::chrono::steady_clock::now() + milliseconds(5000);
    while (std::chrono::steady_clock::now() < deadline) {
      const auto datagram = udp_.receive(milliseconds(200));
      if (!datagram) {
        continue;
      }
      Sip message{*datagram};
      if (message.isRequest("NOTIFY")) {
        answer(message);
        continue;
      }
      if (message.status() >= 200 && message.text.find(branch) != std::string::npos) {
        return message;
      }
    }
    return Sip{};
  }

  // The next NOTIFY (answered `status`), or an empty message after `timeout`.
  Sip notify(milliseconds timeout = milliseconds(5000), int status = 200) {
    if (!inbox_.empty()) {
      Sip next = std::move(inbox_.front());
      inbox_.pop_front();
      return next;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto datagram = udp_.receive(milliseconds(100));
      if (!datagram) {
        continue;
      }
      Sip message{*datagram};
      if (message.isRequest("NOTIFY")) {
        reply(message, status);
        return message;
      }
    }
    return Sip{};
  }

 private:
  void answer(const Sip& notify) {
    reply(notify, 200);
    inbox_.push_back(notify);
  }
  void reply(const Sip& request, int status) {
    std::string response = "SIP/2.0 " + std::to_string(status) + (status == 200 ? " OK" : " Error") + "\r\n";
    for (const std::string& via : request.headers("Via")) {  // every Via, in order (RFC 3261 §8.2.6.2)
      response += "Via: " + via + "\r\n";
    }
    for (const std::string name : {"From", "To", "Call-ID", "CSeq"}) {
      response += name + ": " + request.header(name) + "\r\n";
    }
    response += "Content-Length: 0\r\n\r\n";
    const std::string via = request.header("Via");
    // Answer where the Via says (received/rport are ours to ignore here).
    const size_t host_at = via.find(' ') + 1;
    const std::string sent_by = via.substr(host_at, via.find(';') - host_at);
    const size_t colon = sent_by.rfind(':');
    udp_.sendTo(sent_by.substr(0, colon), static_cast<uint16_t>(std::stoi(sent_by.substr(colon + 1))), response);
  }

  std::string server_;
  uint16_t port_;
  std::string local_;
  UdpClient udp_;
  std::deque<Sip> inbox_;
  int sequence_ = 0;
  uint32_t cseq_ = 0;
};

class PresenceTest : public ::testing::Test {
 protected:
  void SetUp() override { port_ = freePort(kServer); }

  void TearDown() override {
    for (auto* process : {&server_, &peer_}) {
      if (*process && (*process)->running()) {
        (*process)->signal(SIGTERM);
        EXPECT_EQ((*process)->wait(milliseconds(10000)), 0) << log();
      }
    }
  }

  // tandemd on `address`:`port` homing alice, bob, carol, dave and erin,
  // trusting the raw client; `pool_extra` is appended to the pool file.
  void start(const std::string& pool_extra = {}, const std::string& authorize = "same-domain") {
    writeFiles(dir_, kServer, port_, "lcs1.example.com", pool_extra, authorize);
    server_ = launch(dir_);
  }

  void writeFiles(TempDir& dir, const std::string& address, uint16_t port, const std::string& fqdn,
                  const std::string& pool_extra, const std::string& authorize) {
    const std::string p = std::to_string(port);
    dir.write("server.toml", "[server]\nfqdn = \"" + fqdn +
                                 "\"\nstore = \"sqlite:tandem.db\"\nadmin = \"\"\nworkers = 2\n\n"
                                 "[[connections]]\naddress = \"" +
                                 address + "\"\ntransport = \"udp\"\nport = " + p +
                                 "\n\n[[connections]]\naddress = \"" + address +
                                 "\"\ntransport = \"tcp\"\nport = " + p +
                                 "\n\n[auth]\nalgorithms = [\"MD5\", \"SHA-256\"]\n\n"
                                 "[presence]\nmin_expires = 1\nnotify_interval = 300\n");
    std::string users;
    for (const std::string user : {"alice", "bob", "carol", "dave", "erin"}) {
      users += "[[users]]\nuri = \"sip:" + user + "@example.com\"\npassword = \"" + user + "-secret\"\n\n";
    }
    dir.write("pool.toml", "domains = [\"example.com\"]\n\n[[authorized_hosts]]\nhost = \"" + kRaw +
                               "\"\nthrottle_as_server = true\ntreat_as_authenticated = true\n\n" + users +
                               "[presence]\nauthorize = \"" + authorize + "\"\n\n" + pool_extra);
    std::string output;
    ASSERT_EQ(ctl(dir, {"pool", "apply", "pool.toml"}, output), 0) << output;
  }

  std::unique_ptr<Process> launch(TempDir& dir) {
    auto process = std::make_unique<Process>(std::vector<std::string>{kTandemd, "--config", "server.toml"}, dir.path(),
                                             dir.path() / "tandemd.out", dir.path() / "tandemd.log");
    EXPECT_TRUE(process->started());
    EXPECT_TRUE(eventually([&] {
      return readFile(dir.path() / "tandemd.log").find("serving") != std::string::npos || !process->running();
    }));
    EXPECT_TRUE(process->running()) << readFile(dir.path() / "tandemd.log");
    return process;
  }

  int ctl(TempDir& dir, const std::vector<std::string>& args, std::string& output) {
    std::vector<std::string> argv{kTandemctl, "--config", "server.toml"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, dir.path(), output);
  }

  std::string log() const { return readFile(dir_.path() / "tandemd.log") + readFile(peer_dir_.path() / "tandemd.log"); }

  // A copy of scenario `name` with every key replaced.
  std::string scenario(const std::string& name, const std::map<std::string, std::string>& values) {
    std::string text = readFile(kScenarios + "/" + name);
    for (const auto& [key, value] : values) {
      for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size())) {
        text.replace(at, key.size(), value);
      }
    }
    const std::string file = "scenario-" + std::to_string(++scenarios_) + ".xml";
    clients_.write(file, text);
    return (clients_.path() / file).string();
  }

  // PUBLISH `body` for `user` from the raw client; the response.
  Sip publish(RawAgent& agent, const std::string& user, const std::string& body, const std::string& if_match = {},
              const std::string& expires = "3600", const std::string& event = "presence") {
    std::vector<std::string> extra{"Event: " + event, "Expires: " + expires};
    if (!if_match.empty()) {
      extra.push_back("SIP-If-Match: " + if_match);
    }
    const std::string aor = "sip:" + user + "@example.com";
    return agent.send("PUBLISH", aor, aor, aor, extra, body);
  }

  // SUBSCRIBE from `watcher` to `presentity` through the raw client.
  Sip subscribe(RawAgent& agent, const std::string& watcher, const std::string& presentity,
                const std::string& expires = "600", const std::string& event = "presence",
                const std::vector<std::string>& more = {}, const std::string& call_id = {}) {
    std::vector<std::string> extra{"Event: " + event, "Expires: " + expires, "Contact: " + agent.contact(watcher),
                                   "Accept: application/pidf+xml"};
    extra.insert(extra.end(), more.begin(), more.end());
    return agent.send("SUBSCRIBE", "sip:" + presentity + "@example.com", "sip:" + watcher + "@example.com",
                      "sip:" + presentity + "@example.com", extra, {}, {}, call_id, watcher + "-tag");
  }

  uint16_t port_ = 0;
  TempDir dir_;
  TempDir peer_dir_;
  TempDir clients_;
  std::unique_ptr<Process> server_;
  std::unique_ptr<Process> peer_;
  int scenarios_ = 0;
};

// The issue's local flow with real clients (SIPp, digest): bob publishes
// open + "in a meeting"; alice subscribes and gets it; bob changes to busy
// (a modify with SIP-If-Match, Expires 2), alice gets it; the publication
// expires and alice sees bob offline.
TEST_F(PresenceTest, PublishSubscribeNotifyWithSippClients) {
  start();
  clients_.write("bob.csv", "SEQUENTIAL\nbob;bob-secret\n");
  clients_.write("alice.csv", "SEQUENTIAL\nalice;alice-secret\n");
  const std::string publisher =
      scenario("presence_publish_uac.xml", {{"[pidf_a]", pidf("sip:bob@example.com", true, "meeting", "In a meeting")},
                                            {"[pidf_b]", pidf("sip:bob@example.com", true, "busy", "Busy")},
                                            {"[pause]", "3000"},
                                            {"[expires_b]", "2"}});
  auto bob = std::make_unique<Process>(std::vector<std::string>{"sipp",
                                                                "-sf",
                                                                publisher,
                                                                "-inf",
                                                                "bob.csv",
                                                                "-au",
                                                                "bob",
                                                                "-ap",
                                                                "bob-secret",
                                                                "-auth_uri",
                                                                "bob@example.com",
                                                                "-i",
                                                                kUac,
                                                                "-p",
                                                                std::to_string(freePort(kUac)),
                                                                "-t",
                                                                "u1",
                                                                "-m",
                                                                "1",
                                                                "-timeout",
                                                                "30s",
                                                                "-timeout_error",
                                                                "-nostdin",
                                                                "-trace_err",
                                                                kServer + ":" + std::to_string(port_)},
                                       clients_.path(), clients_.path() / "bob.out", clients_.path() / "bob.err");
  ASSERT_TRUE(bob->started());
  std::this_thread::sleep_for(milliseconds(1200));  // bob's first PUBLISH is in

  const auto checks = [](const std::string& prefix, const std::vector<std::string>& regexps, std::string& refs) {
    std::string text;
    for (size_t i = 0; i < regexps.size(); ++i) {
      const std::string variable = prefix + std::to_string(i);
      text +=
          "<ereg regexp=\"" + regexps[i] + "\" search_in=\"msg\" check_it=\"true\" assign_to=\"" + variable + "\"/>\n";
      refs += (refs.empty() ? "" : ",") + variable;
    }
    return text;
  };
  std::string refs;
  const std::string first = checks(
      "a", {"Subscription-State: active", "<basic>open</basic>", "meeting", "Content-Type: application/pidf\\+xml"},
      refs);
  const std::string second = checks("b", {"<basic>open</basic>", "busy"}, refs);
  const std::string third = checks("c", {"<basic>closed</basic>"}, refs);
  const std::string watcher = scenario(
      "presence_watcher_uac.xml",
      {{"[presentity]", "bob"}, {"[checks1]", first}, {"[checks2]", second}, {"[checks3]", third}, {"[refs]", refs}});
  std::string output;
  const int status = run({"sipp",
                          "-sf",
                          watcher,
                          "-inf",
                          "alice.csv",
                          "-au",
                          "alice",
                          "-ap",
                          "alice-secret",
                          "-auth_uri",
                          "bob@example.com",
                          "-i",
                          kWatcherUa,
                          "-p",
                          std::to_string(freePort(kWatcherUa)),
                          "-t",
                          "u1",
                          "-m",
                          "1",
                          "-timeout",
                          "40s",
                          "-timeout_error",
                          "-nostdin",
                          "-trace_err",
                          kServer + ":" + std::to_string(port_)},
                         clients_.path(), output, milliseconds(60000));
  EXPECT_EQ(status, 0) << output << readFile(clients_.path() / "bob.out") << log();
  EXPECT_EQ(bob->wait(milliseconds(30000)).value_or(-1), 0) << readFile(clients_.path() / "bob.out") << log();
}

// RFC 3903 and RFC 6665 answers, each naming its reason.
TEST_F(PresenceTest, PublishAndSubscribeErrors) {
  start();
  RawAgent agent(kServer, port_);
  const std::string body = pidf("sip:bob@example.com", true, "", "");
  const Sip unknown_etag = publish(agent, "bob", body, "no-such-etag");
  EXPECT_EQ(unknown_etag.status(), 412) << unknown_etag.text;
  const Sip bad_event = publish(agent, "bob", body, {}, "3600", "dialog");
  EXPECT_EQ(bad_event.status(), 489) << bad_event.text;
  EXPECT_EQ(bad_event.header("Allow-Events"), "presence");
  const Sip bad_body = publish(agent, "bob", "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" entity=\"sip:bob@");
  EXPECT_EQ(bad_body.status(), 400) << bad_body.text;
  EXPECT_NE(bad_body.header("Warning").find("Bad PIDF body: "), std::string::npos) << bad_body.text;
  const Sip no_body = publish(agent, "bob", {});
  EXPECT_EQ(no_body.status(), 400) << no_body.text;
  const Sip short_expiry =
      agent.send("SUBSCRIBE", "sip:bob@example.com", "sip:alice@example.com", "sip:bob@example.com",
                 {"Event: presence.winfo", "Expires: 600", "Contact: " + agent.contact("alice")});
  EXPECT_EQ(short_expiry.status(), 403) << short_expiry.text;  // alice may not watch bob's watchers
  const Sip other_package = subscribe(agent, "alice", "bob", "600", "message-summary");
  EXPECT_EQ(other_package.status(), 489) << other_package.text;
  const Sip no_dialog = agent.send("SUBSCRIBE", "sip:bob@example.com", "sip:alice@example.com", "sip:bob@example.com",
                                   {"Event: presence", "Expires: 600", "Contact: " + agent.contact("alice")}, {}, {},
                                   "nothing@here", "w1", "not-our-tag", 7);
  EXPECT_EQ(no_dialog.status(), 481) << no_dialog.text;
  // Nothing stored: a subscriber sees bob offline.
  const Sip fetch = subscribe(agent, "alice", "bob", "0");
  ASSERT_EQ(fetch.status(), 200) << fetch.text;
  const Sip notify = agent.notify();
  EXPECT_NE(notify.header("Subscription-State").find("terminated"), std::string::npos) << notify.text;
  EXPECT_NE(notify.body().find("<basic>closed</basic>"), std::string::npos) << notify.text;
}

// PUBLISH refresh, modify and remove with entity-tags; a fetch (Expires 0)
// gets one NOTIFY with the state and ends; an unsubscribe ends with
// terminated.
TEST_F(PresenceTest, EntityTagsFetchRefreshAndUnsubscribe) {
  start();
  RawAgent agent(kServer, port_);
  const Sip first = publish(agent, "bob", pidf("sip:bob@example.com", true, "away", "Back soon"));
  ASSERT_EQ(first.status(), 200) << first.text << log();
  const std::string etag = first.header("SIP-ETag");
  ASSERT_FALSE(etag.empty()) << first.text;
  EXPECT_EQ(first.header("Expires"), "3600");

  const Sip fetch = subscribe(agent, "alice", "bob", "0");
  ASSERT_EQ(fetch.status(), 200) << fetch.text;
  const Sip fetched = agent.notify();
  EXPECT_NE(fetched.header("Subscription-State").find("terminated"), std::string::npos) << fetched.text;
  EXPECT_NE(fetched.body().find("away"), std::string::npos) << fetched.text;
  EXPECT_NE(fetched.body().find("Back soon"), std::string::npos) << fetched.text;

  const Sip refreshed = publish(agent, "bob", {}, etag, "600");
  ASSERT_EQ(refreshed.status(), 200) << refreshed.text;
  const std::string etag2 = refreshed.header("SIP-ETag");
  EXPECT_NE(etag2, etag);                                           // a new entity-tag each time (RFC 3903 §6)
  EXPECT_EQ(publish(agent, "bob", {}, etag, "600").status(), 412);  // the old one is gone

  const Sip subscribed = subscribe(agent, "alice", "bob", "600", "presence", {}, "dialog-1@127.0.0.20");
  ASSERT_EQ(subscribed.status(), 200) << subscribed.text;
  const std::string our_tag = Sip::tagOf(subscribed.header("To"));
  ASSERT_FALSE(our_tag.empty()) << subscribed.text;
  EXPECT_NE(subscribed.header("Contact"), "") << subscribed.text;
  Sip notify = agent.notify();
  EXPECT_EQ(notify.header("Subscription-State").rfind("active;expires=", 0), 0u) << notify.text;
  EXPECT_NE(notify.body().find("away"), std::string::npos) << notify.text;

  const Sip modified = publish(agent, "bob", pidf("sip:bob@example.com", true, "busy", ""), etag2);
  ASSERT_EQ(modified.status(), 200) << modified.text;
  notify = agent.notify();
  EXPECT_NE(notify.body().find("busy"), std::string::npos) << notify.text;

  const Sip removed = publish(agent, "bob", {}, modified.header("SIP-ETag"), "0");
  ASSERT_EQ(removed.status(), 200) << removed.text;
  notify = agent.notify();
  EXPECT_NE(notify.body().find("<basic>closed</basic>"), std::string::npos) << notify.text;

  // Unsubscribe inside the dialog: 200, then a final NOTIFY.
  const Sip unsubscribed =
      agent.send("SUBSCRIBE", "sip:bob@example.com", "sip:alice@example.com", "sip:bob@example.com",
                 {"Event: presence", "Expires: 0", "Contact: " + agent.contact("alice")}, {}, {}, "dialog-1@127.0.0.20",
                 "alice-tag", our_tag, 100);
  ASSERT_EQ(unsubscribed.status(), 200) << unsubscribed.text;
  notify = agent.notify();
  EXPECT_NE(notify.header("Subscription-State").find("terminated"), std::string::npos) << notify.text;
  // The dialog is gone.
  const Sip again = agent.send("SUBSCRIBE", "sip:bob@example.com", "sip:alice@example.com", "sip:bob@example.com",
                               {"Event: presence", "Expires: 600", "Contact: " + agent.contact("alice")}, {}, {},
                               "dialog-1@127.0.0.20", "alice-tag", our_tag, 101);
  EXPECT_EQ(again.status(), 481) << again.text;
}

// The authorization policy (federation.md §3.1): with authorize = "ask" an
// unknown watcher is pending (NOTIFY without state) until the owner decides
// with tandemctl; polite block shows offline; reject is 403; the owner
// learns of pending watchers through presence.winfo; authorize = "all" lets
// everyone in.
TEST_F(PresenceTest, PendingAllowPoliteBlockRejectAndTheMigrationSwitch) {
  start(
      "[[presence_rules]]\nowner = \"sip:bob@example.com\"\nwatcher = \"sip:dave@example.com\"\ndecision = "
      "\"block\"\n\n[[presence_rules]]\nowner = \"sip:bob@example.com\"\nwatcher = \"sip:erin@example.com\"\n"
      "decision = \"reject\"\n\n",
      "ask");
  RawAgent agent(kServer, port_);
  ASSERT_EQ(publish(agent, "bob", pidf("sip:bob@example.com", true, "", "Here")).status(), 200) << log();

  // bob watches his own watchers.
  RawAgent owner(kServer, port_);
  const Sip winfo = owner.send("SUBSCRIBE", "sip:bob@example.com", "sip:bob@example.com", "sip:bob@example.com",
                               {"Event: presence.winfo", "Expires: 600", "Contact: " + owner.contact("bob"),
                                "Accept: application/watcherinfo+xml"});
  ASSERT_EQ(winfo.status(), 200) << winfo.text;
  Sip info = owner.notify();
  EXPECT_EQ(info.header("Content-Type"), "application/watcherinfo+xml") << info.text;

  // carol: pending, no state.
  const Sip pending = subscribe(agent, "carol", "bob");
  ASSERT_EQ(pending.status(), 200) << pending.text;
  Sip notify = agent.notify();
  EXPECT_EQ(notify.header("Subscription-State").rfind("pending", 0), 0u) << notify.text;
  EXPECT_TRUE(notify.body().empty()) << notify.text;
  info = owner.notify();
  EXPECT_NE(info.body().find("sip:carol@example.com"), std::string::npos) << info.text;
  EXPECT_NE(info.body().find("pending"), std::string::npos) << info.text;
  std::string output;
  ASSERT_EQ(ctl(dir_, {"presence", "pending", "sip:bob@example.com"}, output), 0) << output;
  EXPECT_NE(output.find("sip:carol@example.com"), std::string::npos) << output;

  // bob (through his administrator) allows carol: her subscription turns active.
  ASSERT_EQ(ctl(dir_, {"presence", "allow", "sip:bob@example.com", "sip:carol@example.com"}, output), 0) << output;
  notify = agent.notify(milliseconds(5000));
  EXPECT_EQ(notify.header("Subscription-State").rfind("active", 0), 0u) << notify.text << log();
  EXPECT_NE(notify.body().find("Here"), std::string::npos) << notify.text;

  // dave: politely blocked — active, but bob looks offline.
  ASSERT_EQ(subscribe(agent, "dave", "bob").status(), 200);
  notify = agent.notify();
  EXPECT_EQ(notify.header("Subscription-State").rfind("active", 0), 0u) << notify.text;
  EXPECT_NE(notify.body().find("<basic>closed</basic>"), std::string::npos) << notify.text;
  EXPECT_EQ(notify.body().find("Here"), std::string::npos) << notify.text;

  // erin: rejected.
  const Sip rejected = subscribe(agent, "erin", "bob");
  EXPECT_EQ(rejected.status(), 403) << rejected.text;

  // The migration switch: everyone is authorized.
  ASSERT_EQ(ctl(dir_, {"pool", "export"}, output), 0) << output;
  std::string pool = output;
  const size_t at = pool.find("authorize = \"ask\"");
  ASSERT_NE(at, std::string::npos) << pool;
  pool.replace(at, 17, "authorize = \"all\"");
  dir_.write("pool-all.toml", pool);
  ASSERT_EQ(ctl(dir_, {"pool", "apply", "pool-all.toml"}, output), 0) << output;
  std::this_thread::sleep_for(milliseconds(1100));
  RawAgent stranger(kServer, port_);
  const Sip outsider =
      stranger.send("SUBSCRIBE", "sip:bob@example.com", "sip:zed@partner.example.org", "sip:bob@example.com",
                    {"Event: presence", "Expires: 600", "Contact: " + stranger.contact("zed")});
  ASSERT_EQ(outsider.status(), 200) << outsider.text;
  notify = stranger.notify();
  EXPECT_EQ(notify.header("Subscription-State").rfind("active", 0), 0u) << notify.text;
}

// An IM&P watcher as federation.md §3.1 shows it: User-Agent
// Cisco-Systems-Partitioned 8.0, Expires 7446, both Accept types. Accepted
// as asked, PIDF back.
TEST_F(PresenceTest, AnImAndPStyleWatcherGetsPidfForItsLongSubscription) {
  start();
  RawAgent agent(kServer, port_);
  ASSERT_EQ(publish(agent, "bob", pidf("sip:bob@example.com", true, "on-the-phone", "")).status(), 200);
  const Sip answer =
      agent.send("SUBSCRIBE", "sip:bob@example.com", "sip:fbear@example.com", "sip:bob@example.com",
                 {"Event: presence", "Expires: 7446", "Accept: application/pidf+xml, application/cpim-pidf+xml",
                  "User-Agent: Cisco-Systems-Partitioned 8.0",
                  "Contact: <sip:127.0.0.20:" + std::to_string(agent.localPort()) + ">"});
  ASSERT_EQ(answer.status(), 200) << answer.text;
  EXPECT_EQ(answer.header("Expires"), "7446");
  const Sip notify = agent.notify();
  EXPECT_EQ(notify.header("Content-Type"), "application/pidf+xml") << notify.text;
  EXPECT_NE(notify.body().find("on-the-phone"), std::string::npos) << notify.text;
  EXPECT_NE(notify.header("Subscription-State").find("expires=74"), std::string::npos) << notify.text;
}

// A 2xx to SUBSCRIBE and PUBLISH is durable: kill -9 tandemd, start it
// again, change bob's presence — alice's existing dialog gets the NOTIFYs
// (the first one at once, on restart), with no new SUBSCRIBE.
TEST_F(PresenceTest, SubscriptionsSurviveKill9AndResumeWithoutANewSubscribe) {
  start();
  RawAgent agent(kServer, port_);
  const Sip first = publish(agent, "bob", pidf("sip:bob@example.com", true, "", "Before"));
  ASSERT_EQ(first.status(), 200);
  const Sip subscribed = subscribe(agent, "alice", "bob", "3600", "presence", {}, "survivor@127.0.0.20");
  ASSERT_EQ(subscribed.status(), 200);
  Sip notify = agent.notify();
  ASSERT_NE(notify.body().find("Before"), std::string::npos) << notify.text;
  const uint32_t cseq_before = static_cast<uint32_t>(std::stoul(notify.header("CSeq")));

  server_->signal(SIGKILL);
  server_->wait(milliseconds(5000));
  server_ = launch(dir_);
  // On restart: the stored dialog is resumed with the stored state.
  notify = agent.notify(milliseconds(5000));
  ASSERT_TRUE(notify.ok()) << log();
  EXPECT_EQ(notify.header("Call-ID"), "survivor@127.0.0.20");
  EXPECT_NE(notify.body().find("Before"), std::string::npos) << notify.text;
  EXPECT_GT(static_cast<uint32_t>(std::stoul(notify.header("CSeq"))), cseq_before) << notify.text;
  // A change after the restart reaches the same dialog.
  ASSERT_EQ(
      publish(agent, "bob", pidf("sip:bob@example.com", true, "busy", "After"), first.header("SIP-ETag")).status(), 200)
      << log();
  notify = agent.notify(milliseconds(5000));
  EXPECT_EQ(notify.header("Call-ID"), "survivor@127.0.0.20");
  EXPECT_NE(notify.body().find("After"), std::string::npos) << notify.text;
}

// Across the partitions: alice's client on A (127.0.0.1) subscribes to bob,
// homed on B (127.0.0.2). A routes it to B, record-routed; B's NOTIFYs come
// back through A to alice.
TEST_F(PresenceTest, AWatcherOnOnePartitionSeesAPresentityOnTheOther) {
  const uint16_t peer_port = freePort(kPeer);
  // A homes alice (and trusts the raw client as alice's client), routes
  // *@example.com to B; B homes bob, trusts A.
  writeFiles(dir_, kServer, port_, "a.example.com",
             "[[routes]]\nuser = \"*\"\ndomain = \"example.com\"\nnext_hop = \"" + kPeer +
                 "\"\ntransport = \"udp\"\nport = " + std::to_string(peer_port) +
                 "\n\n[[authorized_hosts]]\nhost = \"" + kPeer + "\"\n\n",
             "same-domain");
  std::string output;
  ASSERT_EQ(ctl(dir_, {"user", "remove", "sip:bob@example.com"}, output), 0) << output;
  writeFiles(peer_dir_, kPeer, peer_port, "b.example.com",
             "[[routes]]\nuser = \"*\"\ndomain = \"example.com\"\nnext_hop = \"" + kServer +
                 "\"\ntransport = \"udp\"\nport = " + std::to_string(port_) + "\n\n[[authorized_hosts]]\nhost = \"" +
                 kServer + "\"\n\n",
             "same-domain");
  ASSERT_EQ(ctl(peer_dir_, {"user", "remove", "sip:alice@example.com"}, output), 0) << output;
  server_ = launch(dir_);
  peer_ = launch(peer_dir_);

  RawAgent bob_client(kPeer, peer_port);
  const Sip published = publish(bob_client, "bob", pidf("sip:bob@example.com", true, "meeting", "Design review"));
  ASSERT_EQ(published.status(), 200) << published.text << log();

  RawAgent alice_client(kServer, port_);
  const Sip subscribed = subscribe(alice_client, "alice", "bob");
  ASSERT_EQ(subscribed.status(), 200) << subscribed.text << log();
  Sip notify = alice_client.notify();
  ASSERT_TRUE(notify.ok()) << log();
  EXPECT_NE(notify.body().find("Design review"), std::string::npos) << notify.text;
  // It came through A: A's Via on top.
  EXPECT_NE(notify.header("Via").find(kServer + ":" + std::to_string(port_)), std::string::npos) << notify.text;

  ASSERT_EQ(publish(bob_client, "bob", pidf("sip:bob@example.com", true, "busy", "Busy"), published.header("SIP-ETag"))
                .status(),
            200);
  notify = alice_client.notify();
  EXPECT_NE(notify.body().find("busy"), std::string::npos) << notify.text << log();
  EXPECT_NE(notify.header("Via").find(kServer + ":" + std::to_string(port_)), std::string::npos) << notify.text;
}

// Kamailio 5.6 with its presence and presence_xml modules as the peer
// partition (test/interop/kamailio-presence-peer.cfg, SQLite): dave is
// registered there and publishes there. alice, on Tandem, subscribes to dave
// (Tandem routes the SUBSCRIBE to Kamailio; Kamailio's NOTIFYs come back
// through Tandem); dave subscribes to bob, on Tandem (Kamailio relays it;
// Tandem's NOTIFYs go back through Kamailio).
TEST_F(PresenceTest, KamailioPresenceServerAsThePeerPartition) {
  const std::string kamailio_address = "127.0.0.3";
  const std::string dave_address = "127.0.0.30";
  const uint16_t kamailio_port = freePort(kamailio_address);
  start("[[routes]]\nuser = \"*\"\ndomain = \"example.com\"\nnext_hop = \"" + kamailio_address +
        "\"\ntransport = \"udp\"\nport = " + std::to_string(kamailio_port) + "\n\n[[authorized_hosts]]\nhost = \"" +
        kamailio_address + "\"\n\n");
  std::string output;
  ASSERT_EQ(ctl(dir_, {"user", "remove", "sip:dave@example.com"}, output), 0) << output;

  const std::filesystem::path kam = peer_dir_.path();
  const std::string db = (kam / "kamailio.db").string();
  for (const std::string schema : {"standard-create.sql", "presence-create.sql"}) {
    ASSERT_EQ(run({"sh", "-c", "sqlite3 '" + db + "' < /usr/share/kamailio/db_sqlite/" + schema}, kam, output), 0)
        << output;
  }
  std::string config = readFile(std::string(TANDEM_SOURCE_DIR) + "/test/interop/kamailio-presence-peer.cfg");
  ASSERT_FALSE(config.empty());
  const std::map<std::string, std::string> values{{"@KAM_ADDR@", kamailio_address},
                                                  {"@KAM_PORT@", std::to_string(kamailio_port)},
                                                  {"@TANDEM_ADDR@", kServer},
                                                  {"@TANDEM_PORT@", std::to_string(port_)},
                                                  {"@ADDRESS_FILE@", (kam / "address.list").string()},
                                                  {"@DB_URL@", "sqlite:///" + db}};
  for (const auto& [key, value] : values) {
    for (size_t at = config.find(key); at != std::string::npos; at = config.find(key, at + value.size())) {
      config.replace(at, key.size(), value);
    }
  }
  peer_dir_.write("address.list", "1 " + kServer + " 32 0\n");
  peer_dir_.write("kamailio.cfg", config);
  auto kamailio = std::make_unique<Process>(
      std::vector<std::string>{"kamailio", "-f", (kam / "kamailio.cfg").string(), "-DD", "-E", "-n", "1", "-w",
                               kam.string(), "-P", (kam / "kamailio.pid").string()},
      kam, kam / "kamailio.out", kam / "kamailio.err");
  ASSERT_TRUE(kamailio->started());
  const auto kamailio_log = [&] { return readFile(kam / "kamailio.err") + readFile(kam / "kamailio.out"); };
  struct Stop {
    Process* process;
    ~Stop() {
      if (process->running()) {
        process->signal(SIGTERM);
        if (!process->wait(milliseconds(5000))) {
          process->signal(SIGKILL);
          process->wait(milliseconds(5000));
        }
      }
    }
  } stop{kamailio.get()};

  // dave registers with Kamailio and publishes there.
  RawAgent dave(kamailio_address, kamailio_port, dave_address);
  Sip registered;
  ASSERT_TRUE(eventually(
      [&] {
        registered = dave.send("REGISTER", "sip:example.com", "sip:dave@example.com", "sip:dave@example.com",
                               {"Contact: " + dave.contact("dave"), "Expires: 600"});
        return registered.status() == 200;
      },
      milliseconds(8000)))
      << registered.text << kamailio_log();
  const Sip published = publish(dave, "dave", pidf("sip:dave@example.com", true, "", "Dave at his desk"));
  ASSERT_EQ(published.status(), 200) << published.text << kamailio_log();

  // alice (Tandem) → dave (Kamailio).
  RawAgent alice(kServer, port_);
  const Sip subscribed = subscribe(alice, "alice", "dave");
  ASSERT_EQ(subscribed.status(), 200) << subscribed.text << log() << kamailio_log();
  Sip notify = alice.notify();
  ASSERT_TRUE(notify.ok()) << log() << kamailio_log();
  EXPECT_NE(notify.body().find("Dave at his desk"), std::string::npos) << notify.text;
  EXPECT_NE(notify.header("Via").find(kServer + ":" + std::to_string(port_)), std::string::npos) << notify.text;

  // dave (Kamailio) → bob (Tandem); bob publishes on Tandem.
  RawAgent bob(kServer, port_);
  const Sip bob_published = publish(bob, "bob", pidf("sip:bob@example.com", true, "meeting", "Bob in a meeting"));
  ASSERT_EQ(bob_published.status(), 200) << bob_published.text;
  const Sip dave_subscribed =
      dave.send("SUBSCRIBE", "sip:bob@example.com", "sip:dave@example.com", "sip:bob@example.com",
                {"Event: presence", "Expires: 600", "Contact: " + dave.contact("dave"), "Accept: application/pidf+xml"},
                {}, {}, {}, "dave-tag");
  ASSERT_EQ(dave_subscribed.status(), 200) << dave_subscribed.text << log() << kamailio_log();
  notify = dave.notify();
  ASSERT_TRUE(notify.ok()) << log() << kamailio_log();
  EXPECT_NE(notify.body().find("Bob in a meeting"), std::string::npos) << notify.text;
  EXPECT_NE(notify.header("Via").find(kamailio_address + ":" + std::to_string(kamailio_port)), std::string::npos)
      << notify.text;
  // A change on Tandem reaches dave through Kamailio.
  ASSERT_EQ(publish(bob, "bob", pidf("sip:bob@example.com", true, "busy", "Bob busy"), bob_published.header("SIP-ETag"))
                .status(),
            200);
  notify = dave.notify();
  EXPECT_NE(notify.body().find("Bob busy"), std::string::npos) << notify.text << log();
}

// RFC 3856 §6.10: a presentity that changes faster than notify_interval
// (300 ms in these tests) does not flood its watchers — one NOTIFY per
// interval, and the last one carries the newest state.
TEST_F(PresenceTest, FastChangesAreRateLimitedAndTheNewestStateWins) {
  start();
  RawAgent agent(kServer, port_);
  Sip published = publish(agent, "bob", pidf("sip:bob@example.com", true, "", "State 0"));
  ASSERT_EQ(published.status(), 200);
  ASSERT_EQ(subscribe(agent, "alice", "bob").status(), 200);
  ASSERT_NE(agent.notify().body().find("State 0"), std::string::npos);
  RawAgent publisher(kServer, port_);
  std::string etag = published.header("SIP-ETag");
  const auto started = std::chrono::steady_clock::now();
  for (int i = 1; i <= 10; ++i) {
    published = publish(publisher, "bob", pidf("sip:bob@example.com", true, "", "State " + std::to_string(i)), etag);
    ASSERT_EQ(published.status(), 200) << published.text;
    etag = published.header("SIP-ETag");
  }
  const auto elapsed = std::chrono::steady_clock::now() - started;
  std::vector<Sip> notifies;
  for (Sip notify = agent.notify(milliseconds(1500)); notify.ok(); notify = agent.notify(milliseconds(1500))) {
    notifies.push_back(notify);
  }
  ASSERT_FALSE(notifies.empty());
  EXPECT_NE(notifies.back().body().find("State 10"), std::string::npos) << notifies.back().text;
  // At most one per 300 ms while the changes came, plus the last one.
  const auto intervals = std::chrono::duration_cast<milliseconds>(elapsed).count() / 300 + 2;
  EXPECT_LE(static_cast<long>(notifies.size()), intervals)
      << notifies.size() << " NOTIFYs for 10 changes in " << std::chrono::duration_cast<milliseconds>(elapsed).count()
      << " ms";
  EXPECT_LT(notifies.size(), 10u);
}

// A presentity that stops being homed here (removed, or moved to the other
// partition during a migration) ends its watchers' dialogs with
// terminated;reason=deactivated, so they subscribe again at once and reach
// the user's new home (RFC 6665 §4.2.2).
TEST_F(PresenceTest, AUserWhoLeavesEndsTheDialogsWithDeactivated) {
  start();
  RawAgent agent(kServer, port_);
  ASSERT_EQ(publish(agent, "bob", pidf("sip:bob@example.com", true, "", "Leaving")).status(), 200);
  ASSERT_EQ(subscribe(agent, "alice", "bob").status(), 200);
  ASSERT_TRUE(agent.notify().ok());
  std::string output;
  ASSERT_EQ(ctl(dir_, {"user", "remove", "sip:bob@example.com"}, output), 0) << output;
  const Sip notify = agent.notify(milliseconds(5000));
  EXPECT_EQ(notify.header("Subscription-State"), "terminated;reason=deactivated") << notify.text << log();
}

}  // namespace
}  // namespace tandem::test
