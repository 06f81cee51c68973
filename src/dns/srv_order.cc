#include "dns/srv_order.h"

#include <algorithm>

namespace tandem::dns::detail {

std::vector<SrvRecord> orderSrv(std::vector<SrvRecord> records, const Random& random) {
  // Stable: records of one priority keep their received order before the
  // draw, which puts the zero weights first (RFC 2782, "Usage rules").
  std::stable_sort(records.begin(), records.end(), [](const SrvRecord& a, const SrvRecord& b) {
    if (a.priority != b.priority) {
      return a.priority < b.priority;
    }
    return a.weight == 0 && b.weight != 0;
  });
  std::vector<SrvRecord> ordered;
  ordered.reserve(records.size());
  size_t group = 0;
  while (group < records.size()) {
    size_t end = group;
    while (end < records.size() && records[end].priority == records[group].priority) {
      ++end;
    }
    std::vector<SrvRecord> left(std::make_move_iterator(records.begin() + static_cast<std::ptrdiff_t>(group)),
                                std::make_move_iterator(records.begin() + static_cast<std::ptrdiff_t>(end)));
    while (!left.empty()) {
      uint32_t sum = 0;
      for (const SrvRecord& record : left) {
        sum += record.weight;
      }
      const uint32_t pick = std::min(random(sum), sum);
      uint32_t running = 0;
      size_t chosen = left.size() - 1;
      for (size_t i = 0; i < left.size(); ++i) {
        running += left[i].weight;
        if (running >= pick) {
          chosen = i;
          break;
        }
      }
      ordered.push_back(std::move(left[chosen]));
      left.erase(left.begin() + static_cast<std::ptrdiff_t>(chosen));
    }
    group = end;
  }
  return ordered;
}

bool isRootTarget(const std::string& target) { return target.empty() || target == "."; }

}  // namespace tandem::dns::detail
