#include "sip/validate.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "sip/message.h"

namespace tandem::sip {
namespace {

constexpr std::string_view kHeaders =
    "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n"
    "Max-Forwards: 70\r\n"
    "To: Bob <sip:bob@biloxi.com>\r\n"
    "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n"
    "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: <sip:alice@pc33.atlanta.com>\r\n";

// A request: `start` line, the default headers with `replace` substituted
// for `find` (when given), `extra` headers appended, then an empty body.
std::string request(std::string_view start = "INVITE sip:bob@biloxi.com SIP/2.0", std::string_view find = {},
                    std::string_view replace = {}, std::string_view extra = {}) {
  std::string headers(kHeaders);
  if (!find.empty()) {
    const size_t at = headers.find(find);
    EXPECT_NE(at, std::string::npos) << find;
    headers.replace(at, find.size(), replace);
  }
  return std::string(start) + "\r\n" + headers + std::string(extra) + "Content-Length: 0\r\n\r\n";
}

std::string response(std::string_view status_line, std::string_view find = {}, std::string_view replace = {}) {
  std::string text = request("", find, replace);
  return std::string(status_line) + text;  // request("") starts with "\r\n"
}

Status validate(const std::string& bytes) {
  auto message = Message::parse(bytes, Framing::Datagram);
  EXPECT_TRUE(message.ok()) << bytes;
  if (!message.ok()) {
    return fail(message.error());
  }
  return message->isRequest() ? validateRequest(*message) : validateResponse(*message);
}

void expectOk(const std::string& bytes) {
  const Status status = validate(bytes);
  EXPECT_TRUE(status.ok()) << (status.ok() ? "" : status.error().reason) << "\n" << bytes;
}

void expectError(const std::string& bytes, uint16_t code, std::string_view reason) {
  const Status status = validate(bytes);
  ASSERT_FALSE(status.ok()) << bytes;
  EXPECT_EQ(status.error().status, code) << bytes;
  EXPECT_EQ(status.error().reason, reason) << bytes;
}

TEST(ValidateRequestTest, WellFormed) {
  expectOk(request());
  expectOk(request("OPTIONS sip:bob@biloxi.com SIP/2.0", "CSeq: 314159 INVITE", "CSeq: 1 OPTIONS"));
  expectOk(request("INVITE sips:bob@[2001:db8::1]:5061 SIP/2.0"));
  expectOk(request("INVITE tel:+1-201-555-0123 SIP/2.0"));
  // RFC 2543 peers send no Max-Forwards.
  expectOk(request("INVITE sip:bob@biloxi.com SIP/2.0", "Max-Forwards: 70\r\n", ""));
  expectOk(request("INVITE sip:bob@biloxi.com SIP/2.0", "Max-Forwards: 70", "Max-Forwards: 0"));
  expectOk(request("INVITE sip:bob@biloxi.com SIP/2.0", {}, {},
                   "Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
                   "Record-Route: <sip:p3.example.com;lr>\r\n"
                   "Via: SIP/2.0/TCP [2001:db8::9:1]:6050;branch=z9hG4bK2, SIP/2.0/UDP h;branch=z9hG4bK3\r\n"));
  expectOk(request("REGISTER sip:biloxi.com SIP/2.0", "CSeq: 314159 INVITE\r\nContact: <sip:alice@pc33.atlanta.com>",
                   "CSeq: 1 REGISTER\r\nContact: *\r\nExpires: 0"));
}

TEST(ValidateRequestTest, MissingAndRepeatedHeaders) {
  const std::string start = "INVITE sip:bob@biloxi.com SIP/2.0";
  expectError(request(start, "To: Bob <sip:bob@biloxi.com>\r\n", ""), 400, "Missing To header");
  expectError(request(start, "From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n", ""), 400, "Missing From header");
  expectError(request(start, "Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n", ""), 400, "Missing Call-ID header");
  expectError(request(start, "CSeq: 314159 INVITE\r\n", ""), 400, "Missing CSeq header");
  expectError(request(start, "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n", ""), 400,
              "Missing Via header");
  expectError(request(start, {}, {}, "To: <sip:carol@chicago.com>\r\n"), 400, "Multiple To headers");
  expectError(request(start, {}, {}, "f: <sip:carol@chicago.com>;tag=2\r\n"), 400, "Multiple From headers");
  expectError(request(start, {}, {}, "i: other@h\r\n"), 400, "Multiple Call-ID headers");
  expectError(request(start, {}, {}, "CSeq: 2 INVITE\r\n"), 400, "Multiple CSeq headers");
  expectError(request(start, {}, {}, "Max-Forwards: 69\r\n"), 400, "Multiple Max-Forwards headers");
  expectError(request(start, {}, {}, "Expires: 1\r\nExpires: 2\r\n"), 400, "Multiple Expires headers");
}

TEST(ValidateRequestTest, MalformedHeaders) {
  const std::string start = "INVITE sip:bob@biloxi.com SIP/2.0";
  expectError(request(start, "CSeq: 314159 INVITE", "CSeq: 4294967296 INVITE"), 400, "Malformed CSeq header");
  expectError(request(start, "CSeq: 314159 INVITE", "CSeq: 1 OPTIONS"), 400,
              "CSeq method does not match the request method");
  expectError(request(start, "CSeq: 314159 INVITE", "CSeq: 1 invite"), 400,
              "CSeq method does not match the request method");
  expectError(request(start, "Call-ID: a84b4c76e66710@pc33.atlanta.com", "Call-ID: a b"), 400,
              "Malformed Call-ID header");
  expectError(request(start, "branch=z9hG4bK776asdhds", "branch=z9hG4bK776asdhds;;"), 400, "Malformed Via header");
  expectError(request(start, {}, {}, "Via: SIP/2.0/UDP h;branch=z9hG4bK2,\r\n"), 400, "Malformed Via header");
  expectError(request(start, "To: Bob <sip:bob@biloxi.com>", "To: Bob, Jr <sip:bob@biloxi.com>"), 400,
              "Malformed To header");
  expectError(request(start, "From: Alice <sip:alice@atlanta.com>", "From: \"Alice <sip:alice@atlanta.com>"), 400,
              "Malformed From header");
  expectError(request(start, "Contact: <sip:alice@pc33.atlanta.com>", "Contact: <sip:alice@pc33.atlanta.com>;;"), 400,
              "Malformed Contact header");
  expectError(request(start, {}, {}, "Route: <sip:p1.example.com;lr>,\r\n"), 400, "Malformed Route header");
  expectError(request(start, {}, {}, "Record-Route: sip:p1.example.com?x=y\r\n"), 400, "Malformed Record-Route header");
  expectError(request(start, "Max-Forwards: 70", "Max-Forwards: 256"), 400, "Malformed Max-Forwards header");
  expectError(request(start, "Max-Forwards: 70", "Max-Forwards: ten"), 400, "Malformed Max-Forwards header");
}

TEST(ValidateRequestTest, RequestUri) {
  expectError(request("INVITE sip:2001:db8::10 SIP/2.0"), 400, "Malformed Request-URI");
  expectError(request("INVITE sip:bob@biloxi.com?Route=%3Csip:example.com%3E SIP/2.0"), 400,
              "Headers not allowed in the Request-URI");
  expectError(request("INVITE mailto:bob@biloxi.com SIP/2.0"), 416, "Unsupported URI scheme");
  expectError(request("INVITE soap.beep://192.0.2.103:3002 SIP/2.0"), 416, "Unsupported URI scheme");
}

TEST(ValidateRequestTest, IgnoresWhatTheProxyDoesNotUse) {
  // §16.3: components not used are left alone (a non-GMT Date, unknown headers).
  expectOk(request("INVITE sip:bob@biloxi.com SIP/2.0", {}, {},
                   "Date: Fri, 01 Jan 2010 16:00:00 EST\r\nX-Weird: ;;,,;\r\nRequire: nothingSupportsThis\r\n"));
}

TEST(ValidateResponseTest, WellFormedAndMalformed) {
  expectOk(response("SIP/2.0 200 OK"));
  expectOk(response("SIP/2.0 100 "));
  expectOk(response("SIP/2.0 699 Whatever"));
  // A method mismatch is irrelevant for responses (the CSeq names the request).
  expectOk(response("SIP/2.0 200 OK", "CSeq: 314159 INVITE", "CSeq: 1 BYE"));
  expectError(response("SIP/2.0 200 OK", "CSeq: 314159 INVITE", "CSeq: 9292394834772304023312 OPTIONS"), 400,
              "Malformed CSeq header");
  expectError(response("SIP/2.0 200 OK", "Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n", ""), 400,
              "Missing Via header");
  expectError(response("SIP/2.0 200 OK", "To: Bob <sip:bob@biloxi.com>", "To: <sip:bob@biloxi.com"), 400,
              "Malformed To header");
}

TEST(ValidateResponseTest, StatusCodeRange) {
  for (std::string_view line : {"SIP/2.0 099 Low", "SIP/2.0 700 High"}) {
    std::string bytes = response(line);
    auto message = Message::parse(bytes, Framing::Datagram);
    if (message.ok()) {  // the message parser may refuse these itself
      const Status status = validateResponse(*message);
      ASSERT_FALSE(status.ok()) << line;
      EXPECT_EQ(status.error().reason, "Invalid status code");
    }
  }
}

}  // namespace
}  // namespace tandem::sip
