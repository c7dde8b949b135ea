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

std::uint32_t TaskStream::worker_id(std::string_view name) {
  std::lock_guard lock(mutex_);
  auto [it, added] =
      worker_ids_.try_emplace(std::string(name), static_cast<std::uint32_t>(workers_.size()));
  if (added) workers_.push_back(it->first);
  return it->second;
}

void TaskStream::add(std::span<const Entry> entries) {
  if (limit_ == 0) return;
  // Of a batch larger than the ring, only the newest fit.
  const auto skipped = entries.size() > limit_ ? entries.size() - limit_ : 0;
  std::lock_guard lock(mutex_);
  added_ += skipped;
  for (const auto& entry : entries.subspan(skipped)) {
    const auto index = static_cast<std::size_t>(added_ % limit_);
    if (ring_.size() <= index) ring_.resize(index + 1);
    auto& slot = ring_[index];
    slot.key.assign(entry.key);  // the slot's string keeps its capacity: no allocation
    slot.worker = entry.worker;
    slot.start = entry.start;
    slot.stop = entry.stop;
    ++added_;
  }
}

std::vector<TaskRecord> TaskStream::newest(std::size_t count) const {
  std::vector<TaskRecord> out;
  out.reserve(count);
  for (auto i = added_ - count; i < added_; ++i) {
    const auto& slot = ring_[static_cast<std::size_t>(i % limit_)];
    out.push_back(TaskRecord{slot.key, workers_[slot.worker], slot.start, slot.stop});
  }
  return out;
}

std::vector<TaskRecord> TaskStream::records() const {
  std::lock_guard lock(mutex_);
  return newest(static_cast<std::size_t>(std::min<std::uint64_t>(added_ - cleared_, limit_)));
}

std::vector<TaskRecord> TaskStream::records_after(std::uint64_t& seen, std::size_t most) const {
  std::lock_guard lock(mutex_);
  const auto fresh = added_ > seen ? added_ - seen : 0;
  const auto held = std::min<std::uint64_t>(added_ - cleared_, limit_);
  const auto count = static_cast<std::size_t>(std::min<std::uint64_t>(std::min(fresh, held), most));
  seen = added_;
  return newest(count);
}

void TaskStream::clear() {
  std::lock_guard lock(mutex_);
  cleared_ = added_;
}

}  // namespace tessera::detail
