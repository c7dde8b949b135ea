#include "diagnostics/cluster_metrics.hpp"

#include <chrono>

namespace tessera::detail {

ClusterMetrics::ClusterMetrics() {
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
}

}  // namespace tessera::detail
