// parsePidf under arbitrary bytes. Invariants: never a crash or a sanitizer
// report; an error is one printable line; a document that parses writes back
// (toPidf) as a document that parses again with the same entity,
// availability, note and number of tuples (at least one); compose() of the
// two is the same presentity and writes a document that parses.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "presence/pidf.h"

using tandem::presence::compose;
using tandem::presence::parsePidf;
using tandem::presence::PresenceState;
using tandem::presence::toPidf;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = parsePidf(input);
  if (!parsed.ok()) {
    const std::string& error = parsed.error();
    if (error.empty() || error.size() > 200) {
      std::abort();
    }
    for (const char c : error) {
      if (c < 0x20 || c > 0x7E) {
        std::abort();
      }
    }
    return 0;
  }
  const PresenceState& state = *parsed;
  const std::string written = toPidf(state);
  auto again = parsePidf(written, written.size());
  if (!again.ok() || again->entity != state.entity || again->availability != state.availability ||
      again->note != state.note || again->tuples.size() != std::max<size_t>(state.tuples.size(), 1)) {
    std::abort();
  }
  const std::vector<PresenceState> publications = {state, *again};
  const PresenceState composed = compose(state.entity, publications);
  const std::string composed_text = toPidf(composed);
  auto composed_again = parsePidf(composed_text, composed_text.size());
  if (!composed_again.ok() || composed_again->entity != state.entity ||
      composed_again->availability != composed.availability) {
    std::abort();
  }
  return 0;
}
