#pragma once
// The metrics of the cluster, as rank 0's scheduler knows them. The scheduler's state belongs
// to its thread, so a scrape does not read it: it asks, and the scheduler publishes a fresh
// snapshot at its next turn (within a millisecond when idle). A scrape that gets no answer in
// time serves the last snapshot.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "diagnostics/metrics_sources.hpp"

namespace tessera::detail {

class ClusterMetrics final : public MetricsSource {
 public:
  ClusterMetrics();
  ~ClusterMetrics() override;
  ClusterMetrics(const ClusterMetrics&) = delete;
  ClusterMetrics& operator=(const ClusterMetrics&) = delete;

  /// Scheduler thread: whether a scrape waits for a snapshot.
  bool wanted() const noexcept { return wanted_.load(std::memory_order_acquire); }
  /// Scheduler thread: the answer.
  void publish(MetricsSnapshot snapshot);

  void collect(MetricsSnapshot& snapshot) override;

 private:
  std::atomic<bool> wanted_{false};
  std::mutex mutex_;
  std::condition_variable published_;
  std::uint64_t generation_ = 0;
  MetricsSnapshot latest_;
};

}  // namespace tessera::detail
