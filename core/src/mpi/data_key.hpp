#pragma once
// DataKey: names one result in the cluster, as messages, stores and fetches refer to it.

#include <cstddef>
#include <cstdint>

namespace tessera::detail {

/// A run (one graph submission) and a task in it.
struct DataKey {
  std::uint64_t run = 0;
  std::uint32_t task = 0;
  friend bool operator==(const DataKey&, const DataKey&) = default;
};

struct DataKeyHash {
  std::size_t operator()(const DataKey& key) const noexcept {
    // Runs and tasks are small consecutive numbers: mix them (splitmix64's finalizer).
    std::uint64_t x = key.run * 0x9e3779b97f4a7c15ULL + key.task;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<std::size_t>(x ^ (x >> 31));
  }
};

}  // namespace tessera::detail
