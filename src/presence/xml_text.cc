#include "presence/xml_text.h"

#include <cstddef>

namespace tandem::presence {
namespace {

bool isXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

constexpr uint32_t kReplacement = 0xFFFD;

// Decodes one UTF-8 sequence at text[i]; returns the code point and sets
// `length`, or kReplacement with length 1 for a malformed sequence
// (overlong forms, surrogates and values over U+10FFFF are malformed).
uint32_t decodeUtf8(std::string_view text, size_t i, size_t& length) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  length = 1;
  if (lead < 0x80) {
    return lead;
  }
  size_t count = 0;
  uint32_t cp = 0;
  uint32_t min = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    count = 1;
    cp = lead & 0x1F;
    min = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    count = 2;
    cp = lead & 0x0F;
    min = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    count = 3;
    cp = lead & 0x07;
    min = 0x10000;
  } else {
    return kReplacement;
  }
  if (i + count >= text.size()) {  // the continuation bytes are text[i + 1 .. i + count]
    return kReplacement;
  }
  for (size_t k = 1; k <= count; ++k) {
    const unsigned char next = byte(i + k);
    if ((next & 0xC0) != 0x80) {
      return kReplacement;
    }
    cp = (cp << 6) | (next & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return kReplacement;
  }
  length = count + 1;
  return cp;
}

bool isXmlChar(uint32_t cp) {
  if (cp < 0x20) {
    return cp == 0x9 || cp == 0xA || cp == 0xD;
  }
  return cp != 0xFFFE && cp != 0xFFFF;
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `count` digits at text[pos]; advances pos.
std::optional<int> digits(std::string_view text, size_t& pos, size_t count) {
  if (pos + count > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (size_t k = 0; k < count; ++k) {
    const char c = text[pos + k];
    if (!isDigit(c)) {
      return std::nullopt;
    }
    value = value * 10 + (c - '0');
  }
  pos += count;
  return value;
}

bool expect(std::string_view text, size_t& pos, char c) {
  if (pos < text.size() && text[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil).
int64_t daysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool isLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int daysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && isLeap(y) ? 29 : kDays[m - 1];
}

}  // namespace

std::string_view trimXmlSpace(std::string_view text) {
  while (!text.empty() && isXmlSpace(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && isXmlSpace(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

std::string xmlChars(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t length = 1;
    const uint32_t cp = decodeUtf8(text, i, length);
    if (isXmlChar(cp)) {
      appendUtf8(out, cp);
    }
    i += length;
  }
  return out;
}

void appendEscaped(std::string& out, std::string_view text, bool attribute) {
  for (const char c : xmlChars(text)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#13;";
        break;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        break;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        break;
      default:
        out.push_back(c);
    }
  }
}

bool isAsciiNcName(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!letter(name.front())) {
    return false;
  }
  for (const char c : name) {
    if (!letter(c) && !isDigit(c) && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

std::string forWarning(std::string_view text) {
  constexpr size_t kMax = 40;
  std::string out;
  for (const char c : text.substr(0, kMax)) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(byte < 0x20 || byte > 0x7E || c == '"' || c == '\\' ? '?' : c);
  }
  if (text.size() > kMax) {
    out += "...";
  }
  return out;
}

std::optional<int64_t> parseRfc3339(std::string_view text) {
  size_t pos = 0;
  const auto year = digits(text, pos, 4);
  if (!year || !expect(text, pos, '-')) {
    return std::nullopt;
  }
  const auto month = digits(text, pos, 2);
  if (!month || !expect(text, pos, '-')) {
    return std::nullopt;
  }
  const auto day = digits(text, pos, 2);
  if (!day || !(expect(text, pos, 'T') || expect(text, pos, 't'))) {
    return std::nullopt;
  }
  const auto hour = digits(text, pos, 2);
  if (!hour || !expect(text, pos, ':')) {
    return std::nullopt;
  }
  const auto minute = digits(text, pos, 2);
  if (!minute || !expect(text, pos, ':')) {
    return std::nullopt;
  }
  const auto second = digits(text, pos, 2);
  if (!second) {
    return std::nullopt;
  }
  if (*month < 1 || *month > 12 || *day < 1 || *day > daysInMonth(*year, *month) || *hour > 23 || *minute > 59 ||
      *second > 60) {  // 60: a leap second
    return std::nullopt;
  }
  int64_t micros = 0;
  if (expect(text, pos, '.')) {
    size_t count = 0;
    int64_t scale = 100000;
    while (pos < text.size() && isDigit(text[pos])) {
      if (count < 6) {
        micros += (text[pos] - '0') * scale;
        scale /= 10;
      }
      ++count;
      ++pos;
    }
    if (count == 0) {
      return std::nullopt;
    }
  }
  int64_t offset_minutes = 0;
  if (expect(text, pos, 'Z') || expect(text, pos, 'z')) {
    // UTC
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const bool negative = text[pos] == '-';
    ++pos;
    const auto offset_hour = digits(text, pos, 2);
    if (!offset_hour || !expect(text, pos, ':')) {
      return std::nullopt;
    }
    const auto offset_minute = digits(text, pos, 2);
    if (!offset_minute || *offset_hour > 23 || *offset_minute > 59) {
      return std::nullopt;
    }
    offset_minutes = (int64_t{*offset_hour} * 60 + *offset_minute) * (negative ? -1 : 1);
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) {
    return std::nullopt;
  }
  const int64_t days = daysFromCivil(*year, *month, *day);
  const int64_t seconds = days * 86400 + int64_t{*hour} * 3600 + int64_t{*minute} * 60 + *second - offset_minutes * 60;
  return seconds * 1000000 + micros;
}

}  // namespace tandem::presence
