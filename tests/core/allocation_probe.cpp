#include "allocation_probe.hpp"

#include <cstdlib>
#include <new>

namespace tessera::test {
namespace {

struct Watch {
  bool armed = false;
  std::size_t cap = 0;
  std::size_t largest = 0;
};
thread_local Watch watch;

}  // namespace

AllocationProbe::AllocationProbe(std::size_t cap) noexcept { watch = Watch{true, cap, 0}; }
AllocationProbe::~AllocationProbe() { watch.armed = false; }
std::size_t AllocationProbe::largest() const noexcept { return watch.largest; }

}  // namespace tessera::test

// The other forms of operator new (arrays, nothrow) call this one in libstdc++.
void* operator new(std::size_t size) {
  using tessera::test::watch;
  if (watch.armed) {
    if (size > watch.largest) watch.largest = size;
    if (size > watch.cap) throw std::bad_alloc();
  }
  if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
  throw std::bad_alloc();
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }
