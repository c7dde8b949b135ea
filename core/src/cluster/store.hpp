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

#include "mpi/data_key.hpp"
#include "tessera/value.hpp"

namespace tessera::detail {

struct StoreLimits {
  std::size_t memory_limit = 0;   ///< bytes; 0 = no limit (never spills, never pauses)
  double spill_fraction = 0.6;    ///< above this fraction of the limit, results spill to disk
  double pause_fraction = 0.8;    ///< above this, paused() is true (the worker takes no new tasks)
  std::string spill_directory{};  ///< parent of the spill files; empty = temp_directory_path()
};

/// The results held by one worker, in memory or spilled to disk. Thread-safe (one mutex,
/// held during spill I/O too).
///
/// Spilling writes one file per result into `<spill_directory>/tessera-spill-<pid>-<n>`,
/// created on the first spill and removed with the Store. A result is not spilled while a
/// shared_ptr to it is held outside the Store, nor when its type cannot be serialized (it
/// stays in memory; one event on topic "memory" says so). I/O errors throw tessera::Error
/// naming the file and the system error; the result concerned stays in memory.
class Store {
 public:
  explicit Store(StoreLimits limits);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// Adds (or replaces) a result, then spills least recently used results until memory is at
  /// or below spill_fraction * limit. If a spill fails the Error propagates, but `value` (and
  /// the result that failed to spill) are kept.
  void put(DataKey key, std::shared_ptr<const Value> value);

  /// The result, read back from disk if it was spilled (which may spill others); null if
  /// absent. Marks it most recently used.
  std::shared_ptr<const Value> get(DataKey key);

  /// Spills down to the target again: results that were in use when they were put may be
  /// free now.
  void trim();

  bool contains(DataKey key) const;
  /// Forgets the result and deletes its spill file; no-op if absent.
  void erase(DataKey key);

  std::size_t size() const;           ///< results, in memory or spilled
  std::size_t memory_bytes() const;   ///< sum of Value::bytes() of results in memory
  std::size_t spilled_bytes() const;  ///< sum of the sizes of the spill files there are now
  std::size_t spill_count() const;    ///< results ever written to disk
  /// memory_bytes() > pause_fraction * limit (false without a limit).
  bool paused() const;
  const StoreLimits& limits() const noexcept { return limits_; }

 private:
  struct Entry {
    std::shared_ptr<const Value> value;  // null while spilled
    std::size_t bytes = 0;               // value->bytes() in memory, the file size on disk
    // Position in recency_, or recency_.end() while spilled or when it cannot be spilled.
    std::list<DataKey>::iterator recency;
  };

  void spill_to_target();
  void spill(const DataKey& key, Entry& entry);
  void forget_file(const DataKey& key, Entry& entry);
  const std::filesystem::path& directory();

  const StoreLimits limits_;
  mutable std::mutex mutex_;
  std::unordered_map<DataKey, Entry, DataKeyHash> entries_;
  std::list<DataKey> recency_;       // spillable results in memory, most recently used first
  std::filesystem::path directory_;  // empty until the first spill
  std::size_t memory_bytes_ = 0;
  std::size_t spilled_bytes_ = 0;
  std::size_t spill_count_ = 0;
};

}  // namespace tessera::detail
