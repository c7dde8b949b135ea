#pragma once
// A worker job's parameters resolved (arguments over environment over config file over
// defaults), checked, in the units tessera works in; and the job script they make.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tessera/jobqueue/options.hpp"
#include "tessera/jobqueue/system.hpp"

namespace tessera::jobqueue {

/// One kind of worker job of a cluster: every value checked (see JobOptions for each).
struct JobSpec {
  /// The worker pool this spec makes ("default" for a cluster's first); workers learn it
  /// as TESSERA_WORKER_POOL.
  std::string pool;
  System system = System::slurm;
  int cores = 1;
  int processes = 1;
  /// Bytes per job; 0 = none asked for.
  std::uint64_t memory = 0;
  std::chrono::seconds walltime{0};
  std::string queue;
  std::string account;
  std::string job_name;
  std::vector<std::string> job_extra_directives;
  std::vector<std::string> job_directives_skip;
  std::vector<std::string> job_script_prologue;
  std::string local_directory;
  std::string log_directory;
  std::vector<std::string> worker_extra_args;
  std::chrono::seconds death_timeout{0};
  std::string shebang;
  std::string launcher;
  std::string transport;
  std::string resources;
  /// 0 = workers do not retire.
  std::chrono::seconds lifetime{0};
  std::chrono::seconds lifetime_stagger{0};
  bool lifetime_restart = false;
  /// 0 = no limit.
  int max_jobs = 0;
  std::string worker_command;
  std::string scheduler_file;
  std::string resource_spec;
  std::string lsf_units;
  std::string parallel_environment;

  /// Task threads of each worker process.
  int threads_per_process() const noexcept { return cores / processes; }
  /// Memory of each worker process (0 when the job asks for none).
  std::uint64_t memory_per_process() const noexcept {
    return memory / static_cast<std::uint64_t>(processes);
  }
};

/// The options for `system`: the config file's, then the environment's, then `arguments`,
/// each replacing what the one before gave. ConfigError for a config file that cannot be
/// read or parsed, an unknown key, or a value of the wrong kind, naming the file (or
/// variable), the key and the problem.
JobOptions merged_options(System system, const JobOptions& arguments);

/// merged_options() with tessera's defaults for what none gave, checked: ConfigError naming
/// the parameter, its value and where it came from for the first that is wrong (cores
/// missing or below 1, processes above cores or not dividing them, an unknown memory unit,
/// a malformed walltime, an empty queue name, a line break in any value, ...).
JobSpec resolve_job_spec(System system, const JobOptions& arguments, std::string pool = "default");

/// The job script that starts `spec`'s workers: the shebang, the batch system's directives,
/// the prologue, the workers' settings exported as TESSERA_* variables, and the launcher
/// line ("srun --mpi=pmix --ntasks=2 --cpus-per-task=4 tessera-worker ...").
std::string job_script(const JobSpec& spec);

/// The config file read: $TESSERA_CONFIG when set, else
/// $XDG_CONFIG_HOME/tessera/jobqueue.yaml, else ~/.config/tessera/jobqueue.yaml (a missing
/// default file gives no defaults; a missing $TESSERA_CONFIG is an error).
std::string config_file_path();

}  // namespace tessera::jobqueue
