#include "support/task_stream.hpp"

namespace tessera::detail {

void TaskStream::add(std::vector<TaskRecord> records) {
  std::lock_guard lock(mutex_);
  for (auto& record : records) records_.push_back(std::move(record));
  while (records_.size() > limit_) records_.pop_front();
}

std::vector<TaskRecord> TaskStream::records() const {
  std::lock_guard lock(mutex_);
  return {records_.begin(), records_.end()};
}

void TaskStream::clear() {
  std::lock_guard lock(mutex_);
  records_.clear();
}

}  // namespace tessera::detail
