#pragma once
// The memory this process uses, as the operating system counts it: what worker memory limits
// are measured against (a task can call it to see its worker's).

#include <cstdint>

namespace tessera {

struct MemoryUsage {
  std::uint64_t resident = 0;       ///< bytes in RAM now (VmRSS)
  std::uint64_t peak_resident = 0;  ///< the most bytes in RAM so far (VmHWM)
};

/// This process's memory, from /proc/self/status on Linux (zeros where that is not there).
MemoryUsage memory_usage();

}  // namespace tessera
