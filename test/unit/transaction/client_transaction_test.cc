// Client transactions: RFC 3261 §17.1.1 (INVITE, with RFC 6026 Accepted) and
// §17.1.2 (non-INVITE), on a manual clock with the default T1 = 500 ms,
// T2 = 4 s, T4 = 5 s.

#include <gtest/gtest.h>

#include "transaction/transaction_table.h"
#include "transaction_fakes.h"

namespace tandem::transaction {
namespace {

using namespace fakes;
using Ms = std::chrono::milliseconds;
using Times = std::vector<Ms>;
using Lines = std::vector<std::string>;

constexpr std::string_view kRoutes =
    "Route: <sip:p2.example.com;lr>\r\n"
    "Route: <sip:p3.example.com;lr>\r\n";

class TransactionInviteClientTest : public ::testing::Test {
 protected:
  ClientId start(const Destination& next_hop = udpPeer()) {
    auto id = h.table.startClient(parse(invite_), next_hop);
    EXPECT_TRUE(id.ok());
    return *id;
  }
  std::string response(int status, std::string_view tag = "callee1") const {
    return responseText(invite_, status, tag);
  }

  std::string invite_ = requestText({.extra = std::string(kRoutes)});
  Harness h;
};

TEST_F(TransactionInviteClientTest, RetransmitsWithTimerADoublingUntilTimerB) {
  const ClientId id = start();
  EXPECT_EQ(h.table.state(id), State::Calling);
  h.at(31'999ms);
  // A: T1, 2*T1, 4*T1, ... without a cap (§17.1.1.2).
  EXPECT_EQ(h.sender.times(), (Times{0ms, 500ms, 1500ms, 3500ms, 7500ms, 15500ms, 31500ms}));
  EXPECT_TRUE(h.user.log.empty());
  h.at(32'000ms);  // B = 64*T1
  EXPECT_EQ(h.user.take(), (Lines{"timeout client", "terminated client"}));
  EXPECT_EQ(h.table.state(id), std::nullopt);
  EXPECT_EQ(h.table.size(), 0u);
  EXPECT_TRUE(h.table.idle());
}

TEST_F(TransactionInviteClientTest, EveryRetransmissionIsTheRequestByteForByte) {
  start();
  h.at(2s);
  ASSERT_EQ(h.sender.count(), 3u);
  for (const Sent& sent : h.sender.sent) {
    EXPECT_EQ(sent.bytes, invite_);
    EXPECT_EQ(sent.to, udpPeer());
  }
}

TEST_F(TransactionInviteClientTest, ProvisionalStopsRetransmissionsAndTimerB) {
  const ClientId id = start();
  h.at(600ms);
  ASSERT_TRUE(h.receive(response(180)).ok());
  EXPECT_EQ(h.table.state(id), State::Proceeding);
  EXPECT_EQ(h.user.take(), Lines{"response 180"});
  h.at(5min);
  EXPECT_EQ(h.sender.count(), 2u);  // the request and the retransmission at 500 ms
  EXPECT_TRUE(h.user.log.empty());  // no timeout in Proceeding: the proxy's Timer C decides
  EXPECT_EQ(h.table.state(id), State::Proceeding);
}

TEST_F(TransactionInviteClientTest, AcknowledgesANonSuccessFinalHopByHop) {
  const ClientId id = start();
  ASSERT_TRUE(h.receive(response(486)).ok());
  EXPECT_EQ(h.user.take(), Lines{"response 486"});
  EXPECT_EQ(h.table.state(id), State::Completed);
  ASSERT_EQ(h.sender.count(), 2u);
  // §17.1.1.3: Request-URI, the top Via only, Route, From, Call-ID of the
  // request; the To of the response; CSeq number with ACK.
  EXPECT_EQ(h.sender.sent[1].bytes,
            "ACK sip:bob@example.com SIP/2.0\r\n"
            "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKproxy1\r\n"
            "Route: <sip:p2.example.com;lr>\r\n"
            "Route: <sip:p3.example.com;lr>\r\n"
            "Max-Forwards: 70\r\n"
            "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
            "To: Bob <sip:bob@example.com>;tag=callee1\r\n"
            "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
            "CSeq: 1 ACK\r\n"
            "Content-Length: 0\r\n"
            "\r\n");
  EXPECT_EQ(h.sender.sent[1].to, udpPeer());
  EXPECT_TRUE(sip::Message::parse(h.sender.sent[1].bytes, sip::Framing::Stream).ok());
}

TEST_F(TransactionInviteClientTest, ResendsTheAckForRetransmittedFinalsUntilTimerD) {
  const ClientId id = start();
  ASSERT_TRUE(h.receive(response(404)).ok());
  h.at(1s);
  ASSERT_TRUE(h.receive(response(404)).ok());
  ASSERT_TRUE(h.receive(response(404)).ok());
  EXPECT_EQ(h.user.take(), Lines{"response 404"});  // retransmissions absorbed
  EXPECT_EQ(h.sender.startLines(), (Lines{"INVITE sip:bob@example.com SIP/2.0", "ACK sip:bob@example.com SIP/2.0",
                                          "ACK sip:bob@example.com SIP/2.0", "ACK sip:bob@example.com SIP/2.0"}));
  h.at(31'999ms);
  EXPECT_EQ(h.table.state(id), State::Completed);
  h.at(32'000ms);  // D = 32 s over UDP
  EXPECT_EQ(h.user.take(), Lines{"terminated client"});
}

TEST_F(TransactionInviteClientTest, PassesUpEverySuccessAndItsRetransmissionsUntilTimerM) {
  const ClientId id = start();
  ASSERT_TRUE(h.receive(response(200)).ok());
  EXPECT_EQ(h.table.state(id), State::Accepted);
  h.at(1s);
  ASSERT_TRUE(h.receive(response(200)).ok());
  ASSERT_TRUE(h.receive(response(200, "other-fork")).ok());
  EXPECT_EQ(h.user.take(), (Lines{"response 200", "response 200", "response 200"}));
  EXPECT_EQ(h.sender.count(), 1u);  // no ACK for 2xx: that is the TU's, end to end
  h.at(31'999ms);
  EXPECT_EQ(h.table.state(id), State::Accepted);
  h.at(32'000ms);  // M = 64*T1 after the first 2xx
  EXPECT_EQ(h.user.take(), Lines{"terminated client"});
}

TEST_F(TransactionInviteClientTest, ReliableTransportHasNoTimerAAndNoWaitInCompleted) {
  const ClientId id = start(tcpPeer());
  h.at(31'999ms);
  EXPECT_EQ(h.sender.count(), 1u);
  EXPECT_EQ(h.sender.sent[0].to.connection, 7u);
  ASSERT_TRUE(h.receive(response(503), tcpPeer()).ok());
  // The ACK is sent, the response passed up, and D = 0: terminated at once.
  EXPECT_EQ(h.sender.startLines().back(), "ACK sip:bob@example.com SIP/2.0");
  EXPECT_EQ(h.user.take(), (Lines{"response 503", "terminated client"}));
  EXPECT_EQ(h.table.state(id), std::nullopt);
}

TEST_F(TransactionInviteClientTest, ReliableTransportStillTimesOutWithTimerB) {
  start(tcpPeer());
  h.at(32s);
  EXPECT_EQ(h.user.take(), (Lines{"timeout client", "terminated client"}));
}

TEST_F(TransactionInviteClientTest, RetransmissionFailureIsReportedAndTerminates) {
  start();
  h.sender.failNext();
  h.at(500ms);
  EXPECT_EQ(h.user.take(), (Lines{"transport-error client", "terminated client"}));
  EXPECT_EQ(h.table.size(), 0u);
}

TEST_F(TransactionInviteClientTest, FailedFirstSendIsTheCallersErrorAndLeavesNothing) {
  h.sender.failNext();
  auto id = h.table.startClient(parse(invite_), udpPeer());
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error(), TransactionError::TransportError);
  EXPECT_TRUE(h.user.log.empty());  // no callback for an id the TU never got
  EXPECT_EQ(h.table.size(), 0u);
  EXPECT_TRUE(h.table.idle());
}

TEST_F(TransactionInviteClientTest, AckSendFailureIsReportedAfterTheResponse) {
  start();
  h.sender.failNext();
  ASSERT_TRUE(h.receive(response(486)).ok());
  EXPECT_EQ(h.user.take(), (Lines{"response 486", "transport-error client", "terminated client"}));
}

TEST_F(TransactionInviteClientTest, StartClientFromBytesAndTheTuMayStartAnotherFromACallback) {
  auto first = h.table.startClient(std::string_view(invite_), udpPeer());
  ASSERT_TRUE(first.ok());
  std::optional<ClientId> second;
  h.user.on_response = [&](ClientId, const sip::Message&) {
    auto started = h.table.startClient(parse(requestText({.branch = "z9hG4bKproxy2"})), udpPeer(5070));
    ASSERT_TRUE(started.ok());
    second = *started;
  };
  ASSERT_TRUE(h.receive(response(302)).ok());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(h.table.state(*second), State::Calling);
  EXPECT_EQ(h.table.size(), 2u);
}

class TransactionNonInviteClientTest : public ::testing::Test {
 protected:
  ClientId start(const Destination& next_hop = udpPeer()) {
    auto id = h.table.startClient(parse(message_), next_hop);
    EXPECT_TRUE(id.ok());
    return *id;
  }
  std::string response(int status) const { return responseText(message_, status, "callee1"); }

  std::string message_ = requestText({.method = "MESSAGE"});
  Harness h;
};

TEST_F(TransactionNonInviteClientTest, TimerEDoublesToT2UntilTimerF) {
  const ClientId id = start();
  EXPECT_EQ(h.table.state(id), State::Trying);
  h.at(31'999ms);
  // E: 500 ms, 1 s, 2 s, then T2 = 4 s (§17.1.2.2).
  EXPECT_EQ(h.sender.times(),
            (Times{0ms, 500ms, 1500ms, 3500ms, 7500ms, 11500ms, 15500ms, 19500ms, 23500ms, 27500ms, 31500ms}));
  h.at(32s);  // F = 64*T1
  EXPECT_EQ(h.user.take(), (Lines{"timeout client", "terminated client"}));
}

TEST_F(TransactionNonInviteClientTest, TimerERunsAtT2InProceeding) {
  const ClientId id = start();
  h.at(600ms);
  ASSERT_TRUE(h.receive(response(100)).ok());
  EXPECT_EQ(h.table.state(id), State::Proceeding);
  h.at(14s);
  // The E due at 1.5 s still fires; from Proceeding on it is T2 every time.
  EXPECT_EQ(h.sender.times(), (Times{0ms, 500ms, 1500ms, 5500ms, 9500ms, 13500ms}));
  h.at(32s);  // F still runs in Proceeding
  EXPECT_EQ(h.user.take(), (Lines{"response 100", "timeout client", "terminated client"}));
}

TEST_F(TransactionNonInviteClientTest, FinalResponseCompletesAndTimerKAbsorbsRetransmissions) {
  const ClientId id = start();
  h.at(100ms);
  ASSERT_TRUE(h.receive(response(200)).ok());
  EXPECT_EQ(h.table.state(id), State::Completed);
  h.at(2s);
  ASSERT_TRUE(h.receive(response(200)).ok());
  EXPECT_EQ(h.user.take(), Lines{"response 200"});
  EXPECT_EQ(h.sender.count(), 1u);  // no retransmission after the final
  h.at(5099ms);
  EXPECT_EQ(h.table.state(id), State::Completed);
  h.at(5100ms);  // K = T4 after the final
  EXPECT_EQ(h.user.take(), Lines{"terminated client"});
}

TEST_F(TransactionNonInviteClientTest, ReliableTransportHasNoTimerEAndNoTimerK) {
  const ClientId id = start(tcpPeer());
  h.at(10s);
  EXPECT_EQ(h.sender.count(), 1u);
  ASSERT_TRUE(h.receive(response(404), tcpPeer()).ok());
  EXPECT_EQ(h.user.take(), (Lines{"response 404", "terminated client"}));
  EXPECT_EQ(h.table.state(id), std::nullopt);
}

TEST_F(TransactionNonInviteClientTest, ReliableTransportStillTimesOutWithTimerF) {
  start(tcpPeer());
  h.at(31'999ms);
  EXPECT_TRUE(h.user.log.empty());
  h.at(32s);
  EXPECT_EQ(h.user.take(), (Lines{"timeout client", "terminated client"}));
}

TEST_F(TransactionNonInviteClientTest, ConfiguredTimersAreUsed) {
  Harness fast(TimerConfig{.t1 = Ms{100}, .t2 = Ms{400}, .t4 = Ms{1000}});
  ASSERT_TRUE(fast.table.startClient(parse(message_), udpPeer()).ok());
  fast.at(6399ms);
  EXPECT_EQ(fast.sender.times(), (Times{0ms, 100ms, 300ms, 700ms, 1100ms, 1500ms, 1900ms, 2300ms, 2700ms, 3100ms,
                                        3500ms, 3900ms, 4300ms, 4700ms, 5100ms, 5500ms, 5900ms, 6300ms}));
  fast.at(6400ms);  // F = 64 * 100 ms
  EXPECT_EQ(fast.user.take(), (Lines{"timeout client", "terminated client"}));
}

TEST_F(TransactionNonInviteClientTest, RefusesAckMissingCookieAndDuplicateBranch) {
  auto ack = h.table.startClient(parse(requestText({.method = "ACK"})), udpPeer());
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.error(), TransactionError::NotATransaction);
  auto legacy = h.table.startClient(parse(requestText({.method = "MESSAGE", .branch = "1234"})), udpPeer());
  ASSERT_FALSE(legacy.ok());
  EXPECT_EQ(legacy.error(), TransactionError::Malformed);
  auto mismatch = h.table.startClient(parse(requestText({.method = "MESSAGE", .cseq_method = "INFO"})), udpPeer());
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error(), TransactionError::Malformed);
  start();
  auto again = h.table.startClient(parse(message_), udpPeer());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error(), TransactionError::DuplicateBranch);
  EXPECT_EQ(h.sender.count(), 1u);
}

}  // namespace
}  // namespace tandem::transaction
