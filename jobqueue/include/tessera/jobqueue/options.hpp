#pragma once
// The parameters of a kind of worker job, as a user gives them: each is optional, and one
// not given comes from the environment (TESSERA_JOBQUEUE_<SYSTEM>_<NAME>), then from the
// config file (jobqueue.<system>.<name> in ~/.config/tessera/jobqueue.yaml or the file named
// by TESSERA_CONFIG), then from tessera's default. The names are dask-jobqueue's.

#include <optional>
#include <string>
#include <vector>

namespace tessera::jobqueue {

/// What a user asks of each job of a worker pool. resolve_job_spec() (job_spec.hpp) fills in
/// what is missing and checks everything.
struct JobOptions {
  /// Cores per job (required): the job asks the batch system for this many.
  std::optional<int> cores{};
  /// Worker processes (MPI ranks) per job; each runs cores / processes task threads (1).
  std::optional<int> processes{};
  /// Memory per job, e.g. "16GB" or "64 GiB" (units.hpp); each worker process may hold
  /// memory / processes of results before it spills. Not given: the job asks for none.
  std::optional<std::string> memory{};
  /// Longest run of a job, e.g. "01:00:00", "2-00:00:00", "90m" (units.hpp) ("00:30:00").
  std::optional<std::string> walltime{};
  /// Queue (Slurm partition) the jobs go to (the system's default queue).
  std::optional<std::string> queue{};
  /// Account (PBS/Slurm -A, LSF -P, SGE -P) the jobs are charged to.
  std::optional<std::string> account{};
  /// Name of the jobs in the queue ("tessera-worker").
  std::optional<std::string> job_name{};
  /// More directives, each written after the system's prefix ("--exclusive" for Slurm).
  std::optional<std::vector<std::string>> job_extra_directives{};
  /// Generated directives to leave out: a directive line containing one of these is dropped
  /// ("--mem" drops Slurm's memory request). Extra directives are never dropped.
  std::optional<std::vector<std::string>> job_directives_skip{};
  /// Shell lines run before the workers start ("module load openmpi", "source env.sh").
  std::optional<std::vector<std::string>> job_script_prologue{};
  /// Where workers spill results (made if missing); shell variables such as $TMPDIR expand
  /// on the compute node. Not given: the system's temporary directory.
  std::optional<std::string> local_directory{};
  /// Where the batch system writes the jobs' standard output and error (no spaces).
  std::optional<std::string> log_directory{};
  /// Arguments after the worker command.
  std::optional<std::vector<std::string>> worker_extra_args{};
  /// How long a worker waits for the scheduler before it exits, e.g. "60" or "5m" ("60").
  std::optional<std::string> death_timeout{};
  /// First line of the script ("#!/usr/bin/env bash").
  std::optional<std::string> shebang{};
  /// What starts the worker ranks: "srun" (Slurm's default), "mpirun" (the others'
  /// default) or "mpiexec".
  std::optional<std::string> launcher{};
  /// The workers' MPI transport: "auto", "shm", "tcp" or "ucx" (tessera's transport setting).
  std::optional<std::string> transport{};
  /// What each worker offers to tasks that ask for resources, e.g. "GPU=1" (tessera's
  /// resources setting). Ask the batch system for the devices with job_extra_directives.
  std::optional<std::string> resources{};
  /// A worker retires after this long, e.g. "55m" (none).
  std::optional<std::string> lifetime{};
  /// Each worker's lifetime varies by up to this much, so they do not retire at once ("0").
  std::optional<std::string> lifetime_stagger{};
  /// Replace a retiring worker's job with a new one (false).
  std::optional<bool> lifetime_restart{};
  /// Most jobs of this pool queued or running at once (0 = no limit).
  std::optional<int> max_jobs{};
  /// The program the launcher starts on each worker rank ("tessera-worker", which loads the
  /// task libraries given as worker_extra_args {"--library", "libtasks.so"}): a program
  /// that joins the scheduler named by TESSERA_SCHEDULER_FILE, e.g. the user's own
  /// application, which becomes a worker when TESSERA_ROLE=worker.
  std::optional<std::string> worker_command{};
  /// The scheduler file the workers read to join (tessera's scheduler_file setting,
  /// TESSERA_SCHEDULER_FILE, else the current directory's tessera-scheduler.json; as an
  /// absolute path).
  std::optional<std::string> scheduler_file{};
  /// PBS and SGE only: a resource request ("-l" value) that replaces the one tessera writes
  /// from cores and memory.
  std::optional<std::string> resource_spec{};
  /// LSF only: the unit of LSF's memory limits, LSF_UNIT_FOR_LIMITS in lsf.conf: KB (LSF's
  /// default), MB, GB or TB, each a power of 1024 ("KB").
  std::optional<std::string> lsf_units{};
  /// SGE only: the parallel environment that grants the cores ("smp").
  std::optional<std::string> parallel_environment{};
};

}  // namespace tessera::jobqueue
