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

// Every replaceable form is defined here: under AddressSanitizer, a form left out would be
// ASan's own, and memory it allocates would then be freed by the free() below (a mismatch).
namespace {
void* allocate(std::size_t size) {
  using tessera::test::watch;
  if (watch.armed) {
    if (size > watch.largest) watch.largest = size;
    if (size > watch.cap) throw std::bad_alloc();
  }
  if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
  throw std::bad_alloc();
}
void* allocate_aligned(std::size_t size, std::align_val_t alignment) {
  using tessera::test::watch;
  if (watch.armed) {
    if (size > watch.largest) watch.largest = size;
    if (size > watch.cap) throw std::bad_alloc();
  }
  const auto align = static_cast<std::size_t>(alignment);
  const std::size_t rounded = (size + align - 1) / align * align;
  if (void* memory = std::aligned_alloc(align, rounded == 0 ? align : rounded)) return memory;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return allocate(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t size, std::align_val_t alignment) {
  return allocate_aligned(size, alignment);
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
  return allocate_aligned(size, alignment);
}
void* operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  try {
    return allocate_aligned(size, alignment);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  try {
    return allocate_aligned(size, alignment);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete[](void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::size_t) noexcept { std::free(memory); }
void operator delete(void* memory, const std::nothrow_t&) noexcept { std::free(memory); }
void operator delete[](void* memory, const std::nothrow_t&) noexcept { std::free(memory); }
void operator delete(void* memory, std::align_val_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::align_val_t) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t, std::align_val_t) noexcept { std::free(memory); }
void operator delete[](void* memory, std::size_t, std::align_val_t) noexcept { std::free(memory); }
void operator delete(void* memory, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(memory);
}
void operator delete[](void* memory, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(memory);
}
