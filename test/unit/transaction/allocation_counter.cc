#include "allocation_counter.h"

#include <cstdlib>
#include <new>

namespace {

thread_local size_t g_allocations = 0;
thread_local int g_counting = 0;

void* allocate(size_t size) noexcept {
  if (g_counting > 0) {
    ++g_allocations;
  }
  return std::malloc(size == 0 ? 1 : size);
}

void* allocateOrThrow(size_t size) {
  if (void* memory = allocate(size)) {
    return memory;
  }
  throw std::bad_alloc();
}

}  // namespace

void* operator new(size_t size) { return allocateOrThrow(size); }
void* operator new[](size_t size) { return allocateOrThrow(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept { return allocate(size); }
void* operator new[](size_t size, const std::nothrow_t&) noexcept { return allocate(size); }
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete[](void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, size_t) noexcept { std::free(memory); }
void operator delete[](void* memory, size_t) noexcept { std::free(memory); }
void operator delete(void* memory, const std::nothrow_t&) noexcept { std::free(memory); }
void operator delete[](void* memory, const std::nothrow_t&) noexcept { std::free(memory); }

namespace tandem::transaction::fakes {

AllocationCounter::AllocationCounter() : start_(g_allocations) { ++g_counting; }
AllocationCounter::~AllocationCounter() { --g_counting; }
size_t AllocationCounter::count() const { return g_allocations - start_; }

}  // namespace tandem::transaction::fakes
