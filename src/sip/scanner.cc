#include "sip/scanner.h"

namespace tandem::sip {

namespace {

template <ParamSyntax kSyntax>
bool wellFormed(std::string_view raw) {
  return visitParams<kSyntax>(raw, [](const Param&) { return true; });
}

template <ParamSyntax kSyntax>
std::optional<Param> find(std::string_view raw, std::string_view name) {
  std::optional<Param> found;
  visitParams<kSyntax>(raw, [&](const Param& param) {
    if (equalsNoCase(param.name, name)) {
      found = param;
      return false;
    }
    return true;
  });
  return found;
}

}  // namespace

bool paramsWellFormed(std::string_view raw, ParamSyntax syntax) {
  switch (syntax) {
    case ParamSyntax::Header:
      return wellFormed<ParamSyntax::Header>(raw);
    case ParamSyntax::Auth:
      return wellFormed<ParamSyntax::Auth>(raw);
    case ParamSyntax::Uri:
      return wellFormed<ParamSyntax::Uri>(raw);
  }
  return false;
}

std::optional<Param> findParam(std::string_view raw, std::string_view name, ParamSyntax syntax) {
  switch (syntax) {
    case ParamSyntax::Header:
      return find<ParamSyntax::Header>(raw, name);
    case ParamSyntax::Auth:
      return find<ParamSyntax::Auth>(raw, name);
    case ParamSyntax::Uri:
      return find<ParamSyntax::Uri>(raw, name);
  }
  return std::nullopt;
}

std::optional<std::string_view> findParamValue(std::string_view raw, std::string_view name, ParamSyntax syntax) {
  if (auto param = findParam(raw, name, syntax)) {
    return param->value;
  }
  return std::nullopt;
}

}  // namespace tandem::sip
