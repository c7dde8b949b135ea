#pragma once
// The newest task records of a client, bounded in number. Kept in a ring of fixed slots, with
// workers' names interned and each batch's keys packed into one string, so that recording a
// task costs a copy of its key and no allocation of its own: every local run and rank 0's
// scheduler record every task.

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tessera/events.hpp"

namespace tessera::detail {

class TaskStream {
 public:
  /// A task to record: its key (read during add() only), its worker (an id of worker_id())
  /// and when it ran.
  struct Entry {
    std::string_view key;
    std::uint32_t worker = 0;
    double start = 0.0;
    double stop = 0.0;
  };

  /// Listed among the process's task streams (for_each_task_stream) while it lives.
  explicit TaskStream(std::size_t limit);
  ~TaskStream();
  TaskStream(const TaskStream&) = delete;
  TaskStream& operator=(const TaskStream&) = delete;
  /// Unique in the process, never reused.
  std::uint64_t id() const noexcept { return id_; }
  std::size_t limit() const noexcept { return limit_; }
  /// The id of a worker's name ("thread 1", "worker rank 2 thread 0") for Entry::worker.
  std::uint32_t worker_id(std::string_view name);
  /// Records these tasks, oldest first.
  void add(std::span<const Entry> entries);
  std::vector<TaskRecord> records() const;
  /// Records added after the first `seen` ever added (at most the newest `most` of them), in
  /// the order added; sets `seen` to the number ever added.
  std::vector<TaskRecord> records_after(std::uint64_t& seen, std::size_t most) const;
  void clear();

 private:
  struct Slot {
    std::size_t key_offset = 0;  // in its batch's keys
    std::uint32_t key_size = 0;
    std::uint32_t worker = 0;
    double start = 0.0;
    double stop = 0.0;
  };
  // The keys of one add(), end to end: records first .. first + count - 1 of the stream.
  struct Batch {
    std::uint64_t first = 0;
    std::string keys;
  };
  // The newest `count` records, oldest first, as TaskRecords. Holds mutex_.
  std::vector<TaskRecord> newest(std::size_t count) const;
  // Drops the batches whose records are all overwritten or cleared. Holds mutex_.
  void drop_old_batches();

  std::size_t limit_;
  std::uint64_t id_;
  mutable std::mutex mutex_;
  std::vector<Slot> ring_;     // record i in slot i % limit_, while i is among the newest
  std::deque<Batch> batches_;  // oldest first; the first may hold keys of overwritten records
  std::uint64_t added_ = 0;    // records ever added
  std::uint64_t cleared_ = 0;  // records ever added before the last clear()
  std::vector<std::string> workers_;
  std::unordered_map<std::string, std::uint32_t> worker_ids_;
};

/// Calls `visit` with every task stream of the process (the clients', rank 0's scheduler's),
/// holding them alive meanwhile.
void for_each_task_stream(const std::function<void(const TaskStream&)>& visit);

}  // namespace tessera::detail
