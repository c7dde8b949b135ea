#pragma once
// The progress of runs on the cluster, for rank 0's client: the client puts a counter here
// under the run's id before it submits the run; the scheduler, a thread of the same process,
// takes it when the run arrives and sets it as tasks finish or fail. Runs nobody watches have
// no counter, and cost the scheduler nothing.

#include <cstdint>
#include <memory>

#include "diagnostics/run_progress.hpp"

namespace tessera::detail {

/// Someone on this process watches run `run`.
void watch_run(std::uint64_t run, std::shared_ptr<ProgressCounter> counter);
/// The counter of run `run`, taken off the board; null if nobody watches it.
std::shared_ptr<ProgressCounter> take_watched_run(std::uint64_t run);

}  // namespace tessera::detail
