#include "sip/response.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "common/version.h"

namespace tandem::sip {
namespace {

constexpr std::string_view kOptions =
    "OPTIONS sip:lcs1.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK1, SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK2\r\n"
    "Max-Forwards: 70\r\n"
    "v: SIP/2.0/TCP 192.0.2.3;branch=z9hG4bK3\r\n"
    "f: <sip:alice@example.com>;tag=a1\r\n"
    "t: \"Bob\" <sip:bob@example.com>\r\n"
    "i: call-1@192.0.2.1\r\n"
    "CSeq: 7 OPTIONS\r\n"
    "Contact: <sip:alice@192.0.2.1:5070>\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

Message parse(std::string_view bytes) {
  auto message = Message::parse(bytes, Framing::Datagram);
  EXPECT_TRUE(message.ok());
  return std::move(message).value();
}

std::string expectedTail() { return std::string("Server: Tandem/") + kVersion + "\r\nContent-Length: 0\r\n\r\n"; }

TEST(BuildResponseTest, CopiesTheDialogHeadersInOrderAndTagsTheTo) {
  const Message request = parse(kOptions);
  const std::array<HeaderPair, 1> extra = {{{"Allow", "OPTIONS"}}};
  const std::string response = buildResponse(request, 200, "OK", "t42", extra);
  EXPECT_EQ(response,
            "SIP/2.0 200 OK\r\n"
            "Via: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK1, SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK2\r\n"
            "Via: SIP/2.0/TCP 192.0.2.3;branch=z9hG4bK3\r\n"
            "From: <sip:alice@example.com>;tag=a1\r\n"
            "To: \"Bob\" <sip:bob@example.com>;tag=t42\r\n"
            "Call-ID: call-1@192.0.2.1\r\n"
            "CSeq: 7 OPTIONS\r\n"
            "Allow: OPTIONS\r\n" +
                expectedTail());
}

TEST(BuildResponseTest, TheResponseParsesBack) {
  const std::string bytes = buildResponse(parse(kOptions), 480, defaultReason(480), "x");
  auto response = Message::parse(bytes, Framing::Stream);
  ASSERT_TRUE(response.ok()) << response.error().reason;
  EXPECT_EQ(response->statusCode(), 480);
  EXPECT_EQ(response->reasonPhrase(), "Temporarily Unavailable");
  EXPECT_EQ(response->count(HeaderId::Via), 2u);
  EXPECT_EQ(response->find(HeaderId::Contact), nullptr);
  EXPECT_EQ(response->find(HeaderId::MaxForwards), nullptr);
}

TEST(BuildResponseTest, KeepsAnExistingToTag) {
  std::string request(kOptions);
  request.replace(request.find("t: \"Bob\" <sip:bob@example.com>"), 30, "t: <sip:bob@example.com>;tag=old");
  const std::string response = buildResponse(parse(request), 200, "OK", "new");
  EXPECT_NE(response.find("To: <sip:bob@example.com>;tag=old\r\n"), std::string::npos);
  EXPECT_EQ(response.find("new"), std::string::npos);
}

TEST(BuildResponseTest, DoesNotTag100Trying) {
  const std::string response = buildResponse(parse(kOptions), 100, "Trying", "t42");
  EXPECT_NE(response.find("To: \"Bob\" <sip:bob@example.com>\r\n"), std::string::npos);
}

TEST(BuildResponseFromRawTest, AnswersWhatItCanFindInBrokenBytes) {
  constexpr std::string_view kBroken =
      "\r\nMESSAGE sip:bob@example.com SIP/2.0\r\n"
      "Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK9\n"  // bare LF
      "Content-Length: 99999999999\r\n"
      "garbage line without a colon\r\n"
      "From: <sip:alice@example.com>\r\n"
      " ;tag=folded\r\n"
      "To: <sip:bob@example.com>\r\n"
      "Call-ID: c9\r\n"
      "CSeq: 1 MESSAGE\r\n"
      "\r\n"
      "CSeq: 2 IGNORED\r\n";
  const std::string response = buildResponseFromRaw(kBroken, 400, "Bad Request", "t");
  EXPECT_EQ(response,
            "SIP/2.0 400 Bad Request\r\n"
            "Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK9\r\n"
            "From: <sip:alice@example.com>\r\n ;tag=folded\r\n"
            "To: <sip:bob@example.com>;tag=t\r\n"
            "Call-ID: c9\r\n"
            "CSeq: 1 MESSAGE\r\n" +
                expectedTail());
}

TEST(BuildResponseFromRawTest, NeverAnswersResponsesAckOrViaLessBytes) {
  EXPECT_EQ(buildResponseFromRaw("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n", 400, "x", ""), "");
  EXPECT_EQ(buildResponseFromRaw("ACK sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n", 400, "x", ""),
            "");
  EXPECT_EQ(buildResponseFromRaw("OPTIONS sip:a@b SIP/2.0\r\nFrom: <sip:a@b>\r\n\r\n", 400, "x", ""), "");
  EXPECT_EQ(buildResponseFromRaw("", 400, "x", ""), "");
  EXPECT_EQ(buildResponseFromRaw(std::string_view("\0\xff\r\n", 4), 400, "x", ""), "");
}

TEST(WarningValueTest, QuotesAndEscapes) {
  EXPECT_EQ(warningValue(399, "lcs1.example.com", "Malformed Via header"),
            "399 lcs1.example.com \"Malformed Via header\"");
  EXPECT_EQ(warningValue(399, "h", "a \"b\" \\ c\r\n"), "399 h \"a \\\"b\\\" \\\\ c\"");
}

TEST(DefaultReasonTest, KnownCodesAndClasses) {
  EXPECT_EQ(defaultReason(200), "OK");
  EXPECT_EQ(defaultReason(481), "Call/Transaction Does Not Exist");
  EXPECT_EQ(defaultReason(607), "Unwanted");
  EXPECT_EQ(defaultReason(499), "Client Error");
  EXPECT_EQ(defaultReason(299), "Success");
  EXPECT_EQ(defaultReason(42), "Unknown");
  EXPECT_EQ(defaultReason(700), "Unknown");
}

Via via(std::string_view value) {
  auto parsed = parseVia(value);
  EXPECT_TRUE(parsed.ok()) << value;
  return parsed.ok() ? *parsed : Via{};
}

TEST(ResponseTargetTest, UdpGoesToTheSourceAddressAndTheSentByPort) {
  const ResponseTarget target =
      responseTarget(via("SIP/2.0/UDP client.example.com:5070;branch=z9hG4bK1"), false, "192.0.2.7", 40000);
  EXPECT_FALSE(target.same_connection);
  EXPECT_EQ(target.host, "192.0.2.7");
  EXPECT_EQ(target.port, 5070);
}

TEST(ResponseTargetTest, DefaultPortsWhenSentByHasNone) {
  EXPECT_EQ(responseTarget(via("SIP/2.0/UDP 192.0.2.7;branch=z9hG4bK1"), false, "192.0.2.7", 1).port, 5060);
  EXPECT_EQ(responseTarget(via("SIP/2.0/TLS 192.0.2.7;branch=z9hG4bK1"), false, "192.0.2.7", 1).port, 5061);
}

TEST(ResponseTargetTest, RportSendsBackToTheSourcePort) {
  const ResponseTarget target =
      responseTarget(via("SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bK1"), false, "203.0.113.9", 61000);
  EXPECT_EQ(target.host, "203.0.113.9");
  EXPECT_EQ(target.port, 61000);
}

TEST(ResponseTargetTest, ReceivedOnTheWireIsNotTrusted) {
  const ResponseTarget target =
      responseTarget(via("SIP/2.0/UDP 10.0.0.1;received=198.51.100.1;branch=z9hG4bK1"), false, "203.0.113.9", 1);
  EXPECT_EQ(target.host, "203.0.113.9");
}

TEST(ResponseTargetTest, MaddrWins) {
  const ResponseTarget target = responseTarget(
      via("SIP/2.0/UDP 10.0.0.1:5080;maddr=239.255.255.1;ttl=1;rport;branch=z9hG4bK1"), false, "203.0.113.9", 1);
  EXPECT_EQ(target.host, "239.255.255.1");
  EXPECT_EQ(target.port, 5080);
}

TEST(ResponseTargetTest, StreamsAnswerOnTheirConnection) {
  const ResponseTarget target =
      responseTarget(via("SIP/2.0/TCP 10.0.0.1:5070;branch=z9hG4bK1"), true, "203.0.113.9", 40000);
  EXPECT_TRUE(target.same_connection);
  EXPECT_EQ(target.host, "203.0.113.9");
  EXPECT_EQ(target.port, 5070);
}

}  // namespace
}  // namespace tandem::sip
