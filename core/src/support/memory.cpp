#include "tessera/memory.hpp"

#include <fstream>
#include <string>

namespace tessera {

MemoryUsage memory_usage() {
  MemoryUsage usage;
  std::ifstream status("/proc/self/status");
  std::string line;
  auto kib_after = [&](const char* field) {
    return std::stoull(line.substr(std::char_traits<char>::length(field))) * 1024;
  };
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) usage.resident = kib_after("VmRSS:");
    if (line.rfind("VmHWM:", 0) == 0) usage.peak_resident = kib_after("VmHWM:");
  }
  return usage;
}

}  // namespace tessera
