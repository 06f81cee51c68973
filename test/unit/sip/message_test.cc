#include "sip/message.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tandem::sip {
namespace {

constexpr std::string_view kOptions =
    "OPTIONS sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds, SIP/2.0/TCP 192.0.2.2;branch=z9hG4bK1\r\n"
    "v: SIP/2.0/UDP 192.0.2.3;branch=z9hG4bK2\r\n"
    "Max-Forwards: 70\r\n"
    "To: <sip:bob@example.com>\r\n"
    "f: \"Alice, A.\" <sip:alice@example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710\r\n"
    "CSeq: 63104 OPTIONS\r\n"
    "Subject: a,\r\n"
    " folded  \r\n"
    "\tsubject\r\n"
    "Contact: \"Q, R\" <sip:a@b;x=\"1,2\">, <sip:c@d>\r\n"
    "X-Custom: one, two\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

Message parseOk(std::string_view text, Framing framing = Framing::Datagram) {
  auto result = Message::parse(text, framing);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().reason);
  return std::move(result).value();
}

TEST(MessageTest, ParsesRequestLineAndHeaders) {
  const Message m = parseOk(kOptions);
  EXPECT_TRUE(m.isRequest());
  EXPECT_EQ(m.method(), Method::Options);
  EXPECT_EQ(m.methodName(), "OPTIONS");
  EXPECT_EQ(m.requestUri(), "sip:bob@example.com");
  EXPECT_EQ(m.version(), "SIP/2.0");
  EXPECT_EQ(m.headers().size(), 11u);
  ASSERT_NE(m.find(HeaderId::From), nullptr);
  EXPECT_EQ(m.find(HeaderId::From)->name, "f");
  EXPECT_EQ(m.find("FROM"), m.find(HeaderId::From));
  EXPECT_EQ(m.find("call-id")->value, "a84b4c76e66710");
  EXPECT_EQ(m.find("x-custom")->value, "one, two");
  EXPECT_EQ(m.find("X-Missing"), nullptr);
  EXPECT_EQ(m.count(HeaderId::Via), 2u);
  EXPECT_EQ(m.contentLength(), 0);
  EXPECT_TRUE(m.body().empty());
  EXPECT_EQ(m.raw(), kOptions);
}

TEST(MessageTest, SplitsListHeadersAcrossLinesOutsideQuotesAndBrackets) {
  const Message m = parseOk(kOptions);
  std::vector<std::string_view> vias(m.values(HeaderId::Via).begin(), m.values(HeaderId::Via).end());
  ASSERT_EQ(vias.size(), 3u);
  EXPECT_EQ(vias[0], "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds");
  EXPECT_EQ(vias[1], "SIP/2.0/TCP 192.0.2.2;branch=z9hG4bK1");
  EXPECT_EQ(vias[2], "SIP/2.0/UDP 192.0.2.3;branch=z9hG4bK2");
  std::vector<std::string_view> contacts(m.values(HeaderId::Contact).begin(), m.values(HeaderId::Contact).end());
  ASSERT_EQ(contacts.size(), 2u);
  EXPECT_EQ(contacts[0], "\"Q, R\" <sip:a@b;x=\"1,2\">");
  EXPECT_EQ(contacts[1], "<sip:c@d>");
  // Not a list header: one value with its comma.
  std::vector<std::string_view> from(m.values(HeaderId::From).begin(), m.values(HeaderId::From).end());
  ASSERT_EQ(from.size(), 1u);
  EXPECT_TRUE(m.values(HeaderId::Route).empty());
}

TEST(MessageTest, YieldsEmptyListElements) {
  const Message m = parseOk(
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;;,;,,\r\nContent-Length: 0\r\n\r\n");
  std::vector<std::string_view> vias(m.values(HeaderId::Via).begin(), m.values(HeaderId::Via).end());
  ASSERT_EQ(vias.size(), 4u);
  EXPECT_EQ(vias[0], "SIP/2.0/UDP h;;");
  EXPECT_EQ(vias[1], ";");
  EXPECT_EQ(vias[2], "");
  EXPECT_EQ(vias[3], "");
}

TEST(MessageTest, KeepsFoldedValuesInPlace) {
  const Message m = parseOk(kOptions);
  const HeaderField* subject = m.find(HeaderId::Subject);
  ASSERT_NE(subject, nullptr);
  EXPECT_EQ(subject->value, "a,\r\n folded  \r\n\tsubject");
  EXPECT_EQ(subject->line, "Subject: a,\r\n folded  \r\n\tsubject\r\n");
}

TEST(MessageTest, ParsesResponses) {
  const Message m = parseOk("SIP/2.0 180 Ringing Now\r\nVia: SIP/2.0/UDP h\r\nContent-Length: 0\r\n\r\n");
  EXPECT_TRUE(m.isResponse());
  EXPECT_EQ(m.statusCode(), 180);
  EXPECT_EQ(m.reasonPhrase(), "Ringing Now");
  const Message empty = parseOk("SIP/2.0 100 \r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(empty.reasonPhrase(), "");
}

TEST(MessageTest, FramesDatagramBodies) {
  const Message extra = parseOk("MESSAGE sip:a@b SIP/2.0\r\nl: 5\r\n\r\nhello, and trailing junk");
  EXPECT_EQ(extra.body(), "hello");
  EXPECT_EQ(extra.raw(), "MESSAGE sip:a@b SIP/2.0\r\nl: 5\r\n\r\nhello");
  const Message no_length = parseOk("MESSAGE sip:a@b SIP/2.0\r\nTo: x\r\n\r\nwhole rest");
  EXPECT_EQ(no_length.body(), "whole rest");
  EXPECT_EQ(no_length.contentLength(), -1);
  const Message no_blank = parseOk("OPTIONS sip:a@b SIP/2.0\r\nTo: x\r\n");
  EXPECT_TRUE(no_blank.body().empty());
}

TEST(MessageTest, IgnoresLeadingCrlf) {
  const Message m = parseOk("\r\n\r\nOPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(m.method(), Method::Options);
}

TEST(MessageTest, SurvivesMoveWithViewsIntact) {
  Message m = parseOk(kOptions);
  const std::string_view uri = m.requestUri();
  Message moved = std::move(m);
  EXPECT_EQ(moved.requestUri(), uri);
  EXPECT_EQ(moved.find(HeaderId::CallId)->value, "a84b4c76e66710");
}

TEST(MessageTest, OverflowsInlineHeaderTable) {
  std::string text = "OPTIONS sip:a@b SIP/2.0\r\n";
  for (int i = 0; i < 100; ++i) {
    text += "Via: SIP/2.0/UDP h" + std::to_string(i) + "\r\n";
  }
  text += "Content-Length: 0\r\n\r\n";
  const Message m = parseOk(text);
  EXPECT_EQ(m.count(HeaderId::Via), 100u);
  EXPECT_EQ(m.headers().back().id, HeaderId::ContentLength);
  size_t n = 0;
  for (std::string_view via : m.values(HeaderId::Via)) {
    EXPECT_EQ(via, "SIP/2.0/UDP h" + std::to_string(n));
    ++n;
  }
  EXPECT_EQ(n, 100u);
}

struct BadCase {
  const char* name;
  std::string_view text;
  Framing framing;
  uint16_t status;
  std::string_view reason_part;
};

class MessageErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(MessageErrorTest, AnswersWithPreciseStatus) {
  const BadCase& c = GetParam();
  auto result = Message::parse(c.text, c.framing);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().status, c.status);
  EXPECT_NE(result.error().reason.find(c.reason_part), std::string_view::npos) << result.error().reason;
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, MessageErrorTest,
    ::testing::Values(
        BadCase{"empty", "", Framing::Datagram, 400, "Empty"},
        BadCase{"crlf_only", "\r\n\r\n", Framing::Datagram, 400, "Empty"},
        BadCase{"no_line_end", "OPTIONS sip:a@b SIP/2.0", Framing::Datagram, 400, "start line"},
        BadCase{"two_spaces", "OPTIONS  sip:a@b SIP/2.0\r\n\r\n", Framing::Datagram, 400, "Request-Line"},
        BadCase{"trailing_space", "OPTIONS sip:a@b SIP/2.0 \r\n\r\n", Framing::Datagram, 400, "Request-Line"},
        BadCase{"no_version", "OPTIONS sip:a@b\r\n\r\n", Framing::Datagram, 400, "Request-Line"},
        BadCase{"version_7", "OPTIONS sip:a@b SIP/7.0\r\n\r\n", Framing::Datagram, 505, "version"},
        BadCase{"bad_method", "OPT(IONS sip:a@b SIP/2.0\r\n\r\n", Framing::Datagram, 400, "method"},
        BadCase{"status_big", "SIP/2.0 4294967301 Huge\r\n\r\n", Framing::Datagram, 400, "status"},
        BadCase{"status_700", "SIP/2.0 700 Big\r\n\r\n", Framing::Datagram, 400, "range"},
        BadCase{"status_short", "SIP/2.0 20 OK\r\n\r\n", Framing::Datagram, 400, "status"},
        BadCase{"no_colon", "OPTIONS sip:a@b SIP/2.0\r\nVia SIP/2.0/UDP h\r\n\r\n", Framing::Datagram, 400,
                "header line"},
        BadCase{"bad_name", "OPTIONS sip:a@b SIP/2.0\r\nV(a: x\r\n\r\n", Framing::Datagram, 400, "header line"},
        BadCase{"fold_first", "OPTIONS sip:a@b SIP/2.0\r\n x\r\n\r\n", Framing::Datagram, 400, "Continuation"},
        BadCase{"negative_length", "OPTIONS sip:a@b SIP/2.0\r\nl: -999\r\n\r\n", Framing::Datagram, 400,
                "Content-Length"},
        BadCase{"huge_length", "OPTIONS sip:a@b SIP/2.0\r\nl: 99999999999999999999\r\n\r\n", Framing::Datagram,
                400, "Content-Length"},
        BadCase{"conflicting_length",
                "OPTIONS sip:a@b SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\nab", Framing::Datagram, 400,
                "Conflicting"},
        BadCase{"long_length", "OPTIONS sip:a@b SIP/2.0\r\nl: 10\r\n\r\nshort", Framing::Datagram, 400,
                "larger"},
        BadCase{"stream_no_length", "OPTIONS sip:a@b SIP/2.0\r\nTo: x\r\n\r\n", Framing::Stream, 400,
                "Missing Content-Length"},
        BadCase{"stream_no_blank", "OPTIONS sip:a@b SIP/2.0\r\nl: 0\r\n", Framing::Stream, 400, "blank line"}),
    [](const ::testing::TestParamInfo<BadCase>& param_info) { return std::string(param_info.param.name); });

TEST(MethodTest, KnowsMethodsCaseSensitively) {
  EXPECT_EQ(methodFromName("INVITE"), Method::Invite);
  EXPECT_EQ(methodFromName("invite"), Method::Unknown);
  EXPECT_EQ(methodFromName("RE%47IST%45R"), Method::Unknown);
  EXPECT_EQ(methodName(Method::Publish), "PUBLISH");
  EXPECT_TRUE(isToken("!interesting-Method0123456789_*+`.%indeed'~"));
  EXPECT_FALSE(isToken("a b"));
}

TEST(HeaderIdTest, LooksUpLongAndCompactFormsCaseInsensitively) {
  EXPECT_EQ(headerIdFromName("via"), HeaderId::Via);
  EXPECT_EQ(headerIdFromName("V"), HeaderId::Via);
  EXPECT_EQ(headerIdFromName("i"), HeaderId::CallId);
  EXPECT_EQ(headerIdFromName("CALL-ID"), HeaderId::CallId);
  EXPECT_EQ(headerIdFromName("m"), HeaderId::Contact);
  EXPECT_EQ(headerIdFromName("l"), HeaderId::ContentLength);
  EXPECT_EQ(headerIdFromName("k"), HeaderId::Supported);
  EXPECT_EQ(headerIdFromName("o"), HeaderId::Event);
  EXPECT_EQ(headerIdFromName("www-authenticate"), HeaderId::WwwAuthenticate);
  EXPECT_EQ(headerIdFromName("Subscription-State"), HeaderId::SubscriptionState);
  EXPECT_EQ(headerIdFromName("C%6Fntact"), HeaderId::Other);
  EXPECT_EQ(headerIdFromName("q"), HeaderId::Other);
  EXPECT_EQ(headerIdFromName(""), HeaderId::Other);
  for (int i = 1; i < static_cast<int>(HeaderId::Count_); ++i) {
    const auto id = static_cast<HeaderId>(i);
    EXPECT_EQ(headerIdFromName(canonicalHeaderName(id)), id) << canonicalHeaderName(id);
  }
}

}  // namespace
}  // namespace tandem::sip
