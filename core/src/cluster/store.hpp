#pragma once
// A worker's results, with memory accounting: above a fraction of the memory limit the
// least recently used results that nobody is using spill to disk, and come back on get().

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "mpi/data_key.hpp"
#include "tessera/value.hpp"

namespace tessera::detail {

struct StoreLimits {
  std::size_t memory_limit = 0;   ///< bytes; 0 = no limit (never spills, never pauses)
  double spill_fraction = 0.6;    ///< above this fraction of the limit, results spill to disk
  double pause_fraction = 0.8;    ///< above this, paused() is true (the worker takes no new tasks)
  std::string spill_directory{};  ///< parent of the spill files; empty = temp_directory_path()
};

/// A result the store dropped: spilling failed and it did not fit in memory within the limit.
struct LostResult {
  DataKey key;
  std::string message;  ///< why: names the spill directory and the system error
};

/// The results held by one worker, in memory or spilled to disk. Thread-safe (one mutex,
/// held during spill I/O too).
///
/// Spilling writes one file per result into `<spill_directory>/tessera-spill-<host>-<pid>-<n>`,
/// created by open_spill_directory() or on the first spill, and removed with the Store (or by
/// remove_spill_directories_now() when the process is killed). A result is not spilled while a
/// shared_ptr to it is held outside the Store, nor when its type cannot be serialized (it
/// stays in memory; one event on topic "memory" says so).
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

  /// Creates this store's spill directory now, checks that a file can be written in it, and
  /// removes the stale spill directories of dead processes on this host beside it. Throws
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
  /// Forgets the result and deletes its spill file; no-op if absent.
  void erase(DataKey key);

  std::size_t size() const;           ///< results, in memory, spilled or dropped
  std::size_t memory_bytes() const;   ///< sum of Value::bytes() of results in memory
  std::size_t spilled_bytes() const;  ///< sum of the sizes of the spill files there are now
  std::size_t spill_count() const;    ///< results ever written to disk
  /// memory_bytes() > pause_fraction * limit (false without a limit).
  bool paused() const;
  /// memory_bytes() > spill_fraction * limit (false without a limit).
  bool over_target() const;
  const StoreLimits& limits() const noexcept { return limits_; }

 private:
  struct Entry {
    std::shared_ptr<const Value> value;  // null while spilled or dropped
    std::size_t bytes = 0;               // value->bytes() in memory, the file size on disk
    // Position in recency_, or recency_.end() while spilled or when it cannot be spilled.
    std::list<DataKey>::iterator recency;
    std::string lost;  // why it was dropped; empty if it was not
  };

  void spill_to_target();
  void drop_beyond_pause(const std::string& why);
  void spill(const DataKey& key, Entry& entry);
  void forget_file(const DataKey& key, Entry& entry);
  const std::filesystem::path& directory();
  std::size_t threshold(double fraction) const;

  const StoreLimits limits_;
  mutable std::mutex mutex_;
  std::unordered_map<DataKey, Entry, DataKeyHash> entries_;
  std::list<DataKey> recency_;       // spillable results in memory, most recently used first
  std::filesystem::path directory_;  // empty until the first spill
  int registration_ = -1;            // slot in the list of directories removed on a signal
  std::vector<LostResult> lost_;     // dropped, not yet taken
  std::size_t memory_bytes_ = 0;
  std::size_t spilled_bytes_ = 0;
  std::size_t spill_count_ = 0;
};

/// Removes the spill directories of every Store of this process, and the files in them.
/// Async-signal-safe (plain system calls on paths recorded beforehand): for the handlers of
/// SIGTERM, SIGINT and crashes, where no destructor will run.
void remove_spill_directories_now() noexcept;

/// Removes the `tessera-spill-<host>-<pid>-<n>` directories under `parent` that this host's
/// processes left when they were killed: those naming this host and a pid that is not
/// running. Returns how many it removed; an event on topic "memory" names each.
std::size_t remove_stale_spill_directories(const std::filesystem::path& parent);

}  // namespace tessera::detail
