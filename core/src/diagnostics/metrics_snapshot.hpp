#pragma once
// The numbers /metrics shows, gathered from every source of this process at scrape time.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "diagnostics/duration_histogram.hpp"

namespace tessera::detail {

/// A worker rank as rank 0 last heard of it.
struct WorkerGauges {
  int rank = 0;
  std::uint32_t threads = 0;
  std::uint32_t processing = 0;     ///< tasks assigned to it, not yet reported done
  std::uint64_t memory_bytes = 0;   ///< results in its memory
  std::uint64_t memory_limit = 0;   ///< worker_memory_limit (0: none)
  std::uint64_t spilled_bytes = 0;  ///< results on its disk now
  std::uint64_t spilled_total = 0;  ///< results it ever spilled
  bool paused = false;
};

/// Data fetched by one worker from another, since the start.
struct TransferTotals {
  int source = 0;
  int destination = 0;
  std::uint64_t bytes = 0;
  std::uint64_t count = 0;
};

/// The tasks of one prefix ("sum", "inc") submitted so far, and how far they have got.
struct PrefixProgress {
  std::uint64_t total = 0;
  std::uint64_t done = 0;
  std::uint64_t failed = 0;  ///< failed, skipped after a failed input, or cancelled
  std::uint64_t processing = 0;
};

struct MetricsSnapshot {
  std::uint64_t tasks_submitted = 0;
  std::uint64_t tasks_completed = 0;
  std::uint64_t tasks_failed = 0;  ///< failed, skipped after a failed input, or cancelled
  std::map<std::string, std::uint64_t> tasks_by_state;  ///< tasks of runs in flight
  DurationHistogram durations;                          ///< of the tasks that completed
  std::uint64_t threads = 0;                            ///< threads that run tasks
  bool cluster = false;  ///< a cluster's scheduler (rank 0) contributed
  std::uint64_t workers_joined = 0;
  std::uint64_t workers_left = 0;
  std::vector<WorkerGauges> workers;
  std::vector<TransferTotals> transfers;
  std::map<std::string, PrefixProgress> prefixes;  ///< for the dashboard; not in /metrics
};

/// The snapshot in the Prometheus text exposition format (version 0.0.4).
std::string to_prometheus_text(const MetricsSnapshot& snapshot);

}  // namespace tessera::detail
