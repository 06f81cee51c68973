#pragma once

// Small helpers shared by the server-file and pool-file readers: names of
// TOML types for error messages, and where a node sits in its file.

#include <toml++/toml.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace tandem::config::detail {

// "string", "integer", ... as an error message names what was found.
inline std::string_view typeName(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "table";
    case toml::node_type::array:
      return "array";
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::date:
      return "date";
    case toml::node_type::time:
      return "time";
    case toml::node_type::date_time:
      return "date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

// "a string", "an integer", "a boolean": what a key of type T expects.
template <class T>
constexpr std::string_view expectedName() {
  if constexpr (std::is_same_v<T, std::string>) {
    return "a string";
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return "an integer";
  } else {
    return "a boolean";
  }
}

// The 1-based line a node starts on.
inline int lineOf(const toml::node& node) { return static_cast<int>(node.source().begin.line); }

}  // namespace tandem::config::detail
