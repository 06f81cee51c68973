#pragma once

// The "most available tuple first" order shared by parsePidf (which note to
// show) and compose (the order of the composed tuples). Internal to presence/.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "presence/pidf.h"

namespace tandem::presence {

struct RankedTuple {
  const Tuple* tuple = nullptr;
  int rank = 0;                      // availabilityRank of its publication; Offline's when closed
  std::optional<int64_t> timestamp;  // parseRfc3339(tuple->timestamp)
  size_t order = 0;                  // input position, the last tie-break
};

// `tuple` ranked within a publication whose availability is `availability`.
RankedTuple rankTuple(const Tuple& tuple, Availability availability, size_t order);

// Sorts by rank, then priority (higher first, none last), then timestamp
// (newest first, none last), then input order.
void sortMostAvailableFirst(std::vector<RankedTuple>& tuples);

// The note to show: the first of `notes` (person notes), else the note of
// the first tuple in `ranked` (already sorted) that has one.
std::string noteToShow(const std::vector<std::string>& notes, const std::vector<RankedTuple>& ranked);

}  // namespace tandem::presence
