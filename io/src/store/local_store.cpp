// The local file system store: POSIX calls, so that every failure carries errno's reason, and
// write-then-rename, so that no half-written value ever sits under its key.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <tessera/errors.hpp>
#include <tessera/io/store.hpp>

#include "store/byte_range.hpp"
#include "store/spare_bytes.hpp"

namespace tessera::io {

namespace {

// Temporary files carry this in their name; list() skips them.
constexpr std::string_view temporary_marker = ".tessera-tmp.";

[[noreturn]] void fail(std::string_view what, const std::filesystem::path& path, int error) {
  throw IoError("io: cannot " + std::string(what) + " '" + path.string() +
                "': " + std::strerror(error));
}

// Closes a descriptor on every path out of a scope.
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now and returns close()'s errno (0 on success): a write may fail only at close.
  int close() {
    int result = ::close(fd_) == 0 ? 0 : errno;
    fd_ = -1;
    return result;
  }

 private:
  int fd_;
};

void make_directories(const std::filesystem::path& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    throw IoError("io: cannot create directory '" + directory.string() + "': " + error.message());
  }
}

}  // namespace

LocalStore::LocalStore(std::filesystem::path root) : root_(std::move(root)) {}

std::filesystem::path LocalStore::path_of(std::string_view key) const {
  if (key.empty() || key.front() == '/' || key.back() == '/') {
    throw IoError("io: store key '" + std::string(key) + "' in '" + root_.string() +
                  "' is not a relative path of a file");
  }
  std::size_t start = 0;
  while (start <= key.size()) {
    std::size_t end = std::min(key.find('/', start), key.size());
    std::string_view part = key.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") {
      throw IoError("io: store key '" + std::string(key) + "' in '" + root_.string() +
                    "' has an empty, '.' or '..' component");
    }
    start = end + 1;
  }
  return root_ / std::filesystem::path(std::string(key));
}

std::string LocalStore::describe(std::string_view key) const {
  return (root_ / std::filesystem::path(std::string(key))).string();
}

std::optional<Bytes> LocalStore::get(std::string_view key) const {
  auto path = path_of(key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    fail("open", path, errno);
  }
  Descriptor file(fd);
  struct stat info {};
  if (::fstat(fd, &info) != 0) fail("read", path, errno);
  if (S_ISDIR(info.st_mode)) return std::nullopt;
  Bytes bytes = detail::take_bytes(static_cast<std::size_t>(info.st_size));
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("read", path, errno);
    }
    if (n == 0) break;  // the file shrank while we read: return what it holds
    done += static_cast<std::size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

std::optional<Bytes> LocalStore::get_range(std::string_view key, std::int64_t offset,
                                           std::size_t length) const {
  auto path = path_of(key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    fail("open", path, errno);
  }
  Descriptor file(fd);
  struct stat info {};
  if (::fstat(fd, &info) != 0) fail("read", path, errno);
  if (S_ISDIR(info.st_mode)) return std::nullopt;
  const std::size_t start =
      detail::range_start(path.string(), static_cast<std::size_t>(info.st_size), offset, length);
  Bytes bytes = detail::take_bytes(length);
  std::size_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd, bytes.data() + done, length - done, static_cast<off_t>(start + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("read", path, errno);
    }
    if (n == 0) {
      throw IoError("io: '" + path.string() + "' shrank to " + std::to_string(start + done) +
                    " bytes while its bytes " + std::to_string(start) + " to " +
                    std::to_string(start + length) + " were read");
    }
    done += static_cast<std::size_t>(n);
  }
  return bytes;
}

void LocalStore::set(std::string_view key, std::span<const std::byte> value) {
  auto path = path_of(key);
  make_directories(path.parent_path());
  static std::atomic<unsigned> counter{0};
  auto temporary = path;
  temporary += std::string(temporary_marker) + std::to_string(::getpid()) + "." +
               std::to_string(counter.fetch_add(1));
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) fail("write", path, errno);
  Descriptor file(fd);
  auto abandon = [&](int error) {
    file.close();
    ::unlink(temporary.c_str());
    fail("write", path, error);
  };
  std::size_t done = 0;
  while (done < value.size()) {
    ssize_t n = ::write(fd, value.data() + done, value.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      abandon(errno);
    }
    done += static_cast<std::size_t>(n);
  }
  if (int error = file.close(); error != 0) {
    ::unlink(temporary.c_str());
    fail("write", path, error);
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    int error = errno;
    ::unlink(temporary.c_str());
    fail("write", path, error);
  }
}

void LocalStore::erase(std::string_view key) {
  auto path = path_of(key);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR) {
    fail("remove", path, errno);
  }
}

std::vector<std::string> LocalStore::list(std::string_view prefix) const {
  // Walk only the deepest directory that the prefix names in full.
  std::string directory(
      prefix.substr(0, prefix.rfind('/') == std::string_view::npos ? 0 : prefix.rfind('/')));
  auto start = directory.empty() ? root_ : root_ / directory;
  std::vector<std::string> keys;
  std::error_code error;
  std::filesystem::recursive_directory_iterator it(start, error), end;
  if (error) {
    if (error == std::errc::no_such_file_or_directory || error == std::errc::not_a_directory)
      return keys;
    throw IoError("io: cannot list '" + start.string() + "': " + error.message());
  }
  for (; it != end; it.increment(error)) {
    if (error) throw IoError("io: cannot list '" + start.string() + "': " + error.message());
    if (it->is_directory(error)) continue;
    auto key = std::filesystem::relative(it->path(), root_, error).generic_string();
    if (error) throw IoError("io: cannot list '" + start.string() + "': " + error.message());
    if (key.find(temporary_marker) != std::string::npos) continue;
    if (key.compare(0, prefix.size(), prefix) == 0) keys.push_back(std::move(key));
  }
  if (error) throw IoError("io: cannot list '" + start.string() + "': " + error.message());
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace tessera::io

namespace tessera::io {

std::vector<std::string> LocalStore::list_dir(std::string_view prefix) const {
  std::string directory(prefix.substr(0, prefix.empty() ? 0 : prefix.size() - 1));
  const auto start = directory.empty() ? root_ : root_ / directory;
  std::vector<std::string> names;
  std::error_code error;
  std::filesystem::directory_iterator it(start, error), end;
  if (error) {
    if (error == std::errc::no_such_file_or_directory || error == std::errc::not_a_directory)
      return names;
    throw IoError("io: cannot list '" + start.string() + "': " + error.message());
  }
  for (; it != end; it.increment(error)) {
    if (error) throw IoError("io: cannot list '" + start.string() + "': " + error.message());
    auto name = it->path().filename().string();
    if (name.find(temporary_marker) == std::string::npos) names.push_back(std::move(name));
  }
  if (error) throw IoError("io: cannot list '" + start.string() + "': " + error.message());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace tessera::io
