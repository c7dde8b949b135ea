#include "support/task_stream.hpp"

#include <algorithm>

namespace tessera::detail {
namespace {

struct Streams {
  std::mutex mutex;
  std::uint64_t made = 0;
  std::vector<TaskStream*> list;
};

Streams& streams() {
  // Never destroyed: a client held by a static (the default client) lets go of its
  // entries after the statics of this file would be gone.
  static auto* instance = new Streams;
  return *instance;
}

}  // namespace

TaskStream::TaskStream(std::size_t limit) : limit_(limit) {
  auto& s = streams();
  std::lock_guard lock(s.mutex);
  id_ = ++s.made;
  s.list.push_back(this);
}

TaskStream::~TaskStream() {
  auto& s = streams();
  std::lock_guard lock(s.mutex);
  std::erase(s.list, this);
}

void for_each_task_stream(const std::function<void(const TaskStream&)>& visit) {
  auto& s = streams();
  std::lock_guard lock(s.mutex);
  for (const auto* stream : s.list) visit(*stream);
}

void TaskStream::add(std::vector<TaskRecord> records) {
  std::lock_guard lock(mutex_);
  added_ += records.size();
  for (auto& record : records) records_.push_back(std::move(record));
  while (records_.size() > limit_) records_.pop_front();
}

std::vector<TaskRecord> TaskStream::records() const {
  std::lock_guard lock(mutex_);
  return {records_.begin(), records_.end()};
}

std::vector<TaskRecord> TaskStream::records_after(std::uint64_t& seen, std::size_t most) const {
  std::lock_guard lock(mutex_);
  const auto fresh = added_ > seen ? added_ - seen : 0;
  const auto count = static_cast<std::size_t>(
      std::min<std::uint64_t>(std::min<std::uint64_t>(fresh, records_.size()), most));
  seen = added_;
  return {records_.end() - static_cast<std::ptrdiff_t>(count), records_.end()};
}

void TaskStream::clear() {
  std::lock_guard lock(mutex_);
  records_.clear();
}

}  // namespace tessera::detail
