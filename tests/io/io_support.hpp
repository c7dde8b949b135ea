#pragma once
// Helpers of the io tests: a fresh temporary directory per test, bytes from text, a small tmpfs
// (to fill a disk, or to make a location read-only even to root).

#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <tessera/io/store.hpp>

namespace tessera_io_test {

// A directory under the system's temporary directory, removed with everything in it at the
// end of the scope.
class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("tessera-io-test-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  ~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  /// A path in the directory.
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A tmpfs of `size` ("1m") mounted on a new directory `path` for the scope. Mounting needs root
// (CAP_SYS_ADMIN): mounted() says whether it worked, and the test that needs it warns and stops
// otherwise.
class SmallFileSystem {
 public:
  SmallFileSystem(std::filesystem::path path, const char* size) : path_(std::move(path)) {
    std::filesystem::create_directories(path_);
    std::string options = std::string("size=") + size;
    mounted_ =
        ::geteuid() == 0 && ::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  SmallFileSystem(const SmallFileSystem&) = delete;
  SmallFileSystem& operator=(const SmallFileSystem&) = delete;
  ~SmallFileSystem() {
    if (mounted_) ::umount(path_.c_str());
  }
  bool mounted() const { return mounted_; }
  const std::filesystem::path& path() const { return path_; }
  /// Makes the file system read-only (for root too); false when it cannot.
  bool remount_read_only() {
    return mounted_ &&
           ::mount("tmpfs", path_.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, nullptr) == 0;
  }

 private:
  std::filesystem::path path_;
  bool mounted_ = false;
};

inline tessera::io::Bytes bytes_of(std::string_view text) {
  tessera::io::Bytes bytes(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) bytes[i] = static_cast<std::byte>(text[i]);
  return bytes;
}

inline std::string text_of(const tessera::io::Bytes& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace tessera_io_test
