#include "diagnostics/local_metrics.hpp"

#include <algorithm>

namespace tessera::detail {

LocalMetrics::LocalMetrics(std::uint32_t threads, bool shared)
    : threads_(threads), tallies_(std::make_unique<TaskTally[]>(threads)) {
  if (shared) {
    for (std::uint32_t t = 0; t < threads; ++t) tallies_[t].allow_many_writers();
  }
  add_metrics_source(*this);
}

LocalMetrics::~LocalMetrics() { remove_metrics_source(*this); }

void LocalMetrics::collect(MetricsSnapshot& snapshot) {
  // Read the submissions last: every task counted done was submitted before.
  std::uint64_t done = 0;
  std::uint64_t running = 0;
  for (std::uint32_t t = 0; t < threads_; ++t) {
    const auto& tally = tallies_[t];
    snapshot.tasks_completed += tally.finished_count();
    snapshot.tasks_failed += tally.failed_count();
    done += tally.finished_count() + tally.failed_count();
    running += tally.running() ? 1 : 0;
    tally.add_to(snapshot.durations);
  }
  const auto submitted = submitted_.load(std::memory_order_relaxed);
  snapshot.tasks_submitted += submitted;
  const auto in_flight = submitted > done ? submitted - done : 0;
  running = std::min(running, in_flight);
  snapshot.tasks_by_state["processing"] += running;
  snapshot.tasks_by_state["waiting"] += in_flight - running;
  snapshot.threads += threads_;
}

}  // namespace tessera::detail
