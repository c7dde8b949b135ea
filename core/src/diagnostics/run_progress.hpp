#pragma once
// A run's progress as its backend sees it, read by the thread that draws the run's bar.

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "tessera/detail/future_state.hpp"
#include "tessera/progress.hpp"

namespace tessera::detail {

/// The counts of a run so far; counts() may be called from any thread while it runs.
class RunProgress {
 public:
  virtual ~RunProgress() = default;
  virtual ProgressCounts counts() const noexcept = 0;
};

/// Draws the progress of a run on `bar` until its `outputs` are done, then the final line.
void show_progress(ProgressBar& bar, const RunProgress& run,
                   const std::vector<FutureStatePtr>& outputs);

}  // namespace tessera::detail
