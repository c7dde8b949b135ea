#pragma once
// What a performance report shows, gathered while it is open: where the task streams stood
// when it opened, the metrics then and at samples since, and the report's data as JSON.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "diagnostics/metrics_snapshot.hpp"

namespace tessera::detail {

/// The metrics of this process; `measured` is false when no source answered (the dashboard
/// is off, so nothing is counted).
struct MetricsReading {
  MetricsSnapshot snapshot;
  bool measured = false;
  double time = 0.0;
};
MetricsReading read_metrics();

/// Records ever added to each task stream of the process, by stream id.
std::map<std::uint64_t, std::uint64_t> task_stream_positions();

struct ReportInputs {
  double start = 0.0;
  double stop = 0.0;
  std::map<std::uint64_t, std::uint64_t> streams_at_start;
  MetricsReading first;
  MetricsReading last;
  std::vector<MetricsReading> samples;  ///< memory over time (those that measured workers)
};

/// The report's data (a JSON object for dashboard_page in report mode).
std::string report_data(const ReportInputs& inputs);

}  // namespace tessera::detail
