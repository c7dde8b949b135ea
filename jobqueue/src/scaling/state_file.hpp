#pragma once
// The jobs of a cluster kept in a file between runs of tessera-jobqueue (submit, scale, list,
// close), so that one run can cancel what another submitted. YAML, written atomically:
//
//   # tessera-jobqueue: the jobs of one cluster
//   system: slurm
//   jobs:
//     - {id: "1234", pool: default, state: running}

#include <optional>
#include <string>
#include <vector>

#include "tessera/jobqueue/job.hpp"
#include "tessera/jobqueue/system.hpp"

namespace tessera::jobqueue::detail {

/// What the state file holds.
struct ClusterState {
  System system = System::slurm;
  std::vector<Job> jobs;
};

/// The state file that goes with a scheduler file: beside it, "<name>.jobs.yaml"
/// (/run/scheduler.json -> /run/scheduler.jobs.yaml).
std::string default_state_file(const std::string& scheduler_file);

/// The state in `path`; none when there is no such file. ConfigError naming the file and the
/// problem when it does not read.
std::optional<ClusterState> read_state_file(const std::string& path);

/// Writes `state` to `path` through a temporary file renamed over it, so that a reader sees
/// the old state or the new one, never a part. IoError naming the file when it cannot.
void write_state_file(const std::string& path, const ClusterState& state);

}  // namespace tessera::jobqueue::detail
