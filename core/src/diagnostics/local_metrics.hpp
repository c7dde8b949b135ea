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

namespace tessera::detail {

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
  /// Counts the tasks of a run about to start, with these keys; returns the prefix id of each.
  template <class Keys>
  std::vector<std::uint32_t> submitted(const Keys& keys) {
    std::vector<std::uint32_t> ids(keys.size());
    std::lock_guard lock(prefix_mutex_);
    PrefixTable::Recent recent;  // the graph's leaves and reductions take turns
    for (std::size_t t = 0; t < keys.size(); ++t) {
      ids[t] = prefixes_.id_of_key(*keys[t], recent);
      const auto counted = std::min(ids[t], TaskTally::max_prefixes - 1);
      if (counted >= totals_.size()) totals_.resize(counted + 1, 0);
      ++totals_[counted];
    }
    submitted_.fetch_add(keys.size(), std::memory_order_relaxed);
    return ids;
  }
  void collect(MetricsSnapshot& snapshot) override;
  void recent_tasks(double since, double now, std::size_t limit,
                    std::vector<LiveTask>& out) override;

 private:
  std::string prefix_name(std::uint32_t id);

  const std::vector<std::string> names_;
  const std::uint32_t threads_;
  std::unique_ptr<TaskTally[]> tallies_;
  std::atomic<std::uint64_t> submitted_{0};
  std::mutex prefix_mutex_;
  PrefixTable prefixes_;
  std::vector<std::uint64_t> totals_;  // tasks submitted per counted prefix id
};

}  // namespace tessera::detail
