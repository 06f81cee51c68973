#include "sip/framing.h"

#include <gtest/gtest.h>

#include <string>

namespace tandem::sip {
namespace {

constexpr std::string_view kMessage =
    "MESSAGE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/TCP 192.0.2.1;branch=z9hG4bK1\r\n"
    "Content-Length: 5\r\n"
    "\r\n"
    "hello";

TEST(StreamFramerTest, CutsBackToBackMessages) {
  StreamFramer framer;
  std::string two(kMessage);
  two += kMessage;
  ASSERT_TRUE(framer.append(two));
  auto frame = framer.next();
  ASSERT_EQ(frame.kind, StreamFramer::Kind::Message);
  EXPECT_EQ(frame.message, kMessage);
  frame = framer.next();
  ASSERT_EQ(frame.kind, StreamFramer::Kind::Message);
  EXPECT_EQ(frame.message, kMessage);
  EXPECT_EQ(framer.next().kind, StreamFramer::Kind::NeedMore);
  EXPECT_FALSE(framer.midMessage());
}

TEST(StreamFramerTest, ReassemblesByteByByte) {
  StreamFramer framer;
  int messages = 0;
  std::string three = std::string(kMessage) + std::string(kMessage) + std::string(kMessage);
  for (char c : three) {
    ASSERT_TRUE(framer.append(std::string_view(&c, 1)));
    for (auto frame = framer.next(); frame.kind != StreamFramer::Kind::NeedMore; frame = framer.next()) {
      ASSERT_EQ(frame.kind, StreamFramer::Kind::Message);
      EXPECT_EQ(frame.message, kMessage);
      ++messages;
    }
  }
  EXPECT_EQ(messages, 3);
}

TEST(StreamFramerTest, AnswersPingsAndDropsPongs) {
  StreamFramer framer;
  ASSERT_TRUE(framer.append("\r\n\r\n"));
  EXPECT_EQ(framer.next().kind, StreamFramer::Kind::KeepAlive);
  ASSERT_TRUE(framer.append("\r\n"));
  EXPECT_EQ(framer.next().kind, StreamFramer::Kind::NeedMore);  // could be half a ping
  ASSERT_TRUE(framer.append(kMessage));
  auto frame = framer.next();
  ASSERT_EQ(frame.kind, StreamFramer::Kind::Message);  // the lone CRLF was a pong
  EXPECT_EQ(frame.message, kMessage);
}

TEST(StreamFramerTest, RefusesNegativeContentLengthAndCloses) {
  StreamFramer framer;
  ASSERT_TRUE(framer.append("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: -999\r\n\r\nxx"));
  auto frame = framer.next();
  ASSERT_EQ(frame.kind, StreamFramer::Kind::Error);
  EXPECT_EQ(frame.error.status, 400);
  EXPECT_EQ(frame.message, "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: -999\r\n\r\n");
  EXPECT_FALSE(framer.append("more"));
  EXPECT_EQ(framer.next().kind, StreamFramer::Kind::Error);
}

TEST(StreamFramerTest, RefusesConflictingAndMissingContentLength) {
  {
    StreamFramer framer;
    ASSERT_TRUE(framer.append("OPTIONS sip:a@b SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\nab"));
    EXPECT_EQ(framer.next().error.reason, "Conflicting Content-Length headers");
  }
  {
    StreamFramer framer;
    ASSERT_TRUE(framer.append("OPTIONS sip:a@b SIP/2.0\r\nTo: x\r\n\r\n"));
    auto frame = framer.next();
    ASSERT_EQ(frame.kind, StreamFramer::Kind::Error);
    EXPECT_EQ(frame.error.status, 400);
  }
}

TEST(StreamFramerTest, BoundsMessageAndHeaderSize) {
  FramerLimits limits;
  limits.max_message_size = 1024;
  limits.max_header_size = 512;
  {
    StreamFramer framer(limits);
    ASSERT_TRUE(framer.append("OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 2000\r\n\r\n"));
    auto frame = framer.next();
    ASSERT_EQ(frame.kind, StreamFramer::Kind::Error);
    EXPECT_EQ(frame.error.status, 413);
  }
  {
    // An endless header line: refused as soon as the limit is passed.
    StreamFramer framer(limits);
    ASSERT_TRUE(framer.append("OPTIONS sip:a@b SIP/2.0\r\nX: "));
    std::string chunk(100, 'a');
    StreamFramer::Frame frame;
    for (int i = 0; i < 10 && frame.kind != StreamFramer::Kind::Error; ++i) {
      ASSERT_TRUE(framer.append(chunk));
      frame = framer.next();
    }
    ASSERT_EQ(frame.kind, StreamFramer::Kind::Error);
    EXPECT_EQ(frame.error.status, 413);
    EXPECT_LE(framer.buffered(), 1024u);
  }
}

TEST(StreamFramerTest, WaitsForTheBodyWithoutRescanning) {
  StreamFramer framer;
  ASSERT_TRUE(framer.append("MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 3\r\n\r\na"));
  EXPECT_EQ(framer.next().kind, StreamFramer::Kind::NeedMore);
  ASSERT_TRUE(framer.append("b"));
  EXPECT_EQ(framer.next().kind, StreamFramer::Kind::NeedMore);
  ASSERT_TRUE(framer.append("cOPTIONS"));
  auto frame = framer.next();
  ASSERT_EQ(frame.kind, StreamFramer::Kind::Message);
  EXPECT_EQ(frame.message, "MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_EQ(framer.next().kind, StreamFramer::Kind::NeedMore);
  EXPECT_TRUE(framer.midMessage());
}

}  // namespace
}  // namespace tandem::sip
