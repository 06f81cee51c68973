#include "sip/uri.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace tandem::sip {
namespace {

using namespace std::string_view_literals;

Uri mustParse(std::string_view text) {
  auto uri = parseUri(text);
  EXPECT_TRUE(uri.ok()) << text;
  return uri.ok() ? *uri : Uri{};
}

TEST(UriTest, FullSipUri) {
  const Uri uri = mustParse("sip:alice:secret@atlanta.com:5061;transport=tcp;lr?Subject=hi&Priority=urgent");
  EXPECT_EQ(uri.scheme, UriScheme::Sip);
  EXPECT_EQ(uri.scheme_text, "sip");
  EXPECT_EQ(uri.user, "alice");
  EXPECT_EQ(uri.password, "secret");
  EXPECT_EQ(uri.host, "atlanta.com");
  EXPECT_EQ(uri.host_kind, HostKind::Name);
  EXPECT_TRUE(uri.has_port);
  EXPECT_EQ(uri.port, 5061);
  EXPECT_EQ(uri.params, "transport=tcp;lr");
  EXPECT_EQ(uri.headers, "Subject=hi&Priority=urgent");
  EXPECT_EQ(uri.transport(), "tcp");
  EXPECT_EQ(uri.param("LR"), ""sv);
  EXPECT_TRUE(uri.hasParam("lr"));
  EXPECT_FALSE(uri.hasParam("maddr"));
  EXPECT_EQ(uri.maddr(), "");
}

TEST(UriTest, MinimalAndSips) {
  const Uri uri = mustParse("SIPS:example.com");
  EXPECT_EQ(uri.scheme, UriScheme::Sips);
  EXPECT_EQ(uri.user, "");
  EXPECT_EQ(uri.host, "example.com");
  EXPECT_FALSE(uri.has_port);
  EXPECT_EQ(uri.port, 0);
  EXPECT_EQ(uri.params, "");
}

TEST(UriTest, HostKinds) {
  EXPECT_EQ(mustParse("sip:192.0.2.1").host_kind, HostKind::IPv4);
  EXPECT_EQ(mustParse("sip:u@[2001:db8::1]:5060").host_kind, HostKind::IPv6);
  EXPECT_EQ(mustParse("sip:u@[2001:db8::1]:5060").host, "[2001:db8::1]");
  EXPECT_EQ(mustParse("sip:u@[::ffff:192.0.2.2]").host_kind, HostKind::IPv6);
  EXPECT_EQ(mustParse("sip:example.com.").host_kind, HostKind::Name);
  EXPECT_EQ(mustParse("sip:a-b.c3.example").host_kind, HostKind::Name);
}

// RFC 5118 §4.3 / §4.4.
TEST(UriTest, Ipv6PortAmbiguity) {
  const Uri ambiguous = mustParse("sip:[2001:db8::10:5070]");
  EXPECT_EQ(ambiguous.host, "[2001:db8::10:5070]");
  EXPECT_FALSE(ambiguous.has_port);
  const Uri unambiguous = mustParse("sip:[2001:db8::10]:5070");
  EXPECT_EQ(unambiguous.host, "[2001:db8::10]");
  EXPECT_TRUE(unambiguous.has_port);
  EXPECT_EQ(unambiguous.port, 5070);
}

// RFC 4475 §3.1.1.2: the user part takes ';', '?', '/', ',' and friends.
TEST(UriTest, UnusualUserAndPassword) {
  const Uri uri = mustParse(
      "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)"
      "@example.com");
  EXPECT_EQ(uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  EXPECT_EQ(uri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
  EXPECT_EQ(uri.host, "example.com");
  EXPECT_EQ(uri.params, "");
}

// RFC 4475 §3.1.1.9.
TEST(UriTest, SemicolonInUser) {
  const Uri uri = mustParse("sip:user;par=u%40example.net@example.com");
  EXPECT_EQ(uri.user, "user;par=u%40example.net");
  EXPECT_EQ(uri.host, "example.com");
  EXPECT_EQ(uri.params, "");
}

TEST(UriTest, EscapesStayRaw) {
  const Uri uri = mustParse("sip:null-%00-null@example.com");
  EXPECT_EQ(uri.user, "null-%00-null");
  const std::string decoded = unescape(uri.user);
  EXPECT_EQ(decoded, std::string("null-\0-null", 11));
}

TEST(UriTest, Tel) {
  const Uri global = mustParse("tel:+1-201-555-0123;ext=22");
  EXPECT_EQ(global.scheme, UriScheme::Tel);
  EXPECT_EQ(global.user, "+1-201-555-0123");
  EXPECT_EQ(global.param("ext"), "22"sv);
  EXPECT_TRUE(global.isPhone());
  const Uri local = mustParse("tel:7042;phone-context=example.com");
  EXPECT_EQ(local.user, "7042");
  EXPECT_EQ(local.param("phone-context"), "example.com"sv);
  EXPECT_EQ(mustParse("tel:*21#").user, "*21#");
}

TEST(UriTest, PhoneUserParam) {
  EXPECT_TRUE(mustParse("sip:+16505552222@ss1.example.net;user=phone").isPhone());
  EXPECT_TRUE(mustParse("sip:+1@h;USER=Phone").isPhone());
  EXPECT_FALSE(mustParse("sip:+1@h;user=ip").isPhone());
  EXPECT_FALSE(mustParse("sip:alice@h").isPhone());
}

TEST(UriTest, OtherSchemes) {
  const Uri isbn = mustParse("isbn:2983792873");
  EXPECT_EQ(isbn.scheme, UriScheme::Other);
  EXPECT_EQ(isbn.scheme_text, "isbn");
  EXPECT_EQ(isbn.opaque, "2983792873");
  EXPECT_EQ(mustParse("soap.beep://192.0.2.103:3002").opaque, "//192.0.2.103:3002");
  EXPECT_EQ(mustParse("http://www.example.com").scheme, UriScheme::Other);
  EXPECT_EQ(mustParse("nobodyKnowsThisScheme:totallyopaquecontent").scheme, UriScheme::Other);
}

TEST(UriTest, UriParamsWithEscapes) {
  const Uri uri = mustParse("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31");
  EXPECT_EQ(uri.params, "%6C%72;n%61me=v%61lue%25%34%31");
  EXPECT_EQ(uri.param("n%61me"), "v%61lue%25%34%31"sv);
  // A single unescape: %25%34%31 is "%41", not "A" (RFC 4475 §3.1.1.3).
  EXPECT_EQ(unescape("v%61lue%25%34%31"), "value%41");
}

struct BadUri {
  std::string_view text;
  std::string_view reason;
};

class UriRejectTest : public testing::TestWithParam<BadUri> {};

TEST_P(UriRejectTest, Rejected) {
  auto uri = parseUri(GetParam().text);
  ASSERT_FALSE(uri.ok()) << GetParam().text;
  EXPECT_EQ(uri.error().status, 400);
  EXPECT_EQ(uri.error().reason, GetParam().reason) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, UriRejectTest,
    testing::Values(
        BadUri{"", "Malformed URI"}, BadUri{"sip:user@example.com; lr", "Malformed URI"},
        BadUri{"sip:user@exa mple.com", "Malformed URI"}, BadUri{"<sip:user@example.com>", "Malformed URI scheme"},
        BadUri{"user@example.com", "Malformed URI scheme"}, BadUri{"1sip:x", "Malformed URI scheme"},
        BadUri{"sip:2001:db8::10", "Malformed URI host"},                 // RFC 5118 §4.2
        BadUri{"sip:user@[2001:db8:::192.0.2.1]", "Malformed URI host"},  // RFC 5118 §4.10
        BadUri{"sip:user@[2001:db8::1", "Malformed URI host"}, BadUri{"sip:user@[2001:db8::1]x", "Malformed URI port"},
        BadUri{"sip:user@", "Malformed URI host"}, BadUri{"sip:", "Malformed URI host"},
        BadUri{"sip:user@-bad.example.com", "Malformed URI host"}, BadUri{"sip:user@example.123", "Malformed URI host"},
        BadUri{"sip:user@192.0.2.300", "Malformed URI host"}, BadUri{"sip:user@host_name.com", "Malformed URI host"},
        BadUri{"sip:user@a..b", "Malformed URI host"}, BadUri{"sip:user@example.com:", "Malformed URI port"},
        BadUri{"sip:user@example.com:65536", "Malformed URI port"},
        BadUri{"sip:user@example.com:50a", "Malformed URI port"}, BadUri{"sip:@example.com", "Malformed URI user part"},
        BadUri{"sip:us%4ger@example.com", "Malformed URI user part"},
        BadUri{"sip:us%e@example.com", "Malformed URI user part"},
        BadUri{"sip:us<er@example.com", "Malformed URI user part"},
        BadUri{"sip:user:pa;ss@example.com", "Malformed URI user part"},
        BadUri{"sip:user@example.com;", "Malformed URI parameters"},
        BadUri{"sip:user@example.com;;lr", "Malformed URI parameters"},
        BadUri{"sip:user@example.com;a=%zz", "Malformed URI parameters"},
        BadUri{"sip:user@example.com;a=", "Malformed URI parameters"},
        BadUri{"sip:user@example.com;a=\"q\"", "Malformed URI parameters"},
        BadUri{"sip:user@example.com?", "Malformed URI headers"},
        BadUri{"sip:user@example.com?Subject", "Malformed URI headers"},
        BadUri{"sip:user@example.com?a=b&", "Malformed URI headers"},
        BadUri{"sip:user@example.com?a=<b>", "Malformed URI headers"}, BadUri{"tel:", "Malformed tel URI"},
        BadUri{"tel:+", "Malformed tel URI"}, BadUri{"tel:+1-2x", "Malformed tel URI"},
        BadUri{"tel:+1;;a", "Malformed tel URI"}, BadUri{"isbn:", "Malformed URI"}));

TEST(UriTest, PortRange) {
  EXPECT_EQ(mustParse("sip:h:0").port, 0);
  EXPECT_TRUE(mustParse("sip:h:0").has_port);
  EXPECT_EQ(mustParse("sip:h:65535").port, 65535);
  EXPECT_EQ(mustParse("sip:h:05060").port, 5060);
}

bool equal(std::string_view a, std::string_view b) { return uriEquals(mustParse(a), mustParse(b)); }

// The examples of RFC 3261 §19.1.4.
TEST(UriEqualsTest, Rfc3261Equivalent) {
  EXPECT_TRUE(equal("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"));
  EXPECT_TRUE(equal("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"));
  EXPECT_TRUE(equal("sip:carol@chicago.com", "sip:carol@chicago.com;security=on"));
  EXPECT_TRUE(equal("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;security=on"));
  EXPECT_TRUE(equal("sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
                    "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"));
  EXPECT_TRUE(equal("sip:alice@atlanta.com?subject=project%20x&priority=urgent",
                    "sip:alice@atlanta.com?priority=urgent&subject=project%20x"));
}

TEST(UriEqualsTest, Rfc3261NotEquivalent) {
  EXPECT_FALSE(equal("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"));
  EXPECT_FALSE(equal("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));
  EXPECT_FALSE(equal("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"));
  EXPECT_FALSE(equal("sip:bob@biloxi.com", "sip:bob@biloxi.com:6000;transport=tcp"));
  EXPECT_FALSE(equal("sip:carol@chicago.com", "sip:carol@chicago.com?Subject=next%20meeting"));
  EXPECT_FALSE(equal("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"));
}

TEST(UriEqualsTest, Details) {
  EXPECT_FALSE(equal("sip:alice@h", "sips:alice@h"));
  EXPECT_FALSE(equal("sip:alice@h;maddr=1.2.3.4", "sip:alice@h"));
  EXPECT_FALSE(equal("sip:alice@h;ttl=1", "sip:alice@h"));
  EXPECT_FALSE(equal("sip:alice@h;user=phone", "sip:alice@h"));
  EXPECT_FALSE(equal("sip:alice@h;method=INVITE", "sip:alice@h"));
  EXPECT_FALSE(equal("sip:alice@h;foo=1", "sip:alice@h;foo=2"));
  EXPECT_TRUE(equal("sip:alice@h;%6C%72", "sip:alice@h;lr"));
  EXPECT_TRUE(equal("sip:alice:pw@h", "sip:alice:%70w@h"));
  EXPECT_FALSE(equal("sip:alice:pw@h", "sip:alice:PW@h"));
  EXPECT_FALSE(equal("sip:alice:pw@h", "sip:alice@h"));
  // An escaped reserved character differs from the literal one.
  EXPECT_FALSE(equal("sip:a%3Bb@h", "sip:a;b@h"));
  EXPECT_TRUE(equal("sip:u@[2001:db8::1]", "sip:u@[2001:DB8:0::1]"));
  EXPECT_FALSE(equal("sip:u@[2001:db8::1]", "sip:u@[2001:db8::2]"));
  EXPECT_FALSE(equal("sip:alice@h?a=1", "sip:alice@h?a=1&a=1"));
}

// RFC 4475 §3.1.1.3.
TEST(UriEqualsTest, Esc01) {
  EXPECT_TRUE(equal("sip:%75se%72@example.com", "sip:user@example.com"));
  EXPECT_EQ(unescape(mustParse("sip:sips%3Auser%40example.com@example.net").user), "sips:user@example.com");
  EXPECT_TRUE(equal("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31",
                    "sip:caller@host5.example.net;lr;name=value%25%34%31"));
  EXPECT_FALSE(
      equal("sip:cal%6Cer@host5.example.net;n%61me=v%61lue%25%34%31", "sip:caller@host5.example.net;name=valueA"));
}

TEST(UriEqualsTest, TelAndOther) {
  EXPECT_TRUE(equal("tel:+1-201-555-0123", "tel:+1.201.555.0123"));
  EXPECT_FALSE(equal("tel:+1-201-555-0123", "tel:+1-201-555-0124"));
  EXPECT_TRUE(equal("tel:7042;phone-context=EXAMPLE.com", "tel:7042;phone-context=example.com"));
  EXPECT_FALSE(equal("tel:7042;phone-context=example.com", "tel:7042"));
  EXPECT_FALSE(equal("tel:+1", "sip:+1@h"));
  EXPECT_TRUE(equal("ISBN:123", "isbn:123"));
  EXPECT_FALSE(equal("isbn:123", "isbn:124"));
}

TEST(UriTest, HostHelpers) {
  EXPECT_TRUE(isIpv4Address("0.0.0.0"));
  EXPECT_TRUE(isIpv4Address("255.255.255.255"));
  EXPECT_FALSE(isIpv4Address("256.1.1.1"));
  EXPECT_FALSE(isIpv4Address("1.2.3"));
  EXPECT_FALSE(isIpv4Address("1.2.3.4.5"));
  EXPECT_FALSE(isIpv4Address("1.2.3."));
  EXPECT_FALSE(isIpv4Address("1..3.4"));
  EXPECT_TRUE(isIpv6Address("2001:db8::9:255"));
  EXPECT_FALSE(isIpv6Address("[2001:db8::1]"));
  EXPECT_FALSE(isIpv6Address("2001:db8:::1"));
  EXPECT_EQ(classifyHost("[::1]"), HostKind::IPv6);
  EXPECT_EQ(classifyHost("::1"), std::nullopt);
  EXPECT_EQ(classifyHost("example.com"), HostKind::Name);
}

}  // namespace
}  // namespace tandem::sip
