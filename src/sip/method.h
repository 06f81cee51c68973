#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace tandem::sip {

// Methods Tandem knows (RFC 3261 and extensions). Method names are
// case-sensitive (RFC 3261 §7.1): "invite" is an unknown method.
enum class Method : uint8_t {
  Unknown,
  Invite,
  Ack,
  Bye,
  Cancel,
  Register,
  Options,
  Message,   // RFC 3428
  Subscribe, // RFC 6665
  Notify,    // RFC 6665
  Publish,   // RFC 3903
  Info,      // RFC 6086
  Prack,     // RFC 3262
  Update,    // RFC 3311
  Refer,     // RFC 3515
  Service,   // Microsoft LCS (client to home server only)
  Benotify,  // Microsoft best-effort NOTIFY
};

Method methodFromName(std::string_view name);
std::string_view methodName(Method method);  // "" for Unknown

namespace detail {
// RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
constexpr std::array<bool, 256> makeTokenTable() {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) {
    table[c] = true;
  }
  for (int c = 'a'; c <= 'z'; ++c) {
    table[c] = true;
    table[c - 'a' + 'A'] = true;
  }
  for (char c : std::string_view("-.!%*_+`'~")) {
    table[static_cast<unsigned char>(c)] = true;
  }
  return table;
}
inline constexpr std::array<bool, 256> kTokenChars = makeTokenTable();
}  // namespace detail

inline bool isTokenChar(unsigned char c) { return detail::kTokenChars[c]; }
bool isToken(std::string_view text);

}  // namespace tandem::sip
