#pragma once
// The newest task records of a client, bounded in number.

#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "tessera/events.hpp"

namespace tessera::detail {

class TaskStream {
 public:
  explicit TaskStream(std::size_t limit) : limit_(limit) {}
  std::size_t limit() const noexcept { return limit_; }
  void add(std::vector<TaskRecord> records);
  std::vector<TaskRecord> records() const;
  /// Records added after the first `seen` ever added (at most the newest `most` of them), in
  /// the order added; sets `seen` to the number ever added.
  std::vector<TaskRecord> records_after(std::uint64_t& seen, std::size_t most) const;
  void clear();

 private:
  std::size_t limit_;
  mutable std::mutex mutex_;
  std::deque<TaskRecord> records_;
  std::uint64_t added_ = 0;  // records ever added
};

}  // namespace tessera::detail
