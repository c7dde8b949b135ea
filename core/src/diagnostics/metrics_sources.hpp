#pragma once
// What the metrics server asks at each scrape: the local clients and rank 0's scheduler of
// this process, each adding its numbers to one snapshot. Sources exist only while the
// dashboard is on, so that nothing is counted when nobody watches.

#include <cstddef>
#include <string>
#include <vector>

#include "diagnostics/metrics_snapshot.hpp"

namespace tessera::detail {

/// A task of the live task stream.
struct LiveTask {
  std::string worker;  ///< "thread 1", "worker rank 2 thread 0"
  std::string prefix;
  double start = 0.0;  ///< seconds since the Unix epoch
  double stop = 0.0;
};

/// The tasks that stopped since a time, and the time to ask from next.
struct LiveTasks {
  double now = 0.0;  ///< pass as `since` next time: nothing is missed
  std::vector<LiveTask> tasks;
  bool truncated = false;  ///< more stopped than `limit`: the newest are here
};

class MetricsSource {
 public:
  virtual ~MetricsSource() = default;
  /// Adds this source's numbers to `snapshot` (the server's thread; may wait a little).
  virtual void collect(MetricsSnapshot& snapshot) = 0;
  /// Appends at most `limit` of the tasks that stopped after `since` (a `now` of an earlier
  /// answer, or any time), the newest; `now` is the time of this answer. Briefly locks.
  virtual void recent_tasks(double since, double now, std::size_t limit,
                            std::vector<LiveTask>& out) = 0;
};

/// Asked at every scrape from now on, until removed.
void add_metrics_source(MetricsSource& source);
/// Not asked any more; waits for a scrape that is asking it.
void remove_metrics_source(MetricsSource& source);
/// The numbers of every source.
MetricsSnapshot collect_metrics();
/// The live task stream of every source since `since`: at most `limit` tasks, the newest.
LiveTasks collect_recent_tasks(double since, std::size_t limit);

}  // namespace tessera::detail
