#include "diagnostics/metrics_sources.hpp"

#include <algorithm>
#include <mutex>
#include <vector>

namespace tessera::detail {
namespace {

// Held while a scrape asks the sources, so that a source is not removed (and destroyed)
// while it is being asked.
struct Sources {
  std::mutex mutex;
  std::vector<MetricsSource*> list;
};

Sources& sources() {
  static Sources instance;
  return instance;
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

}  // namespace tessera::detail
