#pragma once
// The newest task records of a client, bounded in number.

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
  void clear();

 private:
  std::size_t limit_;
  mutable std::mutex mutex_;
  std::deque<TaskRecord> records_;
};

}  // namespace tessera::detail
