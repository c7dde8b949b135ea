#pragma once
// A worker's results, with memory accounting: above a fraction of the memory limit the
// least recently used results that nobody is using spill to disk, and come back on get().

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mpi/data_key.hpp"
#include "tessera/value.hpp"

namespace tessera::detail {

struct StoreLimits {
  std::size_t memory_limit = 0;   ///< bytes; 0 = no limit (never spills, never pauses)
  double spill_fraction = 0.6;    ///< above this fraction of the limit, results spill to disk
  double pause_fraction = 0.8;    ///< above this, paused() is true (the worker takes no new tasks)
  std::string spill_directory{};  ///< where the spill file lives; empty = temp_directory_path()
  /// Bytes of copies of other workers' results kept for later tasks (the scheduler asks for no
  /// more); within a quarter of memory_limit when there is one.
  std::size_t replica_memory = 0;
};

/// A result the store dropped: spilling failed and it did not fit in memory within the limit.
struct LostResult {
  DataKey key;
  std::string message;  ///< why: names the spill directory and the system error
};

/// The results held by one worker, in memory or spilled to disk. Thread-safe (one mutex,
/// held during spill I/O too).
///
/// Spilled results go into one file per Store, opened by open_spill_directory() or on the
/// first spill, that has no name on disk (see open_spill_file()): the kernel frees it when the
/// process ends, however it ends (SIGKILL and the OOM killer included), so a killed worker
/// leaves nothing behind. The space of a result read back or erased is reused, and its disk
/// blocks are given back. A result is not spilled while a shared_ptr to it is held outside the
/// Store, nor when its type cannot be serialized (it stays in memory; one event on topic
/// "memory" says so).
///
/// When a spill fails (disk full, directory gone), nothing throws: the store keeps what fits
/// under pause_fraction of the limit and drops the least recently used results beyond it;
/// get() of a dropped result throws IoError, and take_lost() hands them to the worker, which
/// fails their tasks.
class Store {
 public:
  explicit Store(StoreLimits limits);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// Opens this store's spill file in the spill directory now, and writes and reads back a
  /// small record, so that a missing, read-only or full directory shows at start. Throws
  /// IoError naming the directory and the system error.
  void open_spill_directory();

  /// Adds (or replaces) a result, then spills least recently used results until memory is at
  /// or below spill_fraction * limit (see the class comment for failed spills).
  void put(DataKey key, std::shared_ptr<const Value> value);

  /// The result, read back from disk if it was spilled (which may spill others); null if
  /// absent. Marks it most recently used. Throws IoError if it was dropped or cannot be read.
  std::shared_ptr<const Value> get(DataKey key);

  /// Spills down to the target again: results that were in use when they were put may be
  /// free now.
  void trim();

  /// The results dropped since the last call (each once).
  std::vector<LostResult> take_lost();

  bool contains(DataKey key) const;
  /// Forgets the result and frees its space in the spill file; no-op if absent.
  void erase(DataKey key);

  std::size_t size() const;           ///< results, in memory, spilled or dropped
  std::size_t memory_bytes() const;   ///< sum of Value::bytes() of results in memory
  std::size_t spilled_bytes() const;  ///< sum of the sizes of the spilled records there are now
  std::size_t spill_count() const;    ///< results ever written to disk
  /// memory_bytes() > pause_fraction * limit (false without a limit).
  bool paused() const;
  /// memory_bytes() > spill_fraction * limit (false without a limit).
  bool over_target() const;
  const StoreLimits& limits() const noexcept { return limits_; }

  /// For tests: the spill file's descriptor (-1 before the first spill), and where a spilled
  /// result's record lies in it (offset, length; nullopt unless spilled).
  int spill_file() const noexcept { return fd_; }
  std::optional<std::pair<std::uint64_t, std::uint64_t>> spill_record(DataKey key) const;

 private:
  struct Entry {
    std::shared_ptr<const Value> value;  // null while spilled or dropped
    std::size_t bytes = 0;               // value->bytes() in memory, the record size on disk
    // Position in recency_, or recency_.end() while spilled or when it cannot be spilled.
    std::list<DataKey>::iterator recency;
    std::string lost;          // why it was dropped; empty if it was not
    std::uint64_t offset = 0;  // of the record in the spill file, while spilled
  };

  template <class Evict>
  void evict_until(std::size_t keep, Evict&& evict);
  void spill_to_target();
  void drop_beyond_pause(const std::string& why);
  void spill(const DataKey& key, Entry& entry);
  void forget_record(Entry& entry);
  int file();
  std::uint64_t write_record(const Frames& frames, std::size_t length);
  Value read_record(std::uint64_t offset, std::size_t length, const std::string& what) const;
  void release(std::uint64_t offset, std::uint64_t length);
  std::size_t threshold(double fraction) const;

  const StoreLimits limits_;
  mutable std::mutex mutex_;
  std::unordered_map<DataKey, Entry, DataKeyHash> entries_;
  std::list<DataKey> recency_;  // spillable results in memory, most recently used first
  std::string file_name_;       // what messages call the spill file
  int fd_ = -1;                 // the spill file, -1 until the first spill
  std::uint64_t file_end_ = 0;  // end of the last extent in use or free
  std::map<std::uint64_t, std::uint64_t> free_;  // free extents: offset -> length, coalesced
  std::vector<LostResult> lost_;                 // dropped, not yet taken
  std::size_t memory_bytes_ = 0;
  std::size_t spilled_bytes_ = 0;
  std::size_t spill_count_ = 0;
};

/// Opens a new read-write file in `directory` that has no name: with O_TMPFILE, or where the
/// file system does not support it (some NFS and Lustre mounts), as a uniquely named file that
/// is unlinked at once. Either way it is gone from disk when the descriptor is closed or the
/// process dies. `anonymous` = false takes the second way (for tests). Throws IoError naming
/// the directory and the system error.
int open_spill_file(const std::string& directory, bool anonymous = true);

}  // namespace tessera::detail
