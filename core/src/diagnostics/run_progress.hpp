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

/// Counts that the thread running a run sets and the drawing thread reads: the cluster's runs
/// (set by rank 0's scheduler), and a local run's final counts.
class ProgressCounter final : public RunProgress {
 public:
  explicit ProgressCounter(std::uint64_t total) : total_(total) {}
  void set(std::uint64_t done, std::uint64_t failed) noexcept {
    failed_.store(failed, std::memory_order_relaxed);
    done_.store(done, std::memory_order_release);  // a reader of done sees failed as new
  }
  ProgressCounts counts() const noexcept override {
    const auto done = done_.load(std::memory_order_acquire);
    return {total_, done, failed_.load(std::memory_order_relaxed)};
  }

 private:
  const std::uint64_t total_;
  std::atomic<std::uint64_t> done_{0};
  std::atomic<std::uint64_t> failed_{0};
};

/// Draws the progress of a run on `bar` until its `outputs` are done, then the final line.
void show_progress(ProgressBar& bar, const RunProgress& run,
                   const std::vector<FutureStatePtr>& outputs);

}  // namespace tessera::detail
