#pragma once
// Watches the allocations made through operator new on this thread: the largest one asked for,
// and a cap above which operator new throws std::bad_alloc at once (so that a test of an
// oversized allocation fails in microseconds instead of touching gigabytes). The replacement
// operator new lives in allocation_probe.cpp, linked into the core test program.

#include <cstddef>

namespace tessera::test {

class AllocationProbe {
 public:
  /// Watches allocations on this thread until destroyed; those over `cap` bytes throw.
  explicit AllocationProbe(std::size_t cap) noexcept;
  AllocationProbe(const AllocationProbe&) = delete;
  AllocationProbe& operator=(const AllocationProbe&) = delete;
  ~AllocationProbe();

  /// The largest single allocation asked for while watching (refused ones included).
  std::size_t largest() const noexcept;
};

}  // namespace tessera::test
