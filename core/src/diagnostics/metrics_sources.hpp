#pragma once
// What the metrics server asks at each scrape: the local clients and rank 0's scheduler of
// this process, each adding its numbers to one snapshot. Sources exist only while the
// dashboard is on, so that nothing is counted when nobody watches.

#include "diagnostics/metrics_snapshot.hpp"

namespace tessera::detail {

class MetricsSource {
 public:
  virtual ~MetricsSource() = default;
  /// Adds this source's numbers to `snapshot` (the server's thread; may wait a little).
  virtual void collect(MetricsSnapshot& snapshot) = 0;
};

/// Asked at every scrape from now on, until removed.
void add_metrics_source(MetricsSource& source);
/// Not asked any more; waits for a scrape that is asking it.
void remove_metrics_source(MetricsSource& source);
/// The numbers of every source.
MetricsSnapshot collect_metrics();

}  // namespace tessera::detail
