#pragma once
// The progress of runs on the cluster, for rank 0's client: the client puts a counter here
// under the run's id before it submits the run; the scheduler, a thread of the same process,
// takes it when the run arrives and sets it as tasks finish or fail. Runs nobody watches have
// no counter, and cost the scheduler nothing.

#include <atomic>
#include <cstdint>
#include <memory>

#include "diagnostics/run_progress.hpp"

namespace tessera::detail {

/// The counts of one run on the cluster.
class ProgressCounter final : public RunProgress {
 public:
  explicit ProgressCounter(std::uint64_t total) : total_(total) {}
  void set(std::uint64_t done, std::uint64_t failed) noexcept {
    done_.store(done, std::memory_order_relaxed);
    failed_.store(failed, std::memory_order_relaxed);
  }
  ProgressCounts counts() const noexcept override {
    return {total_, done_.load(std::memory_order_relaxed), failed_.load(std::memory_order_relaxed)};
  }

 private:
  const std::uint64_t total_;
  std::atomic<std::uint64_t> done_{0};
  std::atomic<std::uint64_t> failed_{0};
};

/// Someone on this process watches run `run`.
void watch_run(std::uint64_t run, std::shared_ptr<ProgressCounter> counter);
/// The counter of run `run`, taken off the board; null if nobody watches it.
std::shared_ptr<ProgressCounter> take_watched_run(std::uint64_t run);

}  // namespace tessera::detail
