#include "sip/editor.h"

#include <gtest/gtest.h>

namespace tandem::sip {
namespace {

constexpr std::string_view kInvite =
    "INVITE sip:bob@example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@example.com>\r\n"
    "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.example.com>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "v=0\n";

Message parse(std::string_view text) {
  auto result = Message::parse(text, Framing::Datagram);
  EXPECT_TRUE(result.ok());
  return std::move(result).value();
}

TEST(EditorTest, WritesAnUneditedMessageByteForByte) {
  const Message m = parse(kInvite);
  EXPECT_EQ(Editor(m).serialize(), kInvite);
}

TEST(EditorTest, PushesViaAndChangesRequestUri) {
  const Message m = parse(kInvite);
  Editor editor(m);
  editor.pushVia("SIP/2.0/TCP proxy.example.com;branch=z9hG4bKnew");
  editor.setRequestUri("sip:bob@192.0.2.4");
  editor.replace(*m.find(HeaderId::MaxForwards), "69");
  const std::string out = editor.serialize();
  EXPECT_EQ(out,
            "INVITE sip:bob@192.0.2.4 SIP/2.0\r\n"
            "Via: SIP/2.0/TCP proxy.example.com;branch=z9hG4bKnew\r\n"
            "Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bK776asdhds\r\n"
            "Max-Forwards: 69\r\n"
            "To: Bob <sip:bob@example.com>\r\n"
            "From: Alice <sip:alice@example.com>;tag=1928301774\r\n"
            "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
            "CSeq: 314159 INVITE\r\n"
            "Contact: <sip:alice@pc33.example.com>\r\n"
            "Content-Type: application/sdp\r\n"
            "Content-Length: 4\r\n"
            "\r\n"
            "v=0\n");
  // The output parses again to the same shape.
  const Message again = parse(out);
  EXPECT_EQ(again.count(HeaderId::Via), 2u);
  EXPECT_EQ(again.requestUri(), "sip:bob@192.0.2.4");
}

TEST(EditorTest, PopsTheTopViaWholeLineOrFirstValue) {
  const Message single = parse(
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP b;branch=z9hG4bK2\r\n"
      "Content-Length: 0\r\n\r\n");
  Editor e1(single);
  e1.popVia();
  EXPECT_EQ(e1.serialize(), "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP b;branch=z9hG4bK2\r\nContent-Length: 0\r\n\r\n");

  const Message multi = parse(
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1 ,  SIP/2.0/UDP b;branch=z9hG4bK2\r\n"
      "Content-Length: 0\r\n\r\n");
  Editor e2(multi);
  e2.popVia();
  EXPECT_EQ(e2.serialize(), "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP b;branch=z9hG4bK2\r\nContent-Length: 0\r\n\r\n");
}

TEST(EditorTest, RemovesInsertsAndAppendsHeaders) {
  const Message m = parse(kInvite);
  Editor editor(m);
  editor.remove(*m.find(HeaderId::Contact));
  editor.insertBefore(*m.find(HeaderId::To), "Route", "<sip:p1.example.com;lr>");
  editor.insertFirst("Record-Route", "<sip:p2.example.com;lr>");
  editor.append("X-Tandem", "1");
  const Message out = parse(editor.serialize());
  EXPECT_EQ(out.find(HeaderId::Contact), nullptr);
  EXPECT_EQ(out.headers()[0].name, "Record-Route");
  EXPECT_EQ(out.headers()[3].name, "Route");
  EXPECT_EQ(out.headers()[4].name, "To");
  EXPECT_EQ(out.headers().back().name, "X-Tandem");
  EXPECT_EQ(out.body(), "v=0\n");
}

TEST(EditorTest, ReplacesTheBodyAndItsLength) {
  const Message m = parse(kInvite);
  Editor editor(m);
  editor.setBody("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n");
  const Message out = parse(editor.serialize());
  EXPECT_EQ(out.body(), "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n");
  EXPECT_EQ(out.contentLength(), 31);

  const Message no_length = parse("MESSAGE sip:a@b SIP/2.0\r\nTo: x\r\n\r\n");
  Editor e2(no_length);
  e2.setBody("hi");
  EXPECT_EQ(e2.serialize(), "MESSAGE sip:a@b SIP/2.0\r\nTo: x\r\nContent-Length: 2\r\n\r\nhi");
}

TEST(EditorTest, ReplacesAndInsertsInsideAValue) {
  const Message m = parse(kInvite);
  const std::string_view via = m.find(HeaderId::Via)->value;
  Editor editor(m);
  editor.replaceSpan(via.substr(via.size()), ";received=192.0.2.7");  // empty span: insertion
  const std::string_view host = via.substr(via.find("pc33"), 16);
  editor.replaceSpan(host, "pc34.example.org");
  const Message out = parse(editor.serialize());
  EXPECT_EQ(out.find(HeaderId::Via)->value, "SIP/2.0/UDP pc34.example.org;branch=z9hG4bK776asdhds;received=192.0.2.7");
}

TEST(EditorTest, RefusesTooManyEdits) {
  const Message m = parse(kInvite);
  Editor editor(m);
  for (size_t i = 0; i < Editor::kMaxEdits; ++i) {
    editor.append("X", "y");
  }
  EXPECT_TRUE(editor.ok());
  editor.append("X", "overflow");
  EXPECT_FALSE(editor.ok());
}

}  // namespace
}  // namespace tandem::sip
