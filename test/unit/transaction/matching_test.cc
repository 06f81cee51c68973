// Matching: RFC 3261 §17.1.3 (client), §17.2.3 (server, with the RFC 2543
// fallback), §9.2 (CANCEL to its INVITE).

#include "transaction/matching.h"

#include <gtest/gtest.h>

#include "transaction/transaction_table.h"
#include "transaction_fakes.h"

namespace tandem::transaction {
namespace {

using namespace fakes;
using Lines = std::vector<std::string>;

TEST(TransactionMatchingTest, ServerKeyIsBranchSentByAndMethodWithAckAsInvite) {
  const sip::Message invite = request({});
  const sip::Message ack = request({.method = "ACK", .to_tag = "x"});
  const sip::Message other_host = request({.sent_by = "elsewhere.example.com"});
  const sip::Message bye = request({.method = "BYE"});
  const auto invite_key = requestKey(invite);
  ASSERT_TRUE(invite_key.ok());
  EXPECT_TRUE(invite_key->rfc3261);
  EXPECT_EQ(invite_key->branch, "z9hG4bKproxy1");
  EXPECT_TRUE(serverMatches(*invite_key, *requestKey(ack), true, ""));
  EXPECT_FALSE(serverMatches(*invite_key, *requestKey(other_host), false, ""));
  EXPECT_FALSE(serverMatches(*invite_key, *requestKey(bye), false, ""));
}

TEST(TransactionMatchingTest, SentByHostIsCaseInsensitive) {
  // Keys are views: the messages outlive them.
  const sip::Message upper = request({.sent_by = "Proxy.Example.COM"});
  const sip::Message lower = request({.sent_by = "proxy.example.com"});
  const sip::Message with_port = request({.sent_by = "proxy.example.com:5070"});
  EXPECT_TRUE(serverMatches(*requestKey(upper), *requestKey(lower), false, ""));
  EXPECT_FALSE(serverMatches(*requestKey(lower), *requestKey(with_port), false, ""));
}

TEST(TransactionMatchingTest, ExtensionMethodsMatchByName) {
  const sip::Message foo = request({.method = "FOO"});
  const sip::Message foo_again = request({.method = "FOO"});
  const sip::Message bar = request({.method = "BAR"});
  const auto foo_key = requestKey(foo);
  ASSERT_TRUE(foo_key.ok());
  EXPECT_TRUE(serverMatches(*foo_key, *requestKey(foo_again), false, ""));
  EXPECT_FALSE(serverMatches(*foo_key, *requestKey(bar), false, ""));
}

TEST(TransactionMatchingTest, RequestWithoutViaIsMalformed) {
  const sip::Message bad =
      parse("OPTIONS sip:bob@example.com SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
  const auto key = requestKey(bad);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error(), TransactionError::Malformed);
}

class TransactionTableMatchingTest : public ::testing::Test {
 protected:
  Harness h;
};

TEST_F(TransactionTableMatchingTest, CancelIsItsOwnTransactionAndFindsItsInvite) {
  const std::string invite = requestText({});
  const std::string cancel = requestText({.method = "CANCEL"});
  ASSERT_TRUE(h.receive(invite).ok());
  ASSERT_TRUE(h.receive(cancel).ok());
  ASSERT_EQ(h.user.servers.size(), 2u);
  const ServerId invite_id = h.user.servers[0];
  const ServerId cancel_id = h.user.servers[1];
  EXPECT_EQ(h.user.take(), (Lines{"request INVITE", "request CANCEL"}));
  EXPECT_EQ(h.table.state(cancel_id), State::Trying);
  const auto found = h.table.findInviteForCancel(*h.table.request(cancel_id));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, invite_id);
  // The CANCEL's own retransmission matches the CANCEL transaction, not the INVITE.
  ASSERT_TRUE(h.table.respond(cancel_id, responseText(cancel, 200, "uas1")).ok());
  ASSERT_TRUE(h.receive(cancel).ok());
  EXPECT_EQ(h.sender.startLines(), (Lines{"SIP/2.0 200 Reason", "SIP/2.0 200 Reason"}));
  EXPECT_TRUE(h.user.log.empty());
}

TEST_F(TransactionTableMatchingTest, CancelWithAnotherBranchFindsNothing) {
  ASSERT_TRUE(h.receive(requestText({})).ok());
  const sip::Message cancel = request({.method = "CANCEL", .branch = "z9hG4bKother"});
  EXPECT_FALSE(h.table.findInviteForCancel(cancel).has_value());
  const sip::Message not_cancel = request({.method = "BYE"});
  EXPECT_FALSE(h.table.findInviteForCancel(not_cancel).has_value());
}

TEST_F(TransactionTableMatchingTest, SameBranchFromAnotherSentByIsANewTransaction) {
  ASSERT_TRUE(h.receive(requestText({.method = "MESSAGE"})).ok());
  ASSERT_TRUE(h.receive(requestText({.method = "MESSAGE", .sent_by = "other.example.com"})).ok());
  EXPECT_EQ(h.user.take(), (Lines{"request MESSAGE", "request MESSAGE"}));
  EXPECT_EQ(h.table.size(), 2u);
}

TEST_F(TransactionTableMatchingTest, ResponsesMatchByBranchAndCSeqMethod) {
  // An INVITE and its CANCEL share the branch (§9.1); the CSeq method tells
  // their responses apart.
  const std::string invite = requestText({});
  const std::string cancel = requestText({.method = "CANCEL"});
  auto invite_id = h.table.startClient(parse(invite), udpPeer());
  auto cancel_id = h.table.startClient(parse(cancel), udpPeer());
  ASSERT_TRUE(invite_id.ok());
  ASSERT_TRUE(cancel_id.ok());
  ASSERT_TRUE(h.receive(responseText(cancel, 200, "uas1")).ok());
  EXPECT_EQ(h.table.state(*cancel_id), State::Completed);
  EXPECT_EQ(h.table.state(*invite_id), State::Calling);
  ASSERT_TRUE(h.receive(responseText(invite, 487, "uas1")).ok());
  EXPECT_EQ(h.table.state(*invite_id), State::Completed);
  EXPECT_EQ(h.user.take(), (Lines{"response 200", "response 487"}));
}

TEST_F(TransactionTableMatchingTest, UnmatchedResponsesAreStray) {
  ASSERT_TRUE(h.receive(responseText(requestText({.branch = "z9hG4bKnobody"}), 200, "x")).ok());
  EXPECT_EQ(h.user.take(), Lines{"stray 200"});
  const auto bad = h.receive("SIP/2.0 200 OK\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), TransactionError::Malformed);
}

// RFC 2543 peers send no magic cookie; §17.2.3 falls back to the dialog and
// CSeq fields and the whole top Via.
class TransactionRfc2543MatchingTest : public ::testing::Test {
 protected:
  std::string invite_ = requestText({.branch = "", .sent_by = "old.example.com"});
  std::string ack(std::string_view to_tag) const {
    return requestText({.method = "ACK", .branch = "", .sent_by = "old.example.com", .to_tag = std::string(to_tag)});
  }
  Harness h;
};

TEST_F(TransactionRfc2543MatchingTest, RetransmissionIsAbsorbed) {
  ASSERT_TRUE(h.receive(invite_).ok());
  ASSERT_TRUE(h.receive(invite_).ok());
  EXPECT_EQ(h.user.take(), Lines{"request INVITE"});
  // Another CSeq is another transaction.
  ASSERT_TRUE(h.receive(requestText({.branch = "", .sent_by = "old.example.com", .cseq = 2})).ok());
  EXPECT_EQ(h.user.take(), Lines{"request INVITE"});
}

TEST_F(TransactionRfc2543MatchingTest, AckMatchesByTheToTagOfOurResponse) {
  ASSERT_TRUE(h.receive(invite_).ok());
  const ServerId id = h.user.servers.back();
  ASSERT_TRUE(h.table.respond(id, responseText(invite_, 486, "uas1")).ok());
  ASSERT_TRUE(h.receive(ack("someone-else")).ok());  // not ours: passed up
  EXPECT_EQ(h.table.state(id), State::Completed);
  ASSERT_TRUE(h.receive(ack("uas1")).ok());
  EXPECT_EQ(h.table.state(id), State::Confirmed);
  EXPECT_EQ(h.user.take(), (Lines{"request INVITE", "ack stray"}));
}

TEST_F(TransactionRfc2543MatchingTest, CancelFindsItsInvite) {
  ASSERT_TRUE(h.receive(invite_).ok());
  const sip::Message cancel = request({.method = "CANCEL", .branch = "", .sent_by = "old.example.com"});
  const auto found = h.table.findInviteForCancel(cancel);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, h.user.servers.front());
  const sip::Message other = request({.method = "CANCEL", .branch = "", .sent_by = "old.example.com", .cseq = 9});
  EXPECT_FALSE(h.table.findInviteForCancel(other).has_value());
}

TEST_F(TransactionRfc2543MatchingTest, ABranchWithoutTheCookieIsStillRfc2543) {
  const std::string message = requestText({.method = "MESSAGE", .branch = "1234"});
  const sip::Message parsed = parse(message);
  const auto key = requestKey(parsed);
  ASSERT_TRUE(key.ok());
  EXPECT_FALSE(key->rfc3261);
  ASSERT_TRUE(h.receive(message).ok());
  ASSERT_TRUE(h.receive(message).ok());
  EXPECT_EQ(h.user.take(), Lines{"request MESSAGE"});
}

}  // namespace
}  // namespace tandem::transaction
