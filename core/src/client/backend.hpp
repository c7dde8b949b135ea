#pragma once
// Backend: where a client's graphs run. Locally, an executor ("sync" or "threads") on this
// process's threads; under MPI, the cluster (cluster/cluster_backend.hpp). The client lowers
// a graph to a plan and hands it over; the backend makes the futures of its outputs.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "diagnostics/run_progress.hpp"
#include "graph/plan.hpp"
#include "tessera/client.hpp"
#include "tessera/future.hpp"
#include "tessera/value.hpp"

namespace tessera::detail {

/// What a backend hands back for a plan it started.
struct Submitted {
  /// One future per plan output, in plan.outputs order.
  std::vector<FutureStatePtr> outputs;
  /// The run's counts, when the submitter asked to watch it; else null.
  std::shared_ptr<const RunProgress> progress;
};

class Backend {
 public:
  virtual ~Backend() = default;
  /// "sync", "threads" or "mpi".
  virtual const char* name() const noexcept = 0;
  /// Threads that run tasks (all workers' together under MPI).
  virtual std::uint32_t threads() const noexcept = 0;
  /// Workers that run tasks: 1 for this process's threads; the cluster's workers otherwise.
  virtual std::size_t workers() const noexcept { return 1; }
  /// Waits until at least `count` workers are there, up to `timeout`; returns how many are.
  virtual std::size_t wait_for_workers(std::size_t /*count*/, std::chrono::milliseconds) {
    return workers();
  }
  /// The scheduler's load (client.hpp's SchedulerLoad).
  virtual SchedulerLoad load() const { return {workers(), threads(), 0, 0, 0, 0, 0, {}}; }
  /// What workers that may join will offer (elastic clusters only).
  virtual void expect_worker_offers(WorkerOffers) {}
  /// Starts running `plan`; with `watch`, also hands back a view of its progress.
  virtual Submitted submit(Plan plan, bool watch) = 0;
  /// A future holding `value`, placed where tasks read it (on every worker if `broadcast`).
  virtual FutureStatePtr scatter(Value value, bool broadcast) = 0;
  /// After this, submit and scatter throw: the runtime behind the backend has ended.
  virtual void close() {}
};

}  // namespace tessera::detail
