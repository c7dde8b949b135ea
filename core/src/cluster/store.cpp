#include "cluster/store.hpp"

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <filesystem>
#include <iterator>
#include <system_error>
#include <utility>
#include <vector>

#include "tessera/buffer.hpp"
#include "tessera/errors.hpp"
#include "tessera/events.hpp"

namespace tessera::detail {

namespace {

// A spilled record: [u64 magic][u64 header length][header][u64 buffer count]
// then per buffer [u64 length][bytes]; native byte order (the file never leaves the process).
constexpr std::uint64_t spill_magic = 0x314c4c4950535354;  // "TSSPILL1"

// Records start on block boundaries, so that freeing one gives whole blocks back.
constexpr std::uint64_t block = 4096;

std::uint64_t extent(std::uint64_t length) { return (length + block - 1) / block * block; }

std::size_t record_length(const Frames& frames) {
  return sizeof(std::uint64_t) * (3 + frames.buffers.size()) + frames.total_bytes();
}

std::string describe(const DataKey& key) {
  return "result (run " + std::to_string(key.run) + ", task " + std::to_string(key.task) + ")";
}

[[noreturn]] void throw_io(const std::string& what, const std::string& where, int error) {
  throw IoError("store: " + what + " " + where + ": " + std::generic_category().message(error));
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

// Reads one record front to back with pread, checking every length against what is left of
// it: a truncated or overwritten record is an IoError, never a read past its end.
class RecordReader {
 public:
  RecordReader(int fd, std::uint64_t offset, std::uint64_t size, std::string what)
      : fd_(fd), base_(offset), size_(size), what_(std::move(what)) {}

  Value read_value() {
    if (read_u64() != spill_magic) corrupt("it is not a tessera spill record");
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
      const ssize_t got = ::pread(fd_, next, size, static_cast<off_t>(base_ + offset_));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) corrupt(std::generic_category().message(errno));
      if (got == 0) truncated(size);  // the file ends inside the record
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
    corrupt("it is truncated: " + std::to_string(size_) + " bytes at offset " +
            std::to_string(base_) + ", " + std::to_string(wanted) + " more needed at " +
            std::to_string(offset_));
  }
  [[noreturn]] void corrupt(const std::string& why) const {
    throw IoError("store: cannot read " + what_ + ": " + why);
  }

  int fd_;
  std::uint64_t base_;
  std::uint64_t size_;
  std::string what_;
  std::uint64_t offset_ = 0;
};

}  // namespace

int open_spill_file(const std::string& directory, bool anonymous) {
  if (anonymous) {
    const int fd = ::open(directory.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
      throw_io("cannot create a spill file in spill directory", directory, errno);
    }
  }
  // No O_TMPFILE here: the file has a name from mkostemp to unlink, microseconds, and only a
  // SIGKILL in between leaves it (named after this host and pid, so that it can be told).
  std::string path =
      directory + "/tessera-spill-" + host_name() + "-" + std::to_string(::getpid()) + "-XXXXXX";
  const int fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) throw_io("cannot create a spill file in spill directory", directory, errno);
  if (::unlink(path.c_str()) != 0) {
    const int error = errno;
    ::close(fd);
    throw_io("cannot unlink the new spill file", path, error);
  }
  return fd;
}

Store::Store(StoreLimits limits) : limits_(std::move(limits)) {}

Store::~Store() {
  if (fd_ >= 0) ::close(fd_);
}

void Store::open_spill_directory() {
  std::lock_guard lock(mutex_);
  // A record is written and read back, so that a full disk or a read-only mount shows now.
  const std::string text = "tessera spill file probe";
  const Frames frames = Value(text).serialize();
  const std::size_t length = record_length(frames);
  const std::uint64_t offset = write_record(frames, length);
  std::string back;
  try {
    back = read_record(offset, length, "a probe record").get<std::string>();
  } catch (...) {
    release(offset, extent(length));
    throw;
  }
  release(offset, extent(length));
  if (back != text) throw IoError("store: " + file_name_ + " reads back other bytes than written");
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
  // Without a memory limit nothing spills: no recency to keep (a list node per result).
  const bool spills = limits_.memory_limit != 0;
  auto found = entries_.find(key);
  if (found == entries_.end()) {
    if (spills) recency_.push_front(key);
    try {
      entries_.emplace(
          key, Entry{std::move(value), bytes, spills ? recency_.begin() : recency_.end(), {}});
    } catch (...) {
      if (spills) recency_.pop_front();
      throw;
    }
  } else {
    Entry& entry = found->second;
    if (entry.value) {
      memory_bytes_ -= entry.bytes;
    } else {
      forget_record(entry);
    }
    if (spills && entry.recency == recency_.end()) {
      entry.recency = recency_.insert(recency_.begin(), key);
    } else if (spills) {
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
  auto value = std::make_shared<const Value>(read_record(entry.offset, entry.bytes, describe(key)));
  recency_.push_front(key);
  forget_record(entry);
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
    forget_record(entry);
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

// Walks the results in memory from the least recently used, passing over those in use
// outside the store, and hands each to `evict`, which takes it out of memory (and out of
// recency_, so `next` stays valid), until memory is at or below `keep`.
template <class Evict>
void Store::evict_until(std::size_t keep, Evict&& evict) {
  auto next = recency_.end();
  while (memory_bytes_ > keep && next != recency_.begin()) {
    const auto candidate = std::prev(next);
    const DataKey key = *candidate;
    Entry& entry = entries_.find(key)->second;
    if (entry.value.use_count() > 1) {
      next = candidate;
      continue;
    }
    evict(key, entry);
  }
}

void Store::spill_to_target() {
  if (limits_.memory_limit == 0) return;
  try {
    evict_until(threshold(limits_.spill_fraction),
                [&](const DataKey& key, Entry& entry) { spill(key, entry); });
  } catch (const IoError& error) {
    drop_beyond_pause(error.what());
  }
}

// A spill failed: the results that do not fit under the pause threshold go (least recently
// used first), so that the worker neither exceeds its limit nor stays paused with nothing
// that could ever free memory.
void Store::drop_beyond_pause(const std::string& why) {
  evict_until(threshold(limits_.pause_fraction), [&](const DataKey& key, Entry& entry) {
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
  });
}

void Store::spill(const DataKey& key, Entry& entry) {
  std::size_t length = 0;
  std::uint64_t offset = 0;
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
    length = record_length(frames);
    offset = write_record(frames, length);
  }
  recency_.erase(std::exchange(entry.recency, recency_.end()));
  memory_bytes_ -= entry.bytes;
  spilled_bytes_ += length;
  entry.bytes = length;
  entry.offset = offset;
  entry.value.reset();
  ++spill_count_;
}

void Store::forget_record(Entry& entry) {
  release(entry.offset, extent(entry.bytes));
  spilled_bytes_ -= entry.bytes;
  entry.bytes = 0;
}

std::optional<std::pair<std::uint64_t, std::uint64_t>> Store::spill_record(DataKey key) const {
  std::lock_guard lock(mutex_);
  const auto found = entries_.find(key);
  if (found == entries_.end() || found->second.value || !found->second.lost.empty()) {
    return std::nullopt;
  }
  return std::pair<std::uint64_t, std::uint64_t>(found->second.offset, found->second.bytes);
}

int Store::file() {
  if (fd_ >= 0) return fd_;
  std::string directory = limits_.spill_directory;
  if (directory.empty()) {
    std::error_code error;
    directory = std::filesystem::temp_directory_path(error).string();
    if (error) throw IoError("store: no temporary directory for spill files: " + error.message());
  }
  fd_ = open_spill_file(directory);
  file_name_ = "the spill file of process " + std::to_string(::getpid()) + " in " + directory;
  return fd_;
}

// Writes the record into the first free extent that holds it, or at the end of the file.
// On failure the extent is free again (and its blocks given back) before the IoError leaves.
std::uint64_t Store::write_record(const Frames& frames, std::size_t length) {
  const int fd = file();
  const std::uint64_t size = extent(length);
  std::uint64_t offset = file_end_;
  const auto fit = std::find_if(free_.begin(), free_.end(),
                                [size](const auto& free) { return free.second >= size; });
  if (fit == free_.end()) {
    file_end_ += size;
  } else {
    offset = fit->first;
    if (fit->second > size) free_.emplace(offset + size, fit->second - size);
    free_.erase(fit);
  }
  std::uint64_t at = offset;
  const auto put = [&](const void* data, std::size_t bytes) {
    const auto* next = static_cast<const std::byte*>(data);
    while (bytes > 0) {
      const ssize_t written = ::pwrite(fd, next, bytes, static_cast<off_t>(at));
      if (written < 0 && errno == EINTR) continue;
      if (written <= 0) throw_io("cannot write", file_name_, written < 0 ? errno : ENOSPC);
      next += written;
      bytes -= static_cast<std::size_t>(written);
      at += static_cast<std::uint64_t>(written);
    }
  };
  const auto put_u64 = [&](std::uint64_t value) { put(&value, sizeof value); };
  try {
    put_u64(spill_magic);
    put_u64(frames.header.size());
    put(frames.header.data(), frames.header.size());
    put_u64(frames.buffers.size());
    for (const Buffer& buffer : frames.buffers) {
      put_u64(buffer.size());
      put(buffer.data(), buffer.size());
    }
  } catch (...) {
    release(offset, size);
    throw;
  }
  return offset;
}

Value Store::read_record(std::uint64_t offset, std::size_t length, const std::string& what) const {
  return RecordReader(fd_, offset, length, what + " from " + file_name_).read_value();
}

// Frees an extent, merged with free neighbours. At the end of the file, the file shrinks;
// elsewhere its blocks are punched out (where the file system cannot, EOPNOTSUPP, they stay
// allocated and are reused all the same).
void Store::release(std::uint64_t offset, std::uint64_t length) {
  const std::uint64_t freed = offset;
  const std::uint64_t freed_length = length;
  auto next = free_.lower_bound(offset);
  if (next != free_.begin()) {
    const auto previous = std::prev(next);
    if (previous->first + previous->second == offset) {
      offset = previous->first;
      length += previous->second;
      free_.erase(previous);
    }
  }
  if (next != free_.end() && offset + length == next->first) {
    length += next->second;
    free_.erase(next);
  }
  if (offset + length == file_end_ && ::ftruncate(fd_, static_cast<off_t>(offset)) == 0) {
    file_end_ = offset;
    return;
  }
  [[maybe_unused]] const int punched =
      ::fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(freed),
                  static_cast<off_t>(freed_length));
  free_.emplace(offset, length);
}

}  // namespace tessera::detail
