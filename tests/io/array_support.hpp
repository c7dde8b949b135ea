#pragma once
// Helpers of the tests of arrays in files (HDF5, Zarr): the values they write (and the io
// tests' temporary directory).

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "io_support.hpp"

namespace tessera_test {

using ScratchDirectory = tessera_io_test::TemporaryDirectory;

/// n values of T that differ from block to block (bool: every third one true).
template <class T>
std::vector<T> sample_values(std::int64_t n) {
  std::vector<T> values(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    if constexpr (std::is_same_v<T, bool>) {
      values[static_cast<std::size_t>(i)] = i % 3 == 1;
    } else if constexpr (std::is_floating_point_v<T>) {
      values[static_cast<std::size_t>(i)] = static_cast<T>(i) * T(0.5) - T(7);
    } else {
      values[static_cast<std::size_t>(i)] = static_cast<T>(i * 7 % 251);
    }
  }
  return values;
}

}  // namespace tessera_test
