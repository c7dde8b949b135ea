#pragma once
// The newest task records of a client, bounded in number.

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "tessera/events.hpp"

namespace tessera::detail {

class TaskStream {
 public:
  /// Listed among the process's task streams (for_each_task_stream) while it lives.
  explicit TaskStream(std::size_t limit);
  ~TaskStream();
  TaskStream(const TaskStream&) = delete;
  TaskStream& operator=(const TaskStream&) = delete;
  /// Unique in the process, never reused.
  std::uint64_t id() const noexcept { return id_; }
  std::size_t limit() const noexcept { return limit_; }
  void add(std::vector<TaskRecord> records);
  std::vector<TaskRecord> records() const;
  /// Records added after the first `seen` ever added (at most the newest `most` of them), in
  /// the order added; sets `seen` to the number ever added.
  std::vector<TaskRecord> records_after(std::uint64_t& seen, std::size_t most) const;
  void clear();

 private:
  std::size_t limit_;
  std::uint64_t id_;
  mutable std::mutex mutex_;
  std::deque<TaskRecord> records_;
  std::uint64_t added_ = 0;  // records ever added
};

/// Calls `visit` with every task stream of the process (the clients', rank 0's scheduler's),
/// holding them alive meanwhile.
void for_each_task_stream(const std::function<void(const TaskStream&)>& visit);

}  // namespace tessera::detail
