#include "support/task_stream.hpp"

#include <algorithm>
#include <cstring>

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
  if (limit_ == 0 || entries.empty()) return;
  // Of a batch larger than the ring, only the newest fit.
  const auto kept = entries.subspan(entries.size() > limit_ ? entries.size() - limit_ : 0);
  std::size_t key_bytes = 0;
  for (const auto& entry : kept) key_bytes += entry.key.size();
  Batch batch;
  batch.keys.resize(key_bytes);
  std::size_t key_offset = 0;
  std::lock_guard lock(mutex_);
  added_ += entries.size() - kept.size();
  batch.first = added_;
  if (ring_.size() < limit_) ring_.resize(std::min<std::uint64_t>(limit_, added_ + kept.size()));
  auto index = static_cast<std::size_t>(added_ % limit_);
  for (const auto& entry : kept) {
    ring_[index] = Slot{key_offset, static_cast<std::uint32_t>(entry.key.size()), entry.worker,
                        entry.start, entry.stop};
    std::memcpy(batch.keys.data() + key_offset, entry.key.data(), entry.key.size());
    key_offset += entry.key.size();
    if (++index == limit_) index = 0;
  }
  added_ += kept.size();
  batches_.push_back(std::move(batch));
  drop_old_batches();
}

void TaskStream::drop_old_batches() {
  const auto oldest_shown = std::max(cleared_, added_ > limit_ ? added_ - limit_ : 0);
  while (batches_.size() > 1 && batches_[1].first <= oldest_shown) batches_.pop_front();
  if (batches_.size() == 1 && added_ <= oldest_shown) batches_.clear();
}

std::vector<TaskRecord> TaskStream::newest(std::size_t count) const {
  std::vector<TaskRecord> out;
  if (count == 0) return out;
  out.reserve(count);
  const auto first = added_ - count;
  // The batch holding record `first`: the last one that starts at or before it.
  auto batch = std::prev(
      std::upper_bound(batches_.begin(), batches_.end(), first,
                       [](std::uint64_t record, const Batch& b) { return record < b.first; }));
  for (auto i = first; i < added_; ++i) {
    while (std::next(batch) != batches_.end() && std::next(batch)->first <= i) ++batch;
    const auto& slot = ring_[static_cast<std::size_t>(i % limit_)];
    out.push_back(TaskRecord{batch->keys.substr(slot.key_offset, slot.key_size),
                             workers_[slot.worker], slot.start, slot.stop});
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
  drop_old_batches();
}

}  // namespace tessera::detail
