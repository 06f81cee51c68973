#pragma once

// Test doubles for the transaction layer: a Sender that records (and can
// fail) sends, a TransactionUser that records every callback, a manual clock,
// and builders for the requests and responses the tests exchange.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/message.h"
#include "transaction/interfaces.h"
#include "transaction/transaction_table.h"

namespace tandem::transaction::fakes {

using namespace std::chrono_literals;

inline Destination udpPeer(uint16_t port = 5060) {
  return {transport::Endpoint{asio::ip::make_address("192.0.2.10"), port}, transport::TransportKind::Udp, std::nullopt};
}

inline Destination tcpPeer(transport::ConnectionId connection = 7) {
  return {transport::Endpoint{asio::ip::make_address("192.0.2.10"), 5060}, transport::TransportKind::Tcp, connection};
}

struct Sent {
  std::string bytes;
  Destination to;
  TimePoint at;  // the table's time when it was sent
};

class FakeSender : public Sender {
 public:
  Status<SendError> send(std::string_view bytes, const Destination& to) override {
    if (fail_next_ > 0) {
      --fail_next_;
      return fail(SendError::Failed);
    }
    sent.push_back({std::string(bytes), to, clock ? clock() : TimePoint{}});
    return {};
  }
  void failNext(int count = 1) { fail_next_ = count; }
  // The first line of every send, in order ("SIP/2.0 100 Trying", "ACK sip:...").
  std::vector<std::string> startLines() const {
    std::vector<std::string> lines;
    for (const Sent& s : sent) {
      lines.push_back(s.bytes.substr(0, s.bytes.find("\r\n")));
    }
    return lines;
  }
  size_t count() const { return sent.size(); }
  // When each send happened, as offsets from `origin`.
  std::vector<std::chrono::milliseconds> times(TimePoint origin = {}) const {
    std::vector<std::chrono::milliseconds> out;
    for (const Sent& s : sent) {
      out.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(s.at - origin));
    }
    return out;
  }

  std::vector<Sent> sent;
  std::function<TimePoint()> clock;

 private:
  int fail_next_ = 0;
};

// Every callback as a line ("request 3", "response 486", "timeout client",
// "terminated server", ...), plus the ids and messages, and hooks for the
// re-entrancy tests.
class RecordingUser : public TransactionUser {
 public:
  void onRequest(ServerId id, const sip::Message& request, const Destination&) override {
    servers.push_back(id);
    log.push_back("request " + std::string(request.methodName()));
    if (on_request) {
      on_request(id, request);
    }
  }
  void onAck(const sip::Message&, const Destination&, std::optional<ServerId> invite) override {
    log.push_back(invite ? "ack matched" : "ack stray");
  }
  void onResponse(ClientId id, const sip::Message& response) override {
    log.push_back("response " + std::to_string(response.statusCode()));
    if (on_response) {
      on_response(id, response);
    }
  }
  void onStrayResponse(const sip::Message& response, const Destination&) override {
    log.push_back("stray " + std::to_string(response.statusCode()));
  }
  void onTimeout(ClientId) override { log.push_back("timeout client"); }
  void onTimeout(ServerId) override { log.push_back("timeout server"); }
  void onTransportError(ClientId, SendError) override { log.push_back("transport-error client"); }
  void onTransportError(ServerId, SendError) override { log.push_back("transport-error server"); }
  void onTerminated(ClientId) override { log.push_back("terminated client"); }
  void onTerminated(ServerId) override { log.push_back("terminated server"); }

  std::vector<std::string> take() { return std::exchange(log, {}); }

  std::vector<std::string> log;
  std::vector<ServerId> servers;
  std::function<void(ServerId, const sip::Message&)> on_request;
  std::function<void(ClientId, const sip::Message&)> on_response;
};

inline sip::Message parse(std::string_view text) {
  auto result = sip::Message::parse(text, sip::Framing::Datagram);
  EXPECT_TRUE(result.ok()) << text;
  return std::move(result).value();
}

struct RequestSpec {
  std::string method = "INVITE";
  std::string branch = "z9hG4bKproxy1";
  std::string sent_by = "proxy.example.com";
  std::string request_uri = "sip:bob@example.com";
  std::string to_tag = "";  // "" for none
  uint32_t cseq = 1;
  std::string cseq_method = "";  // "" for `method`
  std::string extra = "";        // more header lines, each ending in CRLF
};

inline std::string requestText(const RequestSpec& spec) {
  std::string via = "Via: SIP/2.0/UDP " + spec.sent_by;
  if (!spec.branch.empty()) {
    via += ";branch=" + spec.branch;
  }
  return spec.method + " " + spec.request_uri + " SIP/2.0\r\n" + via +
         "\r\n"
         "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bKupstream;received=192.0.2.1\r\n"
         "Max-Forwards: 69\r\n"
         "To: Bob <sip:bob@example.com>" +
         (spec.to_tag.empty() ? "" : ";tag=" + spec.to_tag) +
         "\r\n"
         "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
         "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
         "CSeq: " +
         std::to_string(spec.cseq) + " " + (spec.cseq_method.empty() ? spec.method : spec.cseq_method) + "\r\n" +
         spec.extra + "Content-Length: 0\r\n\r\n";
}

inline sip::Message request(const RequestSpec& spec = {}) { return parse(requestText(spec)); }

// A response to `request_bytes`: its Via lines, From, To (+ tag), Call-ID, CSeq.
inline std::string responseText(std::string_view request_bytes, int status, std::string_view to_tag = "") {
  const sip::Message req = parse(request_bytes);
  std::string out = "SIP/2.0 " + std::to_string(status) + " Reason\r\n";
  for (const sip::HeaderField& field : req.headers()) {
    if (field.id == sip::HeaderId::Via || field.id == sip::HeaderId::From || field.id == sip::HeaderId::CallId ||
        field.id == sip::HeaderId::CSeq) {
      out += field.line;
    } else if (field.id == sip::HeaderId::To) {
      out += "To: " + std::string(field.value);
      if (!to_tag.empty() && field.value.find(";tag=") == std::string_view::npos) {
        out += ";tag=" + std::string(to_tag);
      }
      out += "\r\n";
    }
  }
  return out + "Content-Length: 0\r\n\r\n";
}

inline Incoming incoming(std::string_view text, const Destination& from = udpPeer()) {
  return Incoming{parse(text), from, std::nullopt};
}

// A table on a manual clock starting at t0.
struct Harness {
  explicit Harness(TimerConfig timers = {}) : table(sender, user, t0, timers) {
    sender.clock = [this] { return table.now(); };
  }

  void at(std::chrono::milliseconds offset) { table.advanceTo(t0 + offset); }
  Status<TransactionError> receive(std::string_view text, const Destination& from = udpPeer()) {
    return table.onMessage(incoming(text, from));
  }

  const TimePoint t0{};
  FakeSender sender;
  RecordingUser user;
  TransactionTable table;
};

}  // namespace tandem::transaction::fakes
