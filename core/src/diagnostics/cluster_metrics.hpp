#pragma once
// The metrics of the cluster, as rank 0's scheduler knows them. The scheduler's state belongs
// to its thread, so a scrape does not read it: it asks, and the scheduler publishes a fresh
// snapshot at its next turn (within a millisecond when idle). A scrape that gets no answer in
// time serves the last snapshot. The live task stream is read from the scheduler's task
// stream, which it fills as tasks complete.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>

#include "diagnostics/metrics_sources.hpp"
#include "support/task_stream.hpp"

namespace tessera::detail {

class ClusterMetrics final : public MetricsSource {
 public:
  /// `stream`: the scheduler's task stream (may be null).
  explicit ClusterMetrics(std::shared_ptr<const TaskStream> stream = nullptr);
  ~ClusterMetrics() override;
  ClusterMetrics(const ClusterMetrics&) = delete;
  ClusterMetrics& operator=(const ClusterMetrics&) = delete;

  /// Scheduler thread: whether a scrape waits for a snapshot.
  bool wanted() const noexcept { return wanted_.load(std::memory_order_acquire); }
  /// Scheduler thread: the answer.
  void publish(MetricsSnapshot snapshot);

  void collect(MetricsSnapshot& snapshot) override;
  void recent_tasks(double since, double now, std::size_t limit,
                    std::vector<LiveTask>& out) override;

 private:
  std::atomic<bool> wanted_{false};
  std::mutex mutex_;
  std::condition_variable published_;
  std::uint64_t generation_ = 0;
  MetricsSnapshot latest_;

  std::shared_ptr<const TaskStream> stream_;
  std::mutex answers_mutex_;
  // The `now` of recent answers and the stream's count of records then, so that a poller
  // passing that `now` back gets exactly the records added since.
  std::deque<std::pair<double, std::uint64_t>> answers_;
};

}  // namespace tessera::detail
