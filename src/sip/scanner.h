#pragma once

// Lexical building blocks shared by the typed parsers (uri.cc, headers.cc):
// the character classes of RFC 3261 §25.1 / §19.1.1, a cursor over a header
// value that understands LWS with line folds, tokens and quoted strings, and a
// reader for parameter lists (";name=value", auth-params "name=value, ...").
//
// Everything works on views; nothing allocates.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tandem::sip {

// Character classes, as bit masks over one table.
enum CharClass : uint16_t {
  kDigit = 1 << 0,
  kAlpha = 1 << 1,
  kHex = 1 << 2,              // HEXDIG, either case
  kToken = 1 << 3,            // token (§25.1)
  kUnreserved = 1 << 4,       // alphanum / mark (§25.1)
  kUserUnreserved = 1 << 5,   // "&" / "=" / "+" / "$" / "," / ";" / "?" / "/"
  kPasswordExtra = 1 << 6,    // "&" / "=" / "+" / "$" / ","
  kParamUnreserved = 1 << 7,  // "[" / "]" / "/" / ":" / "&" / "+" / "$"
  kHnvUnreserved = 1 << 8,    // "[" / "]" / "/" / "?" / ":" / "+" / "$"
  kWord = 1 << 9,             // word (Call-ID, §25.1)
  kHostChar = 1 << 10,        // alphanum / "-" / "." (hostname, IPv4)
  kParamValue = 1 << 11,      // token / host: token chars plus ":" "[" "]" (gen-value)
  kUserInfo = 1 << 12,        // user / password chars, ":" and "%" (userinfo octets; escapes checked apart)
  kLabelChar = 1 << 13,       // alphanum / "-" (hostname labels)
  kUriParamChar = 1 << 14,    // unreserved / param-unreserved (paramchar but escapes)
  kQuotedPlain = 1 << 15,     // any octet but DQUOTE, "\\", CR and LF (as is in a quoted-string)
};

namespace detail {

constexpr void mark(std::array<uint16_t, 256>& table, std::string_view chars, uint16_t bits) {
  for (char c : chars) {
    table[static_cast<unsigned char>(c)] |= bits;
  }
}

constexpr std::array<uint16_t, 256> makeCharClasses() {
  std::array<uint16_t, 256> table{};
  constexpr uint16_t kAlnum = kToken | kUnreserved | kWord | kHostChar | kParamValue;
  for (int c = '0'; c <= '9'; ++c) {
    table[c] |= kDigit | kHex | kAlnum;
  }
  for (int c = 'a'; c <= 'z'; ++c) {
    table[c] |= kAlpha | kAlnum;
    table[c - 'a' + 'A'] |= kAlpha | kAlnum;
  }
  mark(table, "abcdefABCDEF", kHex);
  mark(table, "-.!%*_+`'~", kToken | kParamValue);
  mark(table, ":[]", kParamValue);
  mark(table, "-_.!~*'()", kUnreserved);
  mark(table, "&=+$,;?/", kUserUnreserved);
  mark(table, "&=+$,", kPasswordExtra);
  mark(table, "[]/:&+$", kParamUnreserved);
  mark(table, "[]/?:+$", kHnvUnreserved);
  mark(table, "-.!%*_+`'~()<>:\\\"/[]?{}", kWord);
  mark(table, "-.", kHostChar);
  // Unions of the classes above, as single bits for spanOf().
  for (auto& bits : table) {
    if ((bits & (kUnreserved | kUserUnreserved | kPasswordExtra)) != 0) {
      bits |= kUserInfo;
    }
    if ((bits & (kAlpha | kDigit)) != 0) {
      bits |= kLabelChar;
    }
    if ((bits & (kUnreserved | kParamUnreserved)) != 0) {
      bits |= kUriParamChar;
    }
    bits |= kQuotedPlain;
  }
  mark(table, ":%", kUserInfo);
  mark(table, "-", kLabelChar);
  for (char c : std::string_view("\"\\\r\n")) {
    table[static_cast<unsigned char>(c)] &= static_cast<uint16_t>(~kQuotedPlain);
  }
  return table;
}

}  // namespace detail

inline constexpr std::array<uint16_t, 256> kCharClasses = detail::makeCharClasses();
static_assert((kCharClasses['@'] & (kUserInfo | kLabelChar | kUriParamChar | kHostChar)) == 0);
static_assert((kCharClasses['>'] & (kUserInfo | kLabelChar | kUriParamChar | kHostChar)) == 0);
static_assert((kCharClasses['%'] & kUserInfo) != 0 && (kCharClasses['%'] & kUriParamChar) == 0);
static_assert((kCharClasses['"'] & kQuotedPlain) == 0 && (kCharClasses[0xe9] & kQuotedPlain) != 0);

inline bool hasClass(unsigned char c, uint16_t mask) { return (kCharClasses[c] & mask) != 0; }
inline bool isDigitChar(unsigned char c) { return hasClass(c, kDigit); }
inline bool isHexChar(unsigned char c) { return hasClass(c, kHex); }
inline bool isWsp(unsigned char c) { return c == ' ' || c == '\t'; }

inline int hexValue(unsigned char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  return (c | 0x20) - 'a' + 10;
}

// ASCII case-insensitive comparison; the same as equalsIgnoreCase (message.h),
// inline for the typed parsers' hot paths.
inline bool equalsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = static_cast<unsigned char>(b[i]);
    if (x != y && ((x | 0x20) != (y | 0x20) || !hasClass(x, kAlpha))) {
      return false;
    }
  }
  return true;
}

namespace detail {

// A value-initialized T, copied from a static one. The typed parsers build
// results of 100 to 200 bytes (Uri, NameAddr, Via) for every header, and GCC
// (x86-64, generic tuning) zeroes objects of more than 80 bytes with
// `rep stos`, which is slow to start and stalls the loads that read the
// object back soon after (store forwarding fails). A copy of a blank whose
// contents the optimizer cannot see (the empty asm) is a few vector moves.
template <class T>
const T& blank() {
  static const T kBlank{};
  const T* p = &kBlank;
  asm("" : "+r"(p));  // an optimization barrier only
  return *p;
}

}  // namespace detail

// The end of the run of chars of `mask` in `text` that starts at `pos`
// (`pos` itself when text[pos] is not one). Four octets per step while they
// share a bit of `mask` (always, for a one-bit mask): the runs of the
// parsers (branch values, host names, tokens) are tens of octets.
inline size_t spanOf(std::string_view text, size_t pos, uint16_t mask) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  while (pos + 4 <= n && (kCharClasses[p[pos]] & kCharClasses[p[pos + 1]] & kCharClasses[p[pos + 2]] &
                          kCharClasses[p[pos + 3]] & mask) != 0) {
    pos += 4;
  }
  while (pos < n && (kCharClasses[p[pos]] & mask) != 0) {
    ++pos;
  }
  return pos;
}

// Parses 1*DIGIT as an unsigned value no larger than `max`; nullopt for an
// empty string, a non-digit, or a value above `max` (no wrap-around).
inline std::optional<uint64_t> parseDecimal(std::string_view digits, uint64_t max) {
  if (digits.empty()) {
    return std::nullopt;
  }
  uint64_t value = 0;
  for (char c : digits) {
    const uint64_t digit = static_cast<unsigned char>(c) - uint64_t{'0'};
    if (digit > 9 || value > (max - digit) / 10) {
      return std::nullopt;
    }
    value = value * 10 + digit;
  }
  return value;
}

// A cursor over one header value (or URI). LWS is RFC 3261 §25.1:
// [*WSP CRLF] 1*WSP — a line fold counts as white space. The small members
// are defined here so the typed parsers inline them.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool atEnd() const { return pos_ >= text_.size(); }
  bool at(char c) const { return !atEnd() && text_[pos_] == c; }
  // Precondition: !atEnd().
  unsigned char current() const { return static_cast<unsigned char>(text_[pos_]); }
  size_t pos() const { return pos_; }
  void reset(size_t pos) { pos_ = pos; }
  std::string_view rest() const { return text_.substr(pos_); }
  // The text from `start` up to the cursor.
  std::string_view since(size_t start) const { return text_.substr(start, pos_ - start); }

  bool consume(char c) {
    if (!at(c)) {
      return false;
    }
    ++pos_;
    return true;
  }
  // Skips LWS (folds included); true when anything was skipped.
  bool skipLws() {
    size_t pos = pos_;
    while (pos < text_.size()) {
      const char c = text_[pos];
      if (c == ' ' || c == '\t') {
        ++pos;
        continue;
      }
      const size_t fold = c == '\r' || c == '\n' ? foldAt(pos) : 0;
      if (fold == 0) {
        break;
      }
      pos += fold;
    }
    const bool skipped = pos != pos_;
    pos_ = pos;
    return skipped;
  }
  // SWS c SWS (the SLASH, EQUAL, COLON, SEMI, COMMA rules). On failure the
  // cursor does not move.
  bool consumeSeparator(char c) {
    const size_t start = pos_;
    skipLws();
    if (!consume(c)) {
      pos_ = start;
      return false;
    }
    skipLws();
    return true;
  }
  // 1*(chars of `mask`); empty when the cursor is not on such a char.
  std::string_view take(uint16_t mask) {
    const size_t start = pos_;
    pos_ = spanOf(text_, start, mask);
    return since(start);
  }
  std::string_view token() { return take(kToken); }
  // quoted-string (§25.1): DQUOTE *(qdtext / quoted-pair) DQUOTE. `content` is
  // the text between the quotes with quoted-pairs left raw (a "\"" stays two
  // octets). False, cursor unchanged, when not on a quote or unterminated.
  bool quotedString(std::string_view& content) {
    if (!at('"')) {
      return false;
    }
    size_t i = pos_ + 1;
    while ((i = spanOf(text_, i, kQuotedPlain)) < text_.size()) {
      const char c = text_[i];
      if (c == '"') {
        content = text_.substr(pos_ + 1, i - pos_ - 1);
        pos_ = i + 1;
        return true;
      }
      if (c == '\\') {
        // quoted-pair: any octet but CR and LF may follow.
        if (i + 1 >= text_.size() || text_[i + 1] == '\r' || text_[i + 1] == '\n') {
          return false;
        }
        i += 2;
      } else if (c == '\r' || c == '\n') {
        const size_t fold = foldAt(i);
        if (fold == 0) {
          return false;
        }
        i += fold;
      }
    }
    return false;  // unterminated
  }

 private:
  // Length of the line fold (CRLF or LF, then one WSP) at `pos`, or 0.
  size_t foldAt(size_t pos) const {
    size_t next = pos;
    if (next < text_.size() && text_[next] == '\r') {
      ++next;
      if (next >= text_.size() || text_[next] != '\n') {
        return 0;
      }
    } else if (next >= text_.size() || text_[next] != '\n') {
      return 0;
    }
    ++next;  // past the LF
    if (next < text_.size() && isWsp(static_cast<unsigned char>(text_[next]))) {
      return next + 1 - pos;
    }
    return 0;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// The grammar of a parameter list.
enum class ParamSyntax : uint8_t {
  // generic-param (§25.1): ';'-separated, LWS around ';' and '=', name a
  // token, value a token, a host (":" "[" "]" allowed, so bare IPv6 passes)
  // or a quoted-string.
  Header,
  // auth-param (§25.1, RFC 7616 §3.4): as Header but ','-separated and the
  // "=value" is mandatory.
  Auth,
  // uri-parameter (§19.1.1): ';'-separated, no LWS, name and value
  // 1*paramchar where '%' must start a %HH escape; no quoted strings.
  Uri,
};

struct Param {
  std::string_view name;
  // Token or paramchars as written; for a quoted-string, the content between
  // the quotes with backslash escapes left raw. Empty for a flag ("lr").
  std::string_view value;
  bool has_value = false;
  bool quoted = false;
};

namespace detail {

// 1*(paramchar) where paramchar = param-unreserved / unreserved / escaped
// (§19.1.1). Empty when a '%' is not followed by two hex digits (the cursor
// is then left somewhere inside the run: callers fail on empty).
inline std::string_view takeUriParamChars(Scanner& scanner) {
  const std::string_view text = scanner.rest();
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (hasClass(c, kUriParamChar)) {
      ++i;
    } else if (c == '%') {
      if (i + 2 >= text.size() || !isHexChar(static_cast<unsigned char>(text[i + 1])) ||
          !isHexChar(static_cast<unsigned char>(text[i + 2]))) {
        return {};
      }
      i += 3;
    } else {
      break;
    }
  }
  const size_t start = scanner.pos();
  scanner.reset(start + i);
  return scanner.since(start);
}

enum class ParamStep : uint8_t { Param, End, Malformed };

// One step of a ParamReader of grammar `kSyntax` (see ParamReader::next):
// the next element into `out`, the end of the list, or a malformed element.
template <ParamSyntax kSyntax>
inline ParamStep nextParamAt(Scanner& scanner, bool& started, Param& out) {
  constexpr bool kLws = kSyntax != ParamSyntax::Uri;
  constexpr char kSeparator = kSyntax == ParamSyntax::Auth ? ',' : ';';
  if constexpr (kLws) {
    scanner.skipLws();
  }
  if (scanner.atEnd()) {
    return ParamStep::End;
  }
  if (started) {
    if (!(kLws ? scanner.consumeSeparator(kSeparator) : scanner.consume(kSeparator))) {
      return ParamStep::Malformed;
    }
  }
  started = true;
  out = Param{};
  if constexpr (kSyntax == ParamSyntax::Uri) {
    out.name = takeUriParamChars(scanner);
  } else {
    out.name = scanner.token();
  }
  if (out.name.empty()) {
    return ParamStep::Malformed;
  }
  if (!(kLws ? scanner.consumeSeparator('=') : scanner.consume('='))) {
    // auth-param = token EQUAL ( token / quoted-string ): the value is mandatory.
    return kSyntax == ParamSyntax::Auth ? ParamStep::Malformed : ParamStep::Param;
  }
  out.has_value = true;
  bool value_ok = false;
  if constexpr (kSyntax == ParamSyntax::Uri) {
    out.value = takeUriParamChars(scanner);
    value_ok = !out.value.empty();
  } else if (scanner.at('"')) {
    out.quoted = true;
    value_ok = scanner.quotedString(out.value);
  } else {
    out.value = scanner.take(kParamValue);
    value_ok = !out.value.empty();
  }
  return value_ok ? ParamStep::Param : ParamStep::Malformed;
}

// The parsers keep their Scanner in registers only while its address does
// not escape: each step works on a copy and writes it back once.
template <ParamSyntax kSyntax>
inline ParamStep nextParam(Scanner& cursor, bool& started, Param& out) {
  Scanner scanner = cursor;
  const ParamStep step = nextParamAt<kSyntax>(scanner, started, out);
  cursor = scanner;
  return step;
}

}  // namespace detail

// Iterates a raw parameter list: the text after the first separator, e.g.
// "tag=1;lr" for ";tag=1;lr". An empty list yields nothing (and is not a
// failure). Empty elements (";;") and stray characters make next() stop with
// failed() set.
class ParamReader {
 public:
  explicit ParamReader(std::string_view raw, ParamSyntax syntax = ParamSyntax::Header)
      : scanner_(raw), syntax_(syntax) {}

  // The next element into `out`; false at the end or on a malformed element.
  bool next(Param& out) {
    if (failed_) {
      return false;
    }
    detail::ParamStep step = detail::ParamStep::End;
    switch (syntax_) {
      case ParamSyntax::Header:
        step = detail::nextParam<ParamSyntax::Header>(scanner_, started_, out);
        break;
      case ParamSyntax::Auth:
        step = detail::nextParam<ParamSyntax::Auth>(scanner_, started_, out);
        break;
      case ParamSyntax::Uri:
        step = detail::nextParam<ParamSyntax::Uri>(scanner_, started_, out);
        break;
    }
    failed_ = step == detail::ParamStep::Malformed;
    return step == detail::ParamStep::Param;
  }
  bool failed() const { return failed_; }

 private:
  Scanner scanner_;
  ParamSyntax syntax_;
  bool started_ = false;
  bool failed_ = false;
};

// Calls `visit(param)` for each element of a raw parameter list of grammar
// `kSyntax`, stopping when it returns false. True when the list holds at
// least one element, every one is well formed and `visit` accepted them all:
// the same verdict as paramsWellFormed() plus the visits, in one pass.
template <ParamSyntax kSyntax, class Visit>
inline bool visitParams(std::string_view raw, Visit&& visit) {
  Scanner scanner(raw);
  bool started = false;
  Param param;
  for (;;) {
    switch (detail::nextParam<kSyntax>(scanner, started, param)) {
      case detail::ParamStep::Param:
        if (!visit(static_cast<const Param&>(param))) {
          return false;
        }
        break;
      case detail::ParamStep::End:
        return started;  // false for an empty list
      case detail::ParamStep::Malformed:
        return false;
    }
  }
}

// True when `raw` holds at least one parameter and every one is well formed.
// Parsers call it for the text after a ';' they consumed.
bool paramsWellFormed(std::string_view raw, ParamSyntax syntax = ParamSyntax::Header);

// The first parameter named `name` (ASCII case-insensitive); nullopt when
// absent or when the list is malformed before it is found.
std::optional<Param> findParam(std::string_view raw, std::string_view name, ParamSyntax syntax = ParamSyntax::Header);

// The value of parameter `name` ("" for a flag); nullopt when absent.
std::optional<std::string_view> findParamValue(std::string_view raw, std::string_view name,
                                               ParamSyntax syntax = ParamSyntax::Header);

}  // namespace tandem::sip
