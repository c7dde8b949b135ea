#include "diagnostics/metrics_sources.hpp"

#include <algorithm>
#include <mutex>
#include <vector>

#include "tessera/events.hpp"

namespace tessera::detail {
namespace {

// Held while a scrape asks the sources, so that a source is not removed (and destroyed)
// while it is being asked.
struct Sources {
  std::mutex mutex;
  std::vector<MetricsSource*> list;
};

Sources& sources() {
  // Never destroyed: a client held by a static (the default client) lets go of its
  // entries after the statics of this file would be gone.
  static auto* instance = new Sources;
  return *instance;
}

}  // namespace

void add_metrics_source(MetricsSource& source) {
  auto& s = sources();
  std::lock_guard lock(s.mutex);
  s.list.push_back(&source);
}

void remove_metrics_source(MetricsSource& source) {
  auto& s = sources();
  std::lock_guard lock(s.mutex);
  std::erase(s.list, &source);
}

MetricsSnapshot collect_metrics() {
  auto& s = sources();
  MetricsSnapshot snapshot;
  std::lock_guard lock(s.mutex);
  for (auto* source : s.list) source->collect(snapshot);
  return snapshot;
}

LiveTasks collect_recent_tasks(double since, std::size_t limit) {
  auto& s = sources();
  LiveTasks live;
  // Read before the sources: a task that stops while they are read comes again next time
  // rather than never.
  live.now = wall_time();
  std::lock_guard lock(s.mutex);
  for (auto* source : s.list) source->recent_tasks(since, live.now, limit + 1, live.tasks);
  if (live.tasks.size() > limit) {
    std::nth_element(live.tasks.begin(), live.tasks.end() - static_cast<std::ptrdiff_t>(limit),
                     live.tasks.end(),
                     [](const LiveTask& a, const LiveTask& b) { return a.stop < b.stop; });
    live.tasks.erase(live.tasks.begin(), live.tasks.end() - static_cast<std::ptrdiff_t>(limit));
    live.truncated = true;
  }
  std::sort(live.tasks.begin(), live.tasks.end(),
            [](const LiveTask& a, const LiveTask& b) { return a.start < b.start; });
  return live;
}

}  // namespace tessera::detail
