#pragma once
// The dashboard's data as JSON, for its pages' polling (/api/...) and the performance report:
// the metrics snapshot, the live task stream and the event log.

#include <cstddef>
#include <string>
#include <vector>

#include "diagnostics/metrics_sources.hpp"
#include "tessera/events.hpp"

namespace tessera::detail {

/// Most tasks and events one answer carries.
inline constexpr std::size_t max_live_tasks = 5000;
inline constexpr std::size_t max_live_events = 500;

/// {"now", "cluster", "threads", "tasks": {...}, "durations", "workers": [...],
///  "transfers": [...], "prefixes": {...}}; workers carry the spill/pause thresholds.
std::string snapshot_json(const MetricsSnapshot& snapshot, double now);
/// {"now", "truncated", "tasks": [{"w": worker, "p": prefix, "s": start, "e": stop}, ...]}
std::string tasks_json(const LiveTasks& tasks);
/// {"now", "events": [{"time", "topic", "message", "source"}, ...]}
std::string events_json(const std::vector<Event>& events, double now);

/// `text` with "<" escaped, so that it can sit in a <script> element.
std::string for_script(std::string text);

}  // namespace tessera::detail
