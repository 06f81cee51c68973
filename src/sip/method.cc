#include "sip/method.h"

#include <array>

namespace tandem::sip {
namespace {

struct MethodName {
  Method method;
  std::string_view name;
};

constexpr std::array<MethodName, 16> kMethods{{
    {Method::Invite, "INVITE"},
    {Method::Ack, "ACK"},
    {Method::Bye, "BYE"},
    {Method::Cancel, "CANCEL"},
    {Method::Register, "REGISTER"},
    {Method::Options, "OPTIONS"},
    {Method::Message, "MESSAGE"},
    {Method::Subscribe, "SUBSCRIBE"},
    {Method::Notify, "NOTIFY"},
    {Method::Publish, "PUBLISH"},
    {Method::Info, "INFO"},
    {Method::Prack, "PRACK"},
    {Method::Update, "UPDATE"},
    {Method::Refer, "REFER"},
    {Method::Service, "SERVICE"},
    {Method::Benotify, "BENOTIFY"},
}};

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
constexpr std::array<bool, 256> kTokenChars = makeTokenTable();

}  // namespace

Method methodFromName(std::string_view name) {
  for (const auto& entry : kMethods) {
    if (entry.name == name) {
      return entry.method;
    }
  }
  return Method::Unknown;
}

std::string_view methodName(Method method) {
  for (const auto& entry : kMethods) {
    if (entry.method == method) {
      return entry.name;
    }
  }
  return {};
}

bool isTokenChar(unsigned char c) { return kTokenChars[c]; }

bool isToken(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  for (char c : text) {
    if (!kTokenChars[static_cast<unsigned char>(c)]) {
      return false;
    }
  }
  return true;
}

}  // namespace tandem::sip
