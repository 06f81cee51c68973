#pragma once

// Counts heap allocations made through operator new on this thread while an
// AllocationCounter is alive (allocation_counter.cc replaces the global
// operator new / delete of the test binary; outside a counter they only pass
// through to malloc / free). The aligned forms are left to the runtime.

#include <cstddef>

namespace tandem::transaction::fakes {

class AllocationCounter {
 public:
  AllocationCounter();
  AllocationCounter(const AllocationCounter&) = delete;
  AllocationCounter& operator=(const AllocationCounter&) = delete;
  ~AllocationCounter();

  // Allocations since construction.
  size_t count() const;

 private:
  size_t start_;
};

}  // namespace tandem::transaction::fakes
