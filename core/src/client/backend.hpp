#pragma once
// Backend: where a client's graphs run. Locally, an executor ("sync" or "threads") on this
// process's threads; under MPI, the cluster (cluster/cluster_backend.hpp). The client lowers
// a graph to a plan and hands it over; the backend makes the futures of its outputs.

#include <cstdint>
#include <vector>

#include "graph/plan.hpp"
#include "tessera/future.hpp"
#include "tessera/value.hpp"

namespace tessera::detail {

class Backend {
 public:
  virtual ~Backend() = default;
  /// "sync", "threads" or "mpi".
  virtual const char* name() const noexcept = 0;
  /// Threads that run tasks (all workers' together under MPI).
  virtual std::uint32_t threads() const noexcept = 0;
  /// Starts running `plan`; one future per plan output, in plan.outputs order.
  virtual std::vector<FutureStatePtr> submit(Plan plan) = 0;
  /// A future holding `value`, placed where tasks read it (on every worker if `broadcast`).
  virtual FutureStatePtr scatter(Value value, bool broadcast) = 0;
  /// After this, submit and scatter throw: the runtime behind the backend has ended.
  virtual void close() {}
};

}  // namespace tessera::detail
