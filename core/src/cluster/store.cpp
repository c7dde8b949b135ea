#include "cluster/store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <iterator>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "tessera/buffer.hpp"
#include "tessera/errors.hpp"
#include "tessera/events.hpp"

namespace tessera::detail {
namespace fs = std::filesystem;

namespace {

// Spill file: [u64 magic][u64 header length][header][u64 buffer count]
// then per buffer [u64 length][bytes]; native byte order (the file never leaves the process).
constexpr std::uint64_t spill_magic = 0x314c4c4950535354;  // "TSSPILL1"

std::string describe(const DataKey& key) {
  return "result (run " + std::to_string(key.run) + ", task " + std::to_string(key.task) + ")";
}

std::string file_name(const DataKey& key) {
  return std::to_string(key.run) + "-" + std::to_string(key.task);
}

[[noreturn]] void throw_io(const std::string& what, const fs::path& path, int error) {
  throw IoError("store: " + what + " " + path.string() + ": " +
                std::generic_category().message(error));
}

std::string bytes_text(std::size_t bytes) {
  return std::to_string(bytes) + " bytes (" + std::to_string(bytes >> 20) + " MiB)";
}

const std::string& host_name() {
  static const std::string name = [] {
    std::array<char, 256> text{};
    if (::gethostname(text.data(), text.size() - 1) != 0) return std::string("localhost");
    std::string host(text.data());
    for (char& c : host) {
      if (c == '/') c = '_';
    }
    return host;
  }();
  return name;
}

std::string directory_prefix() { return "tessera-spill-" + host_name() + "-"; }

// The spill directories of this process, recorded where a signal handler can read them
// without allocating or locking: a slot is filled before `ready` is set, and cleared after.
struct Registered {
  std::atomic<bool> used{false};
  std::atomic<bool> ready{false};
  char path[4096] = {};
};
std::array<Registered, 64> registered;

int register_directory(const fs::path& path) {
  const std::string text = path.string();
  for (std::size_t slot = 0; slot < registered.size() && text.size() < sizeof(Registered::path);
       ++slot) {
    bool expected = false;
    if (!registered[slot].used.compare_exchange_strong(expected, true)) continue;
    std::memcpy(registered[slot].path, text.c_str(), text.size() + 1);
    registered[slot].ready.store(true, std::memory_order_release);
    return static_cast<int>(slot);
  }
  return -1;  // not removed on a signal; still removed by the destructor
}

void unregister_directory(int slot) {
  if (slot < 0) return;
  registered[static_cast<std::size_t>(slot)].ready.store(false, std::memory_order_release);
  registered[static_cast<std::size_t>(slot)].used.store(false, std::memory_order_release);
}

// Removes a directory of plain files with system calls only (getdents64, unlinkat, rmdir).
void remove_flat_directory(const char* path) noexcept {
  for (int pass = 0; pass < 3 && ::rmdir(path) != 0 && errno == ENOTEMPTY; ++pass) {
    const int fd = ::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    alignas(dirent64) char entries[8192];
    for (;;) {
      const ssize_t got = ::getdents64(fd, entries, sizeof entries);
      if (got <= 0) break;
      for (ssize_t offset = 0; offset < got;) {
        const auto* entry = reinterpret_cast<const dirent64*>(entries + offset);
        offset += entry->d_reclen;
        const char* name = entry->d_name;
        if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
        ::unlinkat(fd, name, 0);
      }
    }
    ::close(fd);
  }
}

void write_all(int fd, const void* data, std::size_t size, const fs::path& path) {
  const auto* next = static_cast<const std::byte*>(data);
  while (size > 0) {
    const ssize_t written = ::write(fd, next, size);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) throw_io("cannot write spill file", path, errno);
    if (written == 0) throw_io("cannot write spill file", path, ENOSPC);
    next += written;
    size -= static_cast<std::size_t>(written);
  }
}

void write_u64(int fd, std::uint64_t value, const fs::path& path) {
  write_all(fd, &value, sizeof value, path);
}

// Returns the size of the file. On failure removes what was written and throws.
std::size_t write_spill_file(const fs::path& path, const Frames& frames) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw_io("cannot create spill file", path, errno);
  try {
    write_u64(fd, spill_magic, path);
    write_u64(fd, frames.header.size(), path);
    write_all(fd, frames.header.data(), frames.header.size(), path);
    write_u64(fd, frames.buffers.size(), path);
    for (const Buffer& buffer : frames.buffers) {
      write_u64(fd, buffer.size(), path);
      write_all(fd, buffer.data(), buffer.size(), path);
    }
    // close() can be the first to report a failed write (NFS, quotas).
    const int closed = ::close(std::exchange(fd, -1));
    if (closed != 0) throw_io("cannot write spill file", path, errno);
  } catch (...) {
    if (fd >= 0) ::close(fd);
    std::error_code ignored;
    fs::remove(path, ignored);
    throw;
  }
  return sizeof(std::uint64_t) * (3 + frames.buffers.size()) + frames.total_bytes();
}

// Reads a spill file front to back, checking every length against what is left of it.
class SpillReader {
 public:
  explicit SpillReader(fs::path path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw_io("cannot open spill file", path_, errno);
    struct stat status {};
    if (::fstat(fd_, &status) != 0) {
      const int error = errno;
      ::close(fd_);
      throw_io("cannot open spill file", path_, error);
    }
    size_ = static_cast<std::uint64_t>(status.st_size);
  }
  SpillReader(const SpillReader&) = delete;
  SpillReader& operator=(const SpillReader&) = delete;
  ~SpillReader() { ::close(fd_); }

  Value read_value() {
    if (read_u64() != spill_magic) corrupt("it is not a tessera spill file");
    Frames frames;
    frames.header.resize(read_length());
    read(frames.header.data(), frames.header.size());
    const std::uint64_t count = read_u64();
    if (count > (size_ - offset_) / sizeof(std::uint64_t)) {
      corrupt("it is truncated: " + std::to_string(count) + " buffers do not fit in its last " +
              std::to_string(size_ - offset_) + " bytes");
    }
    frames.buffers.reserve(count);
    for (std::uint64_t i = 0; i < count; ++i) {
      Buffer buffer = Buffer::allocate(read_length());
      read(buffer.data(), buffer.size());
      frames.buffers.push_back(std::move(buffer));
    }
    if (offset_ != size_) {
      corrupt("it has " + std::to_string(size_ - offset_) + " bytes after its last buffer");
    }
    try {
      return Value::decode(frames);
    } catch (const SerializationError& error) {
      corrupt(error.what());
    }
  }

 private:
  void read(void* data, std::size_t size) {
    if (size > size_ - offset_) truncated(size);
    auto* next = static_cast<std::byte*>(data);
    while (size > 0) {
      const ssize_t got = ::read(fd_, next, size);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) throw_io("cannot read spill file", path_, errno);
      if (got == 0) truncated(size);  // shrank since fstat
      next += got;
      size -= static_cast<std::size_t>(got);
      offset_ += static_cast<std::uint64_t>(got);
    }
  }
  std::uint64_t read_u64() {
    std::uint64_t value = 0;
    read(&value, sizeof value);
    return value;
  }
  std::size_t read_length() {
    const std::uint64_t length = read_u64();
    if (length > size_ - offset_) truncated(length);
    return static_cast<std::size_t>(length);
  }
  [[noreturn]] void truncated(std::uint64_t wanted) const {
    corrupt("it is truncated: " + std::to_string(size_) + " bytes, " + std::to_string(wanted) +
            " more needed at offset " + std::to_string(offset_));
  }
  [[noreturn]] void corrupt(const std::string& why) const {
    throw IoError("store: cannot read spill file " + path_.string() + ": " + why);
  }

  fs::path path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::uint64_t offset_ = 0;
};

}  // namespace

void remove_spill_directories_now() noexcept {
  for (auto& slot : registered) {
    if (slot.ready.load(std::memory_order_acquire)) remove_flat_directory(slot.path);
  }
}

std::size_t remove_stale_spill_directories(const fs::path& parent) {
  const std::string prefix = directory_prefix();
  const auto digits = [](std::string_view text) {
    return !text.empty() && text.size() < 10 &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  std::vector<std::pair<fs::path, pid_t>> stale;
  std::error_code error;
  for (fs::directory_iterator it(parent, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const std::string_view rest = std::string_view(name).substr(prefix.size());
    const auto dash = rest.find('-');
    if (dash == std::string_view::npos || !digits(rest.substr(0, dash)) ||
        !digits(rest.substr(dash + 1))) {
      continue;  // another host whose name starts with this one's, or not ours
    }
    const auto pid = static_cast<pid_t>(std::stol(std::string(rest.substr(0, dash))));
    if (pid <= 0 || pid == ::getpid()) continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // running (or not ours to ask)
    stale.emplace_back(it->path(), pid);
  }
  std::size_t removed = 0;
  for (const auto& [path, pid] : stale) {
    std::error_code ignored;
    fs::remove_all(path, ignored);
    if (ignored) continue;
    ++removed;
    log_event("memory", "store: removed the spill directory " + path.string() +
                            " left by process " + std::to_string(pid) +
                            " of this host, which no longer runs");
  }
  return removed;
}

Store::Store(StoreLimits limits) : limits_(std::move(limits)) {}

Store::~Store() {
  if (directory_.empty()) return;
  std::error_code error;
  fs::remove_all(directory_, error);
  unregister_directory(registration_);
  if (error) {
    try {
      log_event("memory", "store: cannot remove spill directory " + directory_.string() + ": " +
                              error.message());
    } catch (...) {  // nothing more to do in a destructor
    }
  }
}

void Store::open_spill_directory() {
  std::lock_guard lock(mutex_);
  const fs::path& own = directory();
  remove_stale_spill_directories(own.parent_path());
  // A file is written and removed, so that a full disk or a read-only mount shows now.
  const fs::path probe = own / "probe";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw_io("cannot create a file in spill directory", own, errno);
  const char text[] = "tessera spill directory probe\n";
  const ssize_t written = ::write(fd, text, sizeof text);
  const int write_error = written < 0 ? errno : ENOSPC;
  const int closed = ::close(fd);
  const int close_error = errno;
  ::unlink(probe.c_str());
  if (written != static_cast<ssize_t>(sizeof text)) {
    throw_io("cannot write a file in spill directory", own, write_error);
  }
  if (closed != 0) throw_io("cannot write a file in spill directory", own, close_error);
}

void Store::trim() {
  std::lock_guard lock(mutex_);
  spill_to_target();
}

std::vector<LostResult> Store::take_lost() {
  std::lock_guard lock(mutex_);
  return std::exchange(lost_, {});
}

void Store::put(DataKey key, std::shared_ptr<const Value> value) {
  if (!value) throw Error("store: put of a null value for " + describe(key));
  const std::size_t bytes = value->bytes();
  std::lock_guard lock(mutex_);
  auto found = entries_.find(key);
  if (found == entries_.end()) {
    recency_.push_front(key);
    try {
      entries_.emplace(key, Entry{std::move(value), bytes, recency_.begin(), {}});
    } catch (...) {
      recency_.pop_front();
      throw;
    }
  } else {
    Entry& entry = found->second;
    if (entry.value) {
      memory_bytes_ -= entry.bytes;
    } else {
      forget_file(key, entry);
    }
    if (entry.recency == recency_.end()) {
      entry.recency = recency_.insert(recency_.begin(), key);
    } else {
      recency_.splice(recency_.begin(), recency_, entry.recency);
    }
    entry.value = std::move(value);
    entry.bytes = bytes;
    entry.lost.clear();
  }
  memory_bytes_ += bytes;
  spill_to_target();
}

std::shared_ptr<const Value> Store::get(DataKey key) {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(key);
  if (found == entries_.end()) return nullptr;
  Entry& entry = found->second;
  if (!entry.lost.empty()) throw IoError(entry.lost);
  if (entry.value) {
    if (entry.recency != recency_.end()) {
      recency_.splice(recency_.begin(), recency_, entry.recency);
    }
    return entry.value;
  }
  const fs::path path = directory_ / file_name(key);
  auto value = std::make_shared<const Value>(SpillReader(path).read_value());
  recency_.push_front(key);
  std::error_code ignored;  // a file left behind goes with the directory
  fs::remove(path, ignored);
  spilled_bytes_ -= entry.bytes;
  entry.value = value;
  entry.bytes = value->bytes();
  entry.recency = recency_.begin();
  memory_bytes_ += entry.bytes;
  spill_to_target();  // `value` is held here, so it is not spilled again
  return value;
}

bool Store::contains(DataKey key) const {
  std::lock_guard lock(mutex_);
  return entries_.contains(key);
}

void Store::erase(DataKey key) {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(key);
  if (found == entries_.end()) return;
  Entry& entry = found->second;
  if (entry.value) {
    memory_bytes_ -= entry.bytes;
  } else if (entry.lost.empty()) {
    forget_file(key, entry);
  }
  if (entry.recency != recency_.end()) recency_.erase(entry.recency);
  entries_.erase(found);
}

std::size_t Store::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::size_t Store::memory_bytes() const {
  std::lock_guard lock(mutex_);
  return memory_bytes_;
}

std::size_t Store::spilled_bytes() const {
  std::lock_guard lock(mutex_);
  return spilled_bytes_;
}

std::size_t Store::spill_count() const {
  std::lock_guard lock(mutex_);
  return spill_count_;
}

std::size_t Store::threshold(double fraction) const {
  return static_cast<std::size_t>(fraction * static_cast<double>(limits_.memory_limit));
}

bool Store::paused() const {
  std::lock_guard lock(mutex_);
  return limits_.memory_limit != 0 && memory_bytes_ > threshold(limits_.pause_fraction);
}

bool Store::over_target() const {
  std::lock_guard lock(mutex_);
  return limits_.memory_limit != 0 && memory_bytes_ > threshold(limits_.spill_fraction);
}

void Store::spill_to_target() {
  if (limits_.memory_limit == 0) return;
  const auto target = threshold(limits_.spill_fraction);
  // Walks from the least recently used end; spill() unlinks the candidate, so `next` stays.
  auto next = recency_.end();
  while (memory_bytes_ > target && next != recency_.begin()) {
    const auto candidate = std::prev(next);
    const DataKey key = *candidate;
    Entry& entry = entries_.find(key)->second;
    if (entry.value.use_count() > 1) {
      next = candidate;
      continue;
    }
    try {
      spill(key, entry);
    } catch (const IoError& error) {
      drop_beyond_pause(error.what());
      return;
    }
  }
}

// A spill failed: the results that do not fit under the pause threshold go (least recently
// used first), so that the worker neither exceeds its limit nor stays paused with nothing
// that could ever free memory.
void Store::drop_beyond_pause(const std::string& why) {
  const auto keep = threshold(limits_.pause_fraction);
  auto next = recency_.end();
  while (memory_bytes_ > keep && next != recency_.begin()) {
    const auto candidate = std::prev(next);
    const DataKey key = *candidate;
    Entry& entry = entries_.find(key)->second;
    if (entry.value.use_count() > 1) {
      next = candidate;
      continue;
    }
    recency_.erase(std::exchange(entry.recency, recency_.end()));
    memory_bytes_ -= entry.bytes;
    entry.lost = "store: " + describe(key) + " of " + bytes_text(entry.bytes) +
                 " was dropped: it could not be spilled to disk (" + why +
                 ") and does not fit in the worker's memory limit of " +
                 bytes_text(limits_.memory_limit) +
                 " (free space in spill_directory, TESSERA_SPILL_DIRECTORY, or raise "
                 "worker_memory_limit)";
    entry.bytes = 0;
    entry.value.reset();
    lost_.push_back(LostResult{key, entry.lost});
  }
}
void Store::spill(const DataKey& key, Entry& entry) {
  std::size_t written = 0;
  {
    Frames frames;  // borrows from entry.value: released before it
    try {
      frames = entry.value->serialize();
    } catch (const SerializationError& error) {
      log_event("memory", "store: " + describe(key) + " of type " + entry.value->type_name() +
                              " stays in memory: it cannot be spilled to disk (" + error.what() +
                              ")");
      recency_.erase(std::exchange(entry.recency, recency_.end()));
      return;
    }
    written = write_spill_file(directory() / file_name(key), frames);
  }
  recency_.erase(std::exchange(entry.recency, recency_.end()));
  memory_bytes_ -= entry.bytes;
  spilled_bytes_ += written;
  entry.bytes = written;
  entry.value.reset();
  ++spill_count_;
}

void Store::forget_file(const DataKey& key, Entry& entry) {
  std::error_code ignored;  // a file left behind goes with the directory
  fs::remove(directory_ / file_name(key), ignored);
  spilled_bytes_ -= entry.bytes;
  entry.bytes = 0;
}

const fs::path& Store::directory() {
  if (!directory_.empty()) return directory_;
  std::error_code error;
  const fs::path parent = limits_.spill_directory.empty() ? fs::temp_directory_path(error)
                                                          : fs::path(limits_.spill_directory);
  if (error) throw IoError("store: no temporary directory for spill files: " + error.message());
  fs::create_directories(parent, error);
  if (error) throw_io("cannot create spill directory", parent, error.value());
  // Unique among the Stores of this process; a name left by an earlier process with the same
  // pid is skipped. The host is in the name so that a directory shared by several nodes
  // tells whose files are whose (remove_stale_spill_directories).
  static std::atomic<std::uint64_t> counter{0};
  for (;;) {
    fs::path candidate = parent / (directory_prefix() + std::to_string(::getpid()) + "-" +
                                   std::to_string(counter.fetch_add(1)));
    if (fs::create_directory(candidate, error)) {
      directory_ = std::move(candidate);
      registration_ = register_directory(directory_);
      return directory_;
    }
    if (error) throw_io("cannot create spill directory", candidate, error.value());
  }
}

}  // namespace tessera::detail
