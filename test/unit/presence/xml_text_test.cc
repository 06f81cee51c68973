#include "presence/xml_text.h"

#include <gtest/gtest.h>

#include <string>

namespace tandem::presence {
namespace {

TEST(PresenceXmlTextTest, Rfc3339) {
  EXPECT_EQ(parseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parseRfc3339("1970-01-01T00:00:01.5Z"), 1500000);
  EXPECT_EQ(parseRfc3339("1970-01-01t01:00:00+01:00"), 0);
  EXPECT_EQ(parseRfc3339("1969-12-31T23:00:00-01:00"), 0);
  EXPECT_EQ(parseRfc3339("2001-10-27T16:49:29Z"), int64_t{1004201369} * 1000000);
  EXPECT_EQ(parseRfc3339("2004-10-21T13:20:00.000-05:00"), parseRfc3339("2004-10-21T18:20:00z"));
  EXPECT_EQ(parseRfc3339("2024-02-29T00:00:00.1234567Z"), parseRfc3339("2024-02-29T00:00:00.123456Z"));
  EXPECT_LT(parseRfc3339("2024-01-01T12:00:00+02:00"), parseRfc3339("2024-01-01T10:30:00Z"));
  for (const char* bad :
       {"", "2024-01-01", "2024-01-01T00:00:00", "2024-01-01 00:00:00Z", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
        "2024-01-01T24:00:00Z", "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00+0100", "2024-01-01T00:00:00Zjunk",
        "yesterday", "+2024-01-01T00:00:00Z"}) {
    EXPECT_FALSE(parseRfc3339(bad).has_value()) << bad;
  }
}

TEST(PresenceXmlTextTest, XmlChars) {
  EXPECT_EQ(xmlChars("plain \t\r\n text"), "plain \t\r\n text");
  EXPECT_EQ(xmlChars(std::string("a\x01\x1F") + std::string(1, '\0') + "b"), "ab");
  EXPECT_EQ(xmlChars("\xE2\x9C\x93 \xF0\x9F\x98\x80"), "\xE2\x9C\x93 \xF0\x9F\x98\x80");
  EXPECT_EQ(xmlChars("\xFF"), "\xEF\xBF\xBD");
  EXPECT_EQ(xmlChars("\xC0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");                                  // overlong NUL
  EXPECT_EQ(xmlChars("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");                  // a surrogate
  EXPECT_EQ(xmlChars("\xEF\xBF\xBE\xEF\xBF\xBF"), "");                                          // U+FFFE, U+FFFF
  EXPECT_EQ(xmlChars("\xE2\x9C"), "\xEF\xBF\xBD\xEF\xBF\xBD");                                  // truncated at the end
  EXPECT_EQ(xmlChars("\xF4\x90\x80\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // over U+10FFFF
}

TEST(PresenceXmlTextTest, Escaping) {
  std::string out;
  appendEscaped(out, "<a href=\"x\">&'\t\n\r", false);
  EXPECT_EQ(out, "&lt;a href=&quot;x&quot;&gt;&amp;&apos;\t\n&#13;");
  out.clear();
  appendEscaped(out, "\t\n\r\"", true);
  EXPECT_EQ(out, "&#9;&#10;&#13;&quot;");
}

TEST(PresenceXmlTextTest, NcNames) {
  EXPECT_TRUE(isAsciiNcName("t1"));
  EXPECT_TRUE(isAsciiNcName("_a.b-c"));
  EXPECT_FALSE(isAsciiNcName(""));
  EXPECT_FALSE(isAsciiNcName("1t"));
  EXPECT_FALSE(isAsciiNcName("a:b"));
  EXPECT_FALSE(isAsciiNcName("a b"));
  EXPECT_FALSE(isAsciiNcName("-a"));
}

TEST(PresenceXmlTextTest, ForWarning) {
  EXPECT_EQ(forWarning("maybe"), "maybe");
  EXPECT_EQ(forWarning("a\"b\\c\r\n\xC3\xA9"), "a?b?c????");
  EXPECT_EQ(forWarning(std::string(50, 'x')), std::string(40, 'x') + "...");
}

}  // namespace
}  // namespace tandem::presence
