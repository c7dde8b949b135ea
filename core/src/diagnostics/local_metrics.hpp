#pragma once
// The metrics of a local client (threads or sync scheduler): a TaskTally per executor thread,
// which the runs of the client write, and the tasks submitted. Made only while the dashboard
// is on; registered as a metrics source for its lifetime.

#include <atomic>
#include <cstdint>
#include <memory>

#include "diagnostics/metrics_sources.hpp"
#include "diagnostics/task_tally.hpp"

namespace tessera::detail {

class LocalMetrics final : public MetricsSource {
 public:
  /// `threads`: the executor's workers; `shared`: several threads may run as one worker.
  LocalMetrics(std::uint32_t threads, bool shared);
  ~LocalMetrics() override;
  LocalMetrics(const LocalMetrics&) = delete;
  LocalMetrics& operator=(const LocalMetrics&) = delete;

  /// The tally of each worker, indexed by worker id.
  TaskTally* tallies() noexcept { return tallies_.get(); }
  void submitted(std::uint64_t tasks) noexcept {
    submitted_.fetch_add(tasks, std::memory_order_relaxed);
  }
  void collect(MetricsSnapshot& snapshot) override;

 private:
  const std::uint32_t threads_;
  std::unique_ptr<TaskTally[]> tallies_;
  std::atomic<std::uint64_t> submitted_{0};
};

}  // namespace tessera::detail
