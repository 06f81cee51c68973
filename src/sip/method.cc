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

bool isToken(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  for (char c : text) {
    if (!isTokenChar(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

}  // namespace tandem::sip
