#pragma once

// RFC 2782 target selection: the order in which to try the records of one
// SRV RRset. Pure, so the tests drive it with their own random numbers.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tandem::dns::detail {

struct SrvRecord {
  std::string target;  // "" or "." : the service is decidedly not available (RFC 2782)
  uint16_t port = 0;
  uint16_t priority = 0;
  uint16_t weight = 0;
};

// A uniform integer in [0, bound].
using Random = std::function<uint32_t(uint32_t bound)>;

// Lowest priority first; within one priority, RFC 2782's weighted draw:
// zero weights first in the running list, then repeatedly a number in
// [0, sum of the weights left], the first record whose running sum reaches
// it taken next. A record of weight 0 is thus rarely first when others
// have weight, but still possible.
std::vector<SrvRecord> orderSrv(std::vector<SrvRecord> records, const Random& random);

// True when `target` is the root: "." (or "" as c-ares gives it).
bool isRootTarget(const std::string& target);

}  // namespace tandem::dns::detail
