#pragma once

// Small text helpers shared by every folder.

#include <string>
#include <string_view>

namespace tandem {

// ASCII lower case (domains, realms, keys); other bytes unchanged.
inline std::string asciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

}  // namespace tandem
