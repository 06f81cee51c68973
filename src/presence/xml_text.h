#pragma once

// Text helpers of the presence documents: what is written into XML, and how
// untrusted text is quoted in an error line. Internal to presence/.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tandem::presence {

// XML 1.0 whitespace (space, tab, CR, LF) trimmed from both ends.
std::string_view trimXmlSpace(std::string_view text);

// `text` as valid UTF-8 made only of XML 1.0 Chars: a malformed sequence
// becomes U+FFFD, a forbidden character (C0 controls other than tab, LF and
// CR; surrogates; U+FFFE, U+FFFF) is dropped.
std::string xmlChars(std::string_view text);

// Appends `text` (after xmlChars) escaped for element content or a
// double-quoted attribute value: & < > " ' always; in attributes also tab,
// LF and CR (as character references, so attribute normalization keeps
// them); CR in content too (a parser would turn it into LF).
void appendEscaped(std::string& out, std::string_view text, bool attribute);

// True when `name` is an XML NCName made of ASCII letters, digits, '-',
// '.', '_' and starting with a letter or '_' (what xs:ID accepts, ASCII only).
bool isAsciiNcName(std::string_view name);

// Untrusted text for an error line (a SIP Warning header): printable ASCII
// only (other bytes, '"' and '\' become '?'), at most 40 characters.
std::string forWarning(std::string_view text);

// An RFC 3339 date-time (RFC 3863 timestamps) as microseconds since the Unix
// epoch, so that timestamps in different offsets compare; nullopt when
// `text` is not one. Accepts 't'/'z' in lower case and any number of
// fraction digits (beyond six ignored); years 0000–9999.
std::optional<int64_t> parseRfc3339(std::string_view text);

}  // namespace tandem::presence
