// Server transactions: RFC 3261 §17.2.1 (INVITE, with RFC 6026 Accepted) and
// §17.2.2 (non-INVITE), on a manual clock with the default T1 = 500 ms,
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

class TransactionInviteServerTest : public ::testing::Test {
 protected:
  // The INVITE arrives; returns the server transaction the TU was given.
  ServerId arrive(const Destination& from = udpPeer()) {
    EXPECT_TRUE(h.receive(invite_, from).ok());
    EXPECT_FALSE(h.user.servers.empty());
    return h.user.servers.back();
  }
  std::string response(int status) const { return responseText(invite_, status, status > 100 ? "uas1" : ""); }
  std::string ack() const { return requestText({.method = "ACK", .branch = "z9hG4bKproxy1", .to_tag = "uas1"}); }

  std::string invite_ = requestText({});
  Harness h;
};

TEST_F(TransactionInviteServerTest, PassesTheInviteUpOnceAndAbsorbsRetransmissions) {
  const ServerId id = arrive();
  EXPECT_EQ(h.table.state(id), State::Proceeding);
  ASSERT_NE(h.table.request(id), nullptr);
  EXPECT_EQ(h.table.request(id)->raw(), invite_);
  ASSERT_TRUE(h.receive(invite_).ok());
  EXPECT_EQ(h.user.take(), Lines{"request INVITE"});
  EXPECT_EQ(h.sender.count(), 0u);  // nothing to resend yet
}

TEST_F(TransactionInviteServerTest, SendsOneHundredTryingWhenTheTuIsSilentFor200Ms) {
  arrive();
  h.at(199ms);
  EXPECT_EQ(h.sender.count(), 0u);
  h.at(200ms);
  ASSERT_EQ(h.sender.count(), 1u);
  EXPECT_EQ(h.sender.sent[0].bytes,
            "SIP/2.0 100 Trying\r\n"
            "Via: SIP/2.0/UDP proxy.example.com;branch=z9hG4bKproxy1\r\n"
            "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bKupstream;received=192.0.2.1\r\n"
            "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
            "To: Bob <sip:bob@example.com>\r\n"
            "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
            "CSeq: 1 INVITE\r\n"
            "Content-Length: 0\r\n"
            "\r\n");
  EXPECT_EQ(h.sender.sent[0].to, udpPeer());
  ASSERT_TRUE(h.receive(invite_).ok());  // the retransmission gets the 100 again
  EXPECT_EQ(h.sender.startLines(), (Lines{"SIP/2.0 100 Trying", "SIP/2.0 100 Trying"}));
}

TEST_F(TransactionInviteServerTest, ResendsTheLastProvisionalForRetransmissions) {
  const ServerId id = arrive();
  ASSERT_TRUE(h.table.respond(id, response(180)).ok());
  h.at(1s);
  ASSERT_TRUE(h.receive(invite_).ok());
  EXPECT_EQ(h.sender.startLines(), (Lines{"SIP/2.0 180 Reason", "SIP/2.0 180 Reason"}));  // no 100 of our own
  EXPECT_EQ(h.sender.sent[1].bytes, response(180));
}

TEST_F(TransactionInviteServerTest, NonSuccessFinalRetransmitsWithTimerGUntilTimerH) {
  const ServerId id = arrive();
  h.at(100ms);
  ASSERT_TRUE(h.table.respond(id, response(486)).ok());
  EXPECT_EQ(h.table.state(id), State::Completed);
  h.at(32'099ms);
  // G: T1 doubling to T2 (§17.2.1), from the final at 100 ms.
  EXPECT_EQ(h.sender.times(),
            (Times{100ms, 600ms, 1600ms, 3600ms, 7600ms, 11600ms, 15600ms, 19600ms, 23600ms, 27600ms, 31600ms}));
  EXPECT_EQ(h.user.take(), Lines{"request INVITE"});
  h.at(32'100ms);  // H = 64*T1
  EXPECT_EQ(h.user.take(), (Lines{"timeout server", "terminated server"}));
  EXPECT_EQ(h.table.state(id), std::nullopt);
}

TEST_F(TransactionInviteServerTest, AckConfirmsStopsTimerGAndTimerIEnds) {
  const ServerId id = arrive();
  ASSERT_TRUE(h.table.respond(id, response(486)).ok());
  h.at(600ms);  // one retransmission
  ASSERT_TRUE(h.receive(ack()).ok());
  EXPECT_EQ(h.table.state(id), State::Confirmed);
  ASSERT_TRUE(h.receive(ack()).ok());    // ACK retransmissions absorbed
  ASSERT_TRUE(h.receive(invite_).ok());  // and so are INVITE ones
  EXPECT_EQ(h.user.take(), Lines{"request INVITE"});
  h.at(5599ms);
  EXPECT_EQ(h.sender.count(), 2u);
  EXPECT_EQ(h.table.state(id), State::Confirmed);
  h.at(5600ms);  // I = T4
  EXPECT_EQ(h.user.take(), Lines{"terminated server"});
}

TEST_F(TransactionInviteServerTest, FinalIsResentForInviteRetransmissionsInCompleted) {
  const ServerId id = arrive();
  ASSERT_TRUE(h.table.respond(id, response(404)).ok());
  ASSERT_TRUE(h.receive(invite_).ok());
  EXPECT_EQ(h.sender.startLines(), (Lines{"SIP/2.0 404 Reason", "SIP/2.0 404 Reason"}));
  EXPECT_EQ(h.user.take(), Lines{"request INVITE"});
}

TEST_F(TransactionInviteServerTest, SuccessGoesToAcceptedWhereAcksGoUpAndTimerLEnds) {
  const ServerId id = arrive();
  ASSERT_TRUE(h.table.respond(id, response(200)).ok());
  EXPECT_EQ(h.table.state(id), State::Accepted);
  h.at(1s);
  ASSERT_TRUE(h.receive(invite_).ok());  // absorbed, and the 2xx is not resent (RFC 6026 §8.7)
  EXPECT_EQ(h.sender.count(), 1u);
  ASSERT_TRUE(h.table.respond(id, response(200)).ok());  // the TU's 2xx retransmission
  EXPECT_EQ(h.sender.count(), 2u);
  ASSERT_TRUE(h.receive(ack()).ok());
  EXPECT_EQ(h.user.take(), (Lines{"request INVITE", "ack matched"}));
  EXPECT_FALSE(h.table.respond(id, response(486)).ok());  // no non-2xx after a 2xx
  h.at(31'999ms);
  EXPECT_EQ(h.table.state(id), State::Accepted);
  h.at(32s);  // L = 64*T1
  EXPECT_EQ(h.user.take(), Lines{"terminated server"});
}

TEST_F(TransactionInviteServerTest, AckForASuccessWithItsOwnBranchIsPassedUpUnmatched) {
  const ServerId id = arrive();
  ASSERT_TRUE(h.table.respond(id, response(200)).ok());
  h.user.take();
  ASSERT_TRUE(h.receive(requestText({.method = "ACK", .branch = "z9hG4bKnewAck", .to_tag = "uas1"})).ok());
  EXPECT_EQ(h.user.take(), Lines{"ack stray"});
}

TEST_F(TransactionInviteServerTest, ReliableTransportHasNoTimerGAndNoTimerI) {
  const ServerId id = arrive(tcpPeer());
  ASSERT_TRUE(h.table.respond(id, response(486)).ok());
  h.at(10s);
  EXPECT_EQ(h.sender.count(), 1u);
  EXPECT_EQ(h.sender.sent[0].to.connection, 7u);
  ASSERT_TRUE(h.receive(ack(), tcpPeer()).ok());
  EXPECT_EQ(h.user.take(), (Lines{"request INVITE", "terminated server"}));  // I = 0
}

TEST_F(TransactionInviteServerTest, ReliableTransportStillWaitsTimerHForTheAck) {
  const ServerId id = arrive(tcpPeer());
  ASSERT_TRUE(h.table.respond(id, response(486)).ok());
  h.at(31'999ms);
  EXPECT_EQ(h.table.state(id), State::Completed);
  h.at(32s);
  EXPECT_EQ(h.user.take(), (Lines{"request INVITE", "timeout server", "terminated server"}));
}

TEST_F(TransactionInviteServerTest, RepliesGoToReplyToWhenGiven) {
  Destination reply = udpPeer(5999);
  ASSERT_TRUE(h.table.onMessage(Incoming{parse(invite_), udpPeer(), reply}).ok());
  ASSERT_TRUE(h.table.respond(h.user.servers.back(), response(180)).ok());
  EXPECT_EQ(h.sender.sent[0].to, reply);
}

TEST_F(TransactionInviteServerTest, TuMayAnswerFromTheRequestCallback) {
  h.user.on_request = [&](ServerId id, const sip::Message&) { ASSERT_TRUE(h.table.respond(id, response(180)).ok()); };
  const ServerId id = arrive();
  h.at(1s);
  EXPECT_EQ(h.sender.startLines(), Lines{"SIP/2.0 180 Reason"});  // and no 100 of our own
  EXPECT_EQ(h.table.state(id), State::Proceeding);
}

TEST_F(TransactionInviteServerTest, SendFailureOfTheFinalIsTheCallersAndTerminates) {
  const ServerId id = arrive();
  h.sender.failNext();
  const auto sent = h.table.respond(id, response(486));
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error(), TransactionError::TransportError);
  EXPECT_EQ(h.user.take(), (Lines{"request INVITE", "terminated server"}));
}

TEST_F(TransactionInviteServerTest, RetransmissionFailureOfTheFinalIsReported) {
  const ServerId id = arrive();
  ASSERT_TRUE(h.table.respond(id, response(486)).ok());
  h.sender.failNext();
  h.at(500ms);
  EXPECT_EQ(h.user.take(), (Lines{"request INVITE", "transport-error server", "terminated server"}));
}

TEST_F(TransactionInviteServerTest, SendFailureInAcceptedKeepsTheTransaction) {
  const ServerId id = arrive();
  ASSERT_TRUE(h.table.respond(id, response(200)).ok());
  h.sender.failNext();
  EXPECT_FALSE(h.table.respond(id, response(200)).ok());
  EXPECT_EQ(h.table.state(id), State::Accepted);
}

TEST_F(TransactionInviteServerTest, TryingCanBeTurnedOff) {
  Harness quiet(TimerConfig{.send_trying = false});
  ASSERT_TRUE(quiet.receive(invite_).ok());
  quiet.at(10s);
  EXPECT_EQ(quiet.sender.count(), 0u);
}

class TransactionNonInviteServerTest : public ::testing::Test {
 protected:
  ServerId arrive(const Destination& from = udpPeer()) {
    EXPECT_TRUE(h.receive(message_, from).ok());
    return h.user.servers.back();
  }
  std::string response(int status) const { return responseText(message_, status, "uas1"); }

  std::string message_ = requestText({.method = "MESSAGE"});
  Harness h;
};

TEST_F(TransactionNonInviteServerTest, AbsorbsRetransmissionsAndResendsTheLastResponse) {
  const ServerId id = arrive();
  EXPECT_EQ(h.table.state(id), State::Trying);
  ASSERT_TRUE(h.receive(message_).ok());  // Trying: absorbed, nothing to send
  EXPECT_EQ(h.sender.count(), 0u);
  ASSERT_TRUE(h.table.respond(id, response(100)).ok());
  EXPECT_EQ(h.table.state(id), State::Proceeding);
  ASSERT_TRUE(h.receive(message_).ok());
  ASSERT_TRUE(h.table.respond(id, response(202)).ok());
  EXPECT_EQ(h.table.state(id), State::Completed);
  ASSERT_TRUE(h.receive(message_).ok());
  ASSERT_TRUE(h.receive(message_).ok());
  EXPECT_EQ(h.sender.startLines(), (Lines{"SIP/2.0 100 Reason", "SIP/2.0 100 Reason", "SIP/2.0 202 Reason",
                                          "SIP/2.0 202 Reason", "SIP/2.0 202 Reason"}));
  EXPECT_EQ(h.user.take(), Lines{"request MESSAGE"});
  h.at(1min);
  EXPECT_EQ(h.sender.count(), 5u);  // a server never retransmits a non-INVITE response on its own
}

TEST_F(TransactionNonInviteServerTest, TimerJEndsTheCompletedState) {
  const ServerId id = arrive();
  h.at(1s);
  ASSERT_TRUE(h.table.respond(id, response(200)).ok());
  h.at(32'999ms);
  EXPECT_EQ(h.table.state(id), State::Completed);
  h.at(33s);  // J = 64*T1 over UDP
  EXPECT_EQ(h.user.take(), (Lines{"request MESSAGE", "terminated server"}));
}

TEST_F(TransactionNonInviteServerTest, ReliableTransportHasNoTimerJ) {
  const ServerId id = arrive(tcpPeer());
  ASSERT_TRUE(h.table.respond(id, response(200)).ok());
  EXPECT_EQ(h.user.take(), (Lines{"request MESSAGE", "terminated server"}));
  EXPECT_EQ(h.table.state(id), std::nullopt);
}

TEST_F(TransactionNonInviteServerTest, RefusesSecondFinalBadBytesAndStaleIds) {
  const ServerId id = arrive();
  ASSERT_TRUE(h.table.respond(id, response(200)).ok());
  auto second = h.table.respond(id, response(500));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error(), TransactionError::NotAllowedInState);
  auto provisional = h.table.respond(id, response(180));
  ASSERT_FALSE(provisional.ok());
  EXPECT_EQ(provisional.error(), TransactionError::NotAllowedInState);
  auto garbage = h.table.respond(id, "hello");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error(), TransactionError::Malformed);
  h.at(40s);
  auto stale = h.table.respond(id, response(200));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error(), TransactionError::UnknownTransaction);
}

TEST_F(TransactionNonInviteServerTest, NoOneHundredTryingForNonInvite) {
  arrive();
  h.at(10s);
  EXPECT_EQ(h.sender.count(), 0u);
}

TEST_F(TransactionNonInviteServerTest, TerminateEndsAnUnansweredTransaction) {
  const ServerId id = arrive();
  ASSERT_TRUE(h.table.terminate(id).ok());
  EXPECT_EQ(h.user.take(), (Lines{"request MESSAGE", "terminated server"}));
  EXPECT_FALSE(h.table.terminate(id).ok());
  ASSERT_TRUE(h.receive(message_).ok());  // a new transaction now
  EXPECT_EQ(h.user.take(), Lines{"request MESSAGE"});
}

}  // namespace
}  // namespace tandem::transaction
