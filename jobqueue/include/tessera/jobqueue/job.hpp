#pragma once
// A worker job as the cluster sees it: its batch system's id, its pool, and where it stands.

#include <string>
#include <string_view>

namespace tessera::jobqueue {

/// Where a job stands, from the batch system's own listing (squeue, qstat, bjobs).
enum class JobState {
  pending,     ///< queued, held or starting: not yet running its workers
  running,     ///< running (or suspended, or finishing) on its nodes
  cancelling,  ///< cancelled by the cluster; the batch system still lists it
  gone,        ///< no longer listed, or listed as finished: its workers have ended
};

/// "pending", "running", "cancelling" or "gone".
std::string_view to_string(JobState state) noexcept;

/// One job a cluster submitted.
struct Job {
  /// The batch system's id, as its submit command printed it: "1234" (Slurm, LSF, SGE),
  /// "1234.server" (PBS).
  std::string id;
  /// The worker pool it belongs to ("default" for a cluster's first).
  std::string pool;
  JobState state = JobState::pending;
};

}  // namespace tessera::jobqueue
