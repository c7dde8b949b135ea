#pragma once
// Helpers of the HDF5 tests: a fresh directory per test and the values they write.

#include <cstdint>
#include <filesystem>
#include <string>
#include <type_traits>
#include <vector>

#include "tessera/key.hpp"

namespace tessera_test {

/// A directory of its own, removed with its files at the end of the test.
class ScratchDirectory {
 public:
  ScratchDirectory()
      : path_(std::filesystem::temp_directory_path() / tessera::unique_key("tessera-hdf5")) {
    std::filesystem::create_directories(path_);
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

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
