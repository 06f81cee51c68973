#include "sip/headers.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace tandem::sip {
namespace {

using namespace std::string_view_literals;

// --- ParamReader ---------------------------------------------------------

std::vector<Param> readAll(std::string_view raw, ParamSyntax syntax, bool& failed) {
  std::vector<Param> params;
  ParamReader reader(raw, syntax);
  Param param;
  while (reader.next(param)) {
    params.push_back(param);
  }
  failed = reader.failed();
  return params;
}

TEST(ParamReaderTest, HeaderParamsWithLwsFoldsAndQuotes) {
  bool failed = false;
  const auto params =
      readAll("tag = 1918181833n ;\r\n  lr;x=\"a;b\\\"c\" ; received=2001:db8::1", ParamSyntax::Header, failed);
  ASSERT_FALSE(failed);
  ASSERT_EQ(params.size(), 4u);
  EXPECT_EQ(params[0].name, "tag");
  EXPECT_EQ(params[0].value, "1918181833n");
  EXPECT_EQ(params[1].name, "lr");
  EXPECT_FALSE(params[1].has_value);
  EXPECT_EQ(params[2].value, "a;b\\\"c");
  EXPECT_TRUE(params[2].quoted);
  EXPECT_EQ(params[3].value, "2001:db8::1");
}

TEST(ParamReaderTest, EmptyListIsNotAFailure) {
  bool failed = true;
  EXPECT_TRUE(readAll("", ParamSyntax::Header, failed).empty());
  EXPECT_FALSE(failed);
  EXPECT_FALSE(paramsWellFormed(""));
}

TEST(ParamReaderTest, Malformed) {
  for (std::string_view raw : {";", "a;;b", "a;", "a=", "a=\"open", "a b", "=b", "a=<b>", "a=b c"}) {
    EXPECT_FALSE(paramsWellFormed(raw)) << raw;
  }
  EXPECT_FALSE(paramsWellFormed("realm", ParamSyntax::Auth));
  EXPECT_FALSE(paramsWellFormed("a=1,,b=2", ParamSyntax::Auth));
  EXPECT_FALSE(paramsWellFormed("a = 1", ParamSyntax::Uri));
}

TEST(ParamReaderTest, Lookup) {
  EXPECT_EQ(findParamValue("a=1;TAG=x;b", "tag"), "x"sv);
  EXPECT_EQ(findParamValue("a=1;tag=x;b", "b"), ""sv);
  EXPECT_EQ(findParamValue("a=1;tag=x;b", "c"), std::nullopt);
  EXPECT_EQ(findParamValue("realm=\"a,b\", nonce=\"n\"", "nonce", ParamSyntax::Auth), "n"sv);
}

// --- NameAddr ------------------------------------------------------------

struct NameAddrCase {
  std::string_view value;
  std::string_view display_name;
  std::string_view uri_text;
  std::string_view params;
  bool bracketed;
};

class NameAddrValidTest : public testing::TestWithParam<NameAddrCase> {};

TEST_P(NameAddrValidTest, Parses) {
  const NameAddrCase& c = GetParam();
  auto parsed = parseNameAddr(c.value, HeaderId::From);
  ASSERT_TRUE(parsed.ok()) << c.value;
  EXPECT_EQ(parsed->display_name, c.display_name);
  EXPECT_EQ(parsed->uri_text, c.uri_text);
  EXPECT_EQ(parsed->params, c.params);
  EXPECT_EQ(parsed->bracketed, c.bracketed);
}

INSTANTIATE_TEST_SUITE_P(
    Valid, NameAddrValidTest,
    testing::Values(
        NameAddrCase{"\"Alice\" <sip:alice@atlanta.com>;tag=1928301774", "Alice", "sip:alice@atlanta.com",
                     "tag=1928301774", true},
        NameAddrCase{"<sip:alice@atlanta.com>", "", "sip:alice@atlanta.com", "", true},
        NameAddrCase{"sip:alice@atlanta.com;tag=x", "", "sip:alice@atlanta.com", "tag=x", false},
        NameAddrCase{"sip:alice@atlanta.com", "", "sip:alice@atlanta.com", "", false},
        // RFC 4475 §3.1.1.1 (folded, LWS around ';' and '=').
        NameAddrCase{"sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n", "",
                     "sip:vivekg@chair-dnrc.example.com", "tag    = 1918181833n", false},
        NameAddrCase{"\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8",
                     "J Rosenberg \\\\\\\"", "sip:jdrosen@example.com", "tag = 98asjd8", true},
        // RFC 4475 §3.1.1.6: no LWS between the display name and '<'.
        NameAddrCase{"caller<sip:caller@example.com>;tag=323", "caller", "sip:caller@example.com", "tag=323", true},
        // RFC 4475 §3.1.1.2: token display names with LWS between tokens.
        NameAddrCase{"token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;tag=_token~1'+`*%!-.",
                     "token1~` token2'+_ token3*%!.-", "sip:mundane@example.com", "tag=_token~1'+`*%!-.", true},
        NameAddrCase{"\"BEL:\\\x07 NUL:\\\0 DEL:\\\x7f\" <sip:u@example.com>"sv, "BEL:\\\x07 NUL:\\\0 DEL:\\\x7f"sv,
                     "sip:u@example.com", "", true},
        NameAddrCase{"A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe", "A. Bell", "sip:a.g.bell@example.com",
                     "tag=qweoiqpe", true},
        NameAddrCase{"\"\" <sip:x@y>", "", "sip:x@y", "", true},
        NameAddrCase{"isbn:2983792873", "", "isbn:2983792873", "", false},
        NameAddrCase{"<http://www.example.com>;tag=3234233", "", "http://www.example.com", "tag=3234233", true},
        NameAddrCase{"<sip:user@example.com?Route=%3Csip:sip.example.com%3E>", "",
                     "sip:user@example.com?Route=%3Csip:sip.example.com%3E", "", true},
        NameAddrCase{"<sip:u@h>;+sip.instance=\"<urn:uuid:1>\";reg-id=1", "", "sip:u@h",
                     "+sip.instance=\"<urn:uuid:1>\";reg-id=1", true}));

struct BadValue {
  std::string_view value;
  std::string_view note;
};

class NameAddrRejectTest : public testing::TestWithParam<BadValue> {};

TEST_P(NameAddrRejectTest, Rejected) {
  auto parsed = parseNameAddr(GetParam().value, HeaderId::To);
  ASSERT_FALSE(parsed.ok()) << GetParam().note;
  EXPECT_EQ(parsed.error().status, 400);
  EXPECT_EQ(parsed.error().reason, "Malformed To header");
}

INSTANTIATE_TEST_SUITE_P(Malformed, NameAddrRejectTest,
                         testing::Values(BadValue{"", "empty"},
                                         BadValue{"\"Mr. J. User <sip:j.user@example.com>", "quotbal"},
                                         BadValue{"Bell, Alexander <sip:a.g.bell@example.com>;tag=43", "baddn"},
                                         BadValue{"\"Watson, Thomas\" < sip:t.watson@example.org >", "badaspec"},
                                         BadValue{"<sip:t.watson@example.org >", "space before >"},
                                         BadValue{"sip:user@example.com?Route=%3Csip:sip.example.com%3E", "regbadct"},
                                         BadValue{"sip:a@b,c", "unbracketed comma"},
                                         BadValue{"\"Joe\" <sip:joe@example.org>;;;;", "badinv01 empty params"},
                                         BadValue{"<sip:joe@example.org>;", "trailing semicolon"},
                                         BadValue{"<sip:joe@example.org", "unterminated <"},
                                         BadValue{"<sip:joe@example.org> junk", "junk after >"},
                                         BadValue{"\"Joe\" sip:joe@example.org", "quoted name without <>"},
                                         BadValue{"sip:a b@example.org", "space in addr-spec"},
                                         BadValue{"<sip:2001:db8::10>", "bad uri"}, BadValue{"<>", "empty uri"},
                                         BadValue{"<sip:a@b>;tag=\"x", "unterminated quoted param"}));

TEST(NameAddrTest, ParamsAndTag) {
  auto parsed = parseNameAddr("<sip:a@b;lr>;tag=abc;Expires=60", HeaderId::Route);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->tag(), "abc"sv);
  EXPECT_EQ(parsed->param("expires"), "60"sv);
  EXPECT_EQ(parsed->uri.param("lr"), ""sv);
  EXPECT_FALSE(parsed->quoted_display_name);
}

TEST(NameAddrTest, ErrorNamesTheHeader) {
  EXPECT_EQ(parseNameAddr("<", HeaderId::RecordRoute).error().reason, "Malformed Record-Route header");
  EXPECT_EQ(parseNameAddr("<", HeaderId::Route).error().reason, "Malformed Route header");
  EXPECT_EQ(parseNameAddr("<", HeaderId::ReferTo).error().reason, "Malformed Refer-To header");
  EXPECT_EQ(malformedReason(HeaderId::Other), "Malformed header");
  EXPECT_EQ(malformedReason(HeaderId::SipIfMatch), "Malformed SIP-If-Match header");
}

// --- Contact -------------------------------------------------------------

TEST(ContactTest, WildcardQAndExpires) {
  auto star = parseContact(" * ");
  ASSERT_TRUE(star.ok());
  EXPECT_TRUE(star->wildcard);

  auto contact = parseContact("<sip:a@b>;q=0.7;expires=3600");
  ASSERT_TRUE(contact.ok());
  EXPECT_FALSE(contact->wildcard);
  EXPECT_EQ(contact->q, 700);
  EXPECT_EQ(contact->expires, 3600u);

  // RFC 4475 §3.1.2.4: an overlarge expires clamps instead of failing.
  auto huge = parseContact("<sip:user@host129.example.com>\r\n  ;expires=280297596632815");
  ASSERT_TRUE(huge.ok());
  EXPECT_EQ(huge->expires, 4294967295u);

  EXPECT_EQ(parseContact("<sip:a@b>;q=1").value().q, 1000);
  EXPECT_EQ(parseContact("<sip:a@b>;q=1.000").value().q, 1000);
  EXPECT_EQ(parseContact("<sip:a@b>;q=0").value().q, 0);
  EXPECT_EQ(parseContact("<sip:a@b>;q=0.05").value().q, 50);
  EXPECT_EQ(parseContact("<sip:a@b>").value().q, std::nullopt);

  // RFC 4475 §3.3.12: ';unknownparam' is a header parameter here.
  auto cparam01 = parseContact("sip:+19725552222@gw1.example.net;unknownparam");
  ASSERT_TRUE(cparam01.ok());
  EXPECT_EQ(cparam01->address.uri_text, "sip:+19725552222@gw1.example.net");
  EXPECT_TRUE(cparam01->address.param("unknownparam").has_value());
}

TEST(ContactTest, Malformed) {
  for (std::string_view value :
       {"<sip:a@b>;q=2", "<sip:a@b>;q=1.5", "<sip:a@b>;q=0.1234", "<sip:a@b>;q=", "<sip:a@b>;q=.5",
        "<sip:a@b>;expires=soon", "<sip:a@b>;expires", "*;expires=0", "**", ""}) {
    auto contact = parseContact(value);
    ASSERT_FALSE(contact.ok()) << value;
    EXPECT_EQ(contact.error().reason, "Malformed Contact header");
  }
}

// --- Via -----------------------------------------------------------------

TEST(ViaTest, Basic) {
  auto via = parseVia("SIP/2.0/UDP pc33.atlanta.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5060");
  ASSERT_TRUE(via.ok());
  EXPECT_EQ(via->protocol_name, "SIP");
  EXPECT_EQ(via->protocol_version, "2.0");
  EXPECT_EQ(via->transport, "UDP");
  EXPECT_EQ(via->host, "pc33.atlanta.com");
  EXPECT_EQ(via->host_kind, HostKind::Name);
  EXPECT_TRUE(via->has_port);
  EXPECT_EQ(via->port, 5066);
  EXPECT_EQ(via->branch, "z9hG4bK776asdhds");
  EXPECT_EQ(via->received, "192.0.2.1");
  EXPECT_TRUE(via->has_rport);
  EXPECT_EQ(via->rport, 5060);
  EXPECT_EQ(via->params, "branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5060");
}

TEST(ViaTest, LwsAndFolds) {
  // RFC 4475 §3.1.1.1.
  auto first = parseVia("SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->transport, "UDP");
  EXPECT_EQ(first->host, "192.0.2.2");
  EXPECT_EQ(first->host_kind, HostKind::IPv4);
  EXPECT_EQ(first->branch, "390skdjuw");

  auto second = parseVia("SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->host, "spindle.example.com");
  EXPECT_EQ(second->branch, "z9hG4bK9ikj8");

  auto third = parseVia("SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239");
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->branch, "z9hG4bK30239");

  auto spaced_port = parseVia("SIP/2.0/UDP host : 5060 ; rport");
  ASSERT_TRUE(spaced_port.ok());
  EXPECT_EQ(spaced_port->port, 5060);
  EXPECT_TRUE(spaced_port->has_rport);
  EXPECT_EQ(spaced_port->rport, std::nullopt);
}

TEST(ViaTest, Ipv6AndReceivedForms) {
  auto bracketed = parseVia("SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3-111");
  ASSERT_TRUE(bracketed.ok());
  EXPECT_EQ(bracketed->host, "[2001:db8::9:1]");
  EXPECT_EQ(bracketed->host_kind, HostKind::IPv6);
  EXPECT_FALSE(bracketed->has_port);
  EXPECT_EQ(bracketed->received, "[2001:db8::9:255]");

  auto bare = parseVia("SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9hG4bKas3");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->received, "2001:db8::9:255");

  auto with_port = parseVia("SIP/2.0/UDP [::ffff:192.0.2.10]:19823;branch=z9hG4bKbh19");
  ASSERT_TRUE(with_port.ok());
  EXPECT_EQ(with_port->port, 19823);
}

TEST(ViaTest, OtherParams) {
  auto via = parseVia("SIP/2.0/TLS h;maddr=224.2.0.1;ttl=16;alias;branch=z9hG4bK1;x=\"y\"");
  ASSERT_TRUE(via.ok());
  EXPECT_EQ(via->maddr, "224.2.0.1");
  EXPECT_EQ(via->ttl, 16);
  EXPECT_TRUE(via->alias);
  EXPECT_EQ(via->param("x"), "y"sv);
  EXPECT_EQ(via->param("missing"), std::nullopt);
  auto unknown_transport = parseVia("SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en");
  ASSERT_TRUE(unknown_transport.ok());
  EXPECT_EQ(unknown_transport->transport, "UNKNOWN");
}

class ViaRejectTest : public testing::TestWithParam<std::string_view> {};

TEST_P(ViaRejectTest, Rejected) {
  auto via = parseVia(GetParam());
  ASSERT_FALSE(via.ok()) << GetParam();
  EXPECT_EQ(via.error().status, 400);
  EXPECT_EQ(via.error().reason, "Malformed Via header");
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, ViaRejectTest,
    testing::Values("", "SIP/2.0/UDP", "SIP/2.0 host", "SIP/2.0/UDP 192.0.2.15;;", ";", "SIP/2.0/UDPhost",
                    "SIP/2.0/UDP host;", "SIP/2.0/UDP host:", "SIP/2.0/UDP host:70000", "SIP/2.0/UDP host junk",
                    "SIP/2.0/UDP [2001:db8::1", "SIP/2.0/UDP 2001:db8::1", "SIP/2.0/UDP host;branch",
                    "SIP/2.0/UDP host;branch=", "SIP/2.0/UDP host;branch=\"q\"",
                    "SIP/2.0/UDP host;received=example.com", "SIP/2.0/UDP host;received=[::1",
                    "SIP/2.0/UDP host;rport=x", "SIP/2.0/UDP host;rport=65536", "SIP/2.0/UDP host;ttl=256",
                    "SIP/2.0/UDP host;maddr=bad_host", "SIP/2.0/UDP ho st"));

// --- CSeq and scalars ------------------------------------------------------

TEST(CSeqTest, Parses) {
  auto cseq = parseCSeq("0009\r\n  INVITE");
  ASSERT_TRUE(cseq.ok());
  EXPECT_EQ(cseq->number, 9u);
  EXPECT_EQ(cseq->method, Method::Invite);
  EXPECT_EQ(cseq->method_name, "INVITE");

  auto max = parseCSeq("4294967295 OPTIONS");
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->number, 4294967295u);

  auto unknown = parseCSeq("29344 RE%47IST%45R");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->method, Method::Unknown);
  EXPECT_EQ(unknown->method_name, "RE%47IST%45R");
}

TEST(CSeqTest, Malformed) {
  for (std::string_view value : {"", "INVITE", "1", "1INVITE", "-1 INVITE", "4294967296 INVITE",
                                 "36893488147419103232 REGISTER", "1 INVITE x", "1 INV<ITE", "x1 INVITE"}) {
    auto cseq = parseCSeq(value);
    ASSERT_FALSE(cseq.ok()) << value;
    EXPECT_EQ(cseq.error().reason, "Malformed CSeq header");
  }
}

TEST(ScalarTest, Uint32Helpers) {
  EXPECT_EQ(parseUint32(" 0068 "), 68u);
  EXPECT_EQ(parseUint32("4294967295"), 4294967295u);
  EXPECT_EQ(parseUint32("4294967296"), std::nullopt);
  EXPECT_EQ(parseUint32("-1"), std::nullopt);
  EXPECT_EQ(parseUint32(""), std::nullopt);
  EXPECT_EQ(parseUint32("1 2"), std::nullopt);
  EXPECT_EQ(parseMaxForwards("70").value(), 70u);
  EXPECT_EQ(parseMaxForwards("255").value(), 255u);
  EXPECT_EQ(parseMaxForwards("300").error().reason, "Malformed Max-Forwards header");
  EXPECT_EQ(parseExpires("3600").value(), 3600u);
  EXPECT_EQ(parseExpires(std::string_view("1" + std::string(100, '0'))).error().reason, "Malformed Expires header");
  EXPECT_EQ(parseContentLength("0").value(), 0u);
  EXPECT_EQ(parseContentLength("-999").error().reason, "Malformed Content-Length header");
}

TEST(ScalarTest, CallId) {
  EXPECT_TRUE(isValidCallId("f81d4fae-7dec-11d0-a765-00a0c91e6bf6@foo.bar.com"));
  EXPECT_TRUE(isValidCallId("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{"));
  EXPECT_TRUE(isValidCallId("abc"));
  EXPECT_FALSE(isValidCallId(""));
  EXPECT_FALSE(isValidCallId("a@"));
  EXPECT_FALSE(isValidCallId("@b"));
  EXPECT_FALSE(isValidCallId("a@b@c"));
  EXPECT_FALSE(isValidCallId("a b"));
  EXPECT_FALSE(isValidCallId("a,b"));
}

// --- Content-Type, Event, Subscription-State --------------------------------

TEST(ContentTypeTest, ParsesAndRejects) {
  auto type = parseContentType("multipart/mixed;boundary=7a9cbec02ceef655");
  ASSERT_TRUE(type.ok());
  EXPECT_EQ(type->type, "multipart");
  EXPECT_EQ(type->subtype, "mixed");
  EXPECT_EQ(type->param("boundary"), "7a9cbec02ceef655"sv);
  auto spaced = parseContentType("application / pidf+xml ; charset=\"utf-8\"");
  ASSERT_TRUE(spaced.ok());
  EXPECT_EQ(spaced->subtype, "pidf+xml");
  EXPECT_EQ(spaced->param("charset"), "utf-8"sv);
  for (std::string_view value : {"", "text", "text/", "/plain", "text/plain;", "text/plain x", "te xt/plain"}) {
    auto bad = parseContentType(value);
    ASSERT_FALSE(bad.ok()) << value;
    EXPECT_EQ(bad.error().reason, "Malformed Content-Type header");
  }
}

TEST(EventTest, ParsesAndRejects) {
  auto event = parseEvent("presence.winfo;id=42;x");
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->package, "presence.winfo");
  EXPECT_EQ(event->id, "42");
  EXPECT_EQ(parseEvent("presence").value().id, "");
  for (std::string_view value : {"", ";id=1", "presence;", "presence x", "pres<ence"}) {
    auto bad = parseEvent(value);
    ASSERT_FALSE(bad.ok()) << value;
    EXPECT_EQ(bad.error().reason, "Malformed Event header");
  }
}

TEST(SubscriptionStateTest, ParsesAndRejects) {
  auto active = parseSubscriptionState("active;expires=3600");
  ASSERT_TRUE(active.ok());
  EXPECT_EQ(active->state, "active");
  EXPECT_EQ(active->expires, 3600u);
  auto terminated = parseSubscriptionState("terminated ; reason=timeout;retry-after=30");
  ASSERT_TRUE(terminated.ok());
  EXPECT_EQ(terminated->reason, "timeout");
  EXPECT_EQ(terminated->retry_after, 30u);
  EXPECT_EQ(terminated->expires, std::nullopt);
  for (std::string_view value : {"", "active;expires=x", "active;expires=99999999999", "active;;", "active x"}) {
    auto bad = parseSubscriptionState(value);
    ASSERT_FALSE(bad.ok()) << value;
    EXPECT_EQ(bad.error().reason, "Malformed Subscription-State header");
  }
}

// --- Authorization / WWW-Authenticate ------------------------------------------

TEST(AuthTest, DigestCredentials) {
  auto credentials = parseCredentials(
      "Digest username=\"bob\", realm=\"biloxi.com\",\r\n nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
      "uri=\"sip:bob@biloxi.com\", qop=auth, nc=00000001, cnonce=\"0a4f113b\", "
      "response=\"6629fae49393a05397450978507c4ef1\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", "
      "algorithm=MD5");
  ASSERT_TRUE(credentials.ok());
  EXPECT_TRUE(credentials->isDigest());
  EXPECT_EQ(credentials->username(), "bob"sv);
  EXPECT_EQ(credentials->realm(), "biloxi.com"sv);
  EXPECT_EQ(credentials->nonce(), "dcd98b7102dd2f0e8b11d0f600bfb0c093"sv);
  EXPECT_EQ(credentials->uri(), "sip:bob@biloxi.com"sv);
  EXPECT_EQ(credentials->qop(), "auth"sv);
  EXPECT_EQ(credentials->nc(), "00000001"sv);
  EXPECT_EQ(credentials->cnonce(), "0a4f113b"sv);
  EXPECT_EQ(credentials->response(), "6629fae49393a05397450978507c4ef1"sv);
  EXPECT_EQ(credentials->opaque(), "5ccc069c403ebaf9f0171e9517f40e41"sv);
  EXPECT_EQ(credentials->algorithm(), "MD5"sv);
  EXPECT_EQ(credentials->stale(), std::nullopt);
}

TEST(AuthTest, ChallengeAndOtherSchemes) {
  auto challenge = parseChallenge(
      "Digest realm=\"atlanta.com\", domain=\"sip:ss1.carrier.com\", qop=\"auth,auth-int\", "
      "nonce=\"f84f1cec41e6cbe5aea9c8e88d359\", opaque=\"\", stale=FALSE, algorithm=SHA-256");
  ASSERT_TRUE(challenge.ok());
  EXPECT_EQ(challenge->qop(), "auth,auth-int"sv);
  EXPECT_EQ(challenge->opaque(), ""sv);
  EXPECT_EQ(challenge->stale(), "FALSE"sv);
  EXPECT_EQ(challenge->algorithm(), "SHA-256"sv);

  // RFC 4475 §3.3.7: unknown schemes parse, and are not Digest.
  auto unknown = parseCredentials("NoOneKnowsThisScheme opaque-data=here");
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->isDigest());
  EXPECT_EQ(unknown->scheme, "NoOneKnowsThisScheme");
  EXPECT_EQ(unknown->param("opaque-data"), "here"sv);

  auto basic = parseCredentials("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  ASSERT_TRUE(basic.ok());
  EXPECT_EQ(basic->token68, "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(basic->params, "");

  auto escaped = parseChallenge("Digest realm=\"a\\\"b\"");
  ASSERT_TRUE(escaped.ok());
  EXPECT_EQ(escaped->realm(), "a\\\"b"sv);  // quoted-pair left raw
}

TEST(AuthTest, Malformed) {
  for (std::string_view value : {"", "Digest realm=\"open", "Digest realm=a,,nonce=b", "Digest, realm=a",
                                 "Digest realm=a nonce=b", "Digest =a", "Di<gest realm=a"}) {
    auto bad = parseCredentials(value, HeaderId::ProxyAuthorization);
    ASSERT_FALSE(bad.ok()) << value;
    EXPECT_EQ(bad.error().reason, "Malformed Proxy-Authorization header");
  }
  EXPECT_EQ(parseChallenge("").error().reason, "Malformed WWW-Authenticate header");
}

}  // namespace
}  // namespace tandem::sip
