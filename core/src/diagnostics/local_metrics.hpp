#pragma once
// The metrics of a local client (threads or sync scheduler): a TaskTally per executor thread,
// which the runs of the client write, the tasks submitted, and their prefixes. Made only while
// the dashboard is on; registered as a metrics source for its lifetime.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "diagnostics/metrics_sources.hpp"
#include "diagnostics/task_prefix.hpp"
#include "diagnostics/task_tally.hpp"
#include "tessera/key.hpp"

namespace tessera::detail {

struct TaskCode;

class LocalMetrics final : public MetricsSource {
 public:
  /// `names`: the executor's workers ("thread 0", ...); `shared`: several threads may run as
  /// one worker.
  LocalMetrics(std::vector<std::string> names, bool shared);
  ~LocalMetrics() override;
  LocalMetrics(const LocalMetrics&) = delete;
  LocalMetrics& operator=(const LocalMetrics&) = delete;

  /// The tally of each worker, indexed by worker id.
  TaskTally* tallies() noexcept { return tallies_.get(); }
  /// Counts the tasks of a run about to start, with these keys and codes (one per task);
  /// returns the prefix id of each.
  std::unique_ptr<std::uint32_t[]> submitted(const std::vector<const Key*>& keys,
                                             const std::vector<const TaskCode*>& codes);
  void collect(MetricsSnapshot& snapshot) override;
  void recent_tasks(double since, double now, std::size_t limit,
                    std::vector<LiveTask>& out) override;

 private:
  std::string prefix_name(std::uint32_t id);

  const std::vector<std::string> names_;
  const std::uint32_t threads_;
  std::unique_ptr<TaskTally[]> tallies_;
  std::atomic<std::uint64_t> submitted_{0};
  std::mutex prefix_mutex_;  // guards what follows
  PrefixTable prefixes_;
  std::vector<std::uint64_t> totals_;  // tasks submitted per counted prefix id
};

}  // namespace tessera::detail
