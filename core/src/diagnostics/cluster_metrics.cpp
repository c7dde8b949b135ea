#include "diagnostics/cluster_metrics.hpp"

#include <algorithm>
#include <chrono>

#include "diagnostics/task_prefix.hpp"

namespace tessera::detail {

ClusterMetrics::ClusterMetrics(std::shared_ptr<const TaskStream> stream)
    : stream_(std::move(stream)) {
  latest_.cluster = true;
  add_metrics_source(*this);
}

ClusterMetrics::~ClusterMetrics() { remove_metrics_source(*this); }

void ClusterMetrics::publish(MetricsSnapshot snapshot) {
  {
    std::lock_guard lock(mutex_);
    latest_ = std::move(snapshot);
    latest_.cluster = true;
    ++generation_;
    wanted_.store(false, std::memory_order_relaxed);
  }
  published_.notify_all();
}

void ClusterMetrics::collect(MetricsSnapshot& snapshot) {
  std::unique_lock lock(mutex_);
  const auto asked_at = generation_;
  wanted_.store(true, std::memory_order_release);
  published_.wait_for(lock, std::chrono::seconds(1), [&] { return generation_ != asked_at; });
  const auto& s = latest_;
  snapshot.cluster = true;
  snapshot.tasks_submitted += s.tasks_submitted;
  snapshot.tasks_completed += s.tasks_completed;
  snapshot.tasks_failed += s.tasks_failed;
  for (const auto& [state, count] : s.tasks_by_state) snapshot.tasks_by_state[state] += count;
  snapshot.durations.merge(s.durations);
  snapshot.threads += s.threads;
  snapshot.workers_joined += s.workers_joined;
  snapshot.workers_left += s.workers_left;
  snapshot.workers.insert(snapshot.workers.end(), s.workers.begin(), s.workers.end());
  snapshot.transfers.insert(snapshot.transfers.end(), s.transfers.begin(), s.transfers.end());
  for (const auto& [name, p] : s.prefixes) {
    auto& into = snapshot.prefixes[name];
    into.total += p.total;
    into.done += p.done;
    into.failed += p.failed;
    into.processing += p.processing;
  }
}

void ClusterMetrics::recent_tasks(double since, double now, std::size_t limit,
                                  std::vector<LiveTask>& out) {
  if (!stream_) return;
  std::lock_guard lock(answers_mutex_);
  auto answered = std::find_if(answers_.begin(), answers_.end(),
                               [&](const auto& answer) { return answer.first == since; });
  std::uint64_t seen = answered == answers_.end() ? 0 : answered->second;
  const bool known = answered != answers_.end();
  auto records = stream_->records_after(seen, limit);
  answers_.emplace_back(now, seen);
  if (answers_.size() > 64) answers_.pop_front();
  for (auto& record : records) {
    if (!known && record.stop <= since) continue;  // a time of the caller's choosing
    out.push_back(LiveTask{std::move(record.worker), std::string(task_prefix(record.key)),
                           record.start, record.stop});
  }
}

}  // namespace tessera::detail
