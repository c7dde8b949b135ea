#pragma once
// Clusters of worker jobs on a batch system, as in dask-jobqueue:
//
//   tessera::jobqueue::SlurmCluster cluster({.cores = 32, .processes = 4, .memory = "128GiB",
//                                            .walltime = "02:00:00", .queue = "compute"});
//   cluster.add_worker_spec("gpu", {.cores = 8, .queue = "gpu", .resources = "GPU=1",
//                                   .job_extra_directives = {{"--gres=gpu:1"}}});
//   std::cout << cluster.job_script() << cluster.job_script("gpu");
//
// A cluster holds one or more worker specs (pools): a CPU queue and a GPU queue, say. Each
// spec resolves its options on its own (arguments over environment over config file).
//
// The workers join an elastic scheduler through its scheduler file. The usual program is its
// own scheduler and its own worker: started alone with TESSERA_SCHEDULER_FILE set, its
// Runtime is the client and the scheduler; the jobs start the same program, which becomes a
// worker there (the job script sets TESSERA_ROLE=worker) and never returns from the Runtime:
//
//   // TESSERA_SCHEDULER_FILE=$HOME/run/scheduler.json ./app   (on the login node)
//   int main(int argc, char** argv) {
//     tessera::Runtime runtime(argc, argv);   // workers stay in here
//     tessera::jobqueue::SlurmCluster cluster(
//         {.cores = 8, .processes = 2, .walltime = "01:00:00",
//          .worker_command = std::filesystem::canonical("/proc/self/exe").string()});
//     cluster.scale(4);                       // 4 workers: 2 jobs of 2 processes
//     auto client = runtime.client();
//     client.wait_for_workers(4, std::chrono::minutes(10));
//     ...                                     // compute
//   }                                         // ~Cluster cancels the jobs
//
// Or let the cluster follow the work: cluster.adapt(0, 16, runtime.client()) submits jobs
// while tasks wait and cancels them once the scheduler has been idle a while.
//
// The cluster's scheduler file is its scheduler_file option, else tessera's scheduler_file
// setting (TESSERA_SCHEDULER_FILE: the file this program's Runtime publishes), else
// ./tessera-scheduler.json; an option that differs from the setting is a ConfigError, since
// the workers would look for another scheduler.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/client.hpp"
#include "tessera/jobqueue/job.hpp"
#include "tessera/jobqueue/job_spec.hpp"
#include "tessera/jobqueue/options.hpp"
#include "tessera/jobqueue/system.hpp"

namespace tessera::jobqueue {

namespace detail {
class WorkerJobs;
}

/// How adapt() grows and shrinks a cluster (as Dask's Adaptive does).
struct AdaptOptions {
  /// How often it looks at the scheduler's load and the jobs.
  std::chrono::milliseconds interval{1000};
  /// Seconds of the remaining tasks' work it aims to give each worker thread: with 1000 tasks
  /// of 0.1 s left and 8 threads per worker, 5 s asks for 3 workers.
  double target_duration = 5.0;
  /// Looks in a row that must call for fewer jobs before it cancels any, so that the pause
  /// between two computations does not let the workers go.
  int wait_count = 3;
};

/// Worker jobs of one batch system, in one or more pools. Use a system's class below.
/// scale, scale_jobs, jobs and close may be called from several threads at once; add pools
/// before that.
class Cluster {
 public:
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;
  /// Closes the cluster (close()); an error is logged (log_event topic "jobqueue") and
  /// written to standard error, not thrown.
  virtual ~Cluster();

  /// The batch system the jobs go to.
  System system() const noexcept { return system_; }
  /// The pools' specs in the order they were added; the first is the pool "default".
  const std::vector<JobSpec>& worker_specs() const noexcept { return specs_; }
  /// The spec of the pool named `pool`; ConfigError naming it if the cluster has none.
  const JobSpec& worker_spec(std::string_view pool) const;
  /// Adds a pool of other jobs (another queue, GPUs, more memory); its options resolve like
  /// the first pool's. ConfigError for a name already used or not made of letters, digits,
  /// '-' and '_', or for a bad option.
  const JobSpec& add_worker_spec(std::string pool, const JobOptions& options);
  /// The job script of the pool named `pool` (empty: the first pool).
  std::string job_script(std::string_view pool = {}) const;

  /// Asks for `workers` worker processes in the first pool: ceil(workers / processes) jobs,
  /// as scale_jobs() makes them. Returns the jobs the pool has pending or running then.
  int scale(int workers);
  /// Makes the jobs of the pool named `pool` (empty: the first) that are pending or running
  /// `jobs`: submits more, or cancels the newest pending ones first, then the newest running
  /// ones. Never more than the pool's max_jobs listed by the batch system: asked for more,
  /// it submits up to the cap, logs that (log_event topic "jobqueue") and returns fewer than
  /// `jobs`. Returns the jobs the pool has pending or running then. Errors of the batch
  /// system's commands name the command line, its exit status and its output; a command
  /// missing from PATH is a ConfigError.
  int scale_jobs(int jobs, std::string_view pool = {});
  /// The cluster's jobs, oldest first, with their states as the batch system lists them now
  /// (one status command). A job that ended (cancelled by hand, walltime, done) is gone, and
  /// stays listed so until the next scale or close.
  std::vector<Job> jobs();
  /// Cancels every job and waits until the batch system lists none of them, at most
  /// `timeout` (TimeoutError naming those left). Stops adapt() and lifetime restarts first.
  /// The cluster can be scaled again after.
  void close(std::chrono::milliseconds timeout = std::chrono::seconds(60));

  /// Grows and shrinks the first pool between `minimum` and `maximum` workers with the work
  /// that `client`'s scheduler has left (AdaptOptions; one worker stays while results are
  /// kept for tasks or futures that need them), from a thread of its own, until
  /// stop_adapt() or close(). Each other pool gets a job while tasks wait for a resource only
  /// it offers, and none once they have not for wait_count looks. Tells the scheduler what
  /// the pools offer, so that a task no pool could run fails at once. Shrinking cancels jobs
  /// (pending ones first); on Slurm a cancelled worker gets SIGTERM and retires, handing its
  /// results over. ConfigError for minimum < 0 or maximum < minimum.
  void adapt(int minimum, int maximum, tessera::Client client, AdaptOptions options = {});
  /// Stops adapting; the jobs stay as they are.
  void stop_adapt();
  /// What the workers of each pool offer to tasks (their resources), for
  /// Client::expect_worker_offers: adapt() says it to the scheduler; after scale(), say it
  /// yourself so that a task no pool could run fails instead of waiting.
  WorkerOffers worker_offers() const;

 protected:
  Cluster(System system, const JobOptions& options);

 private:
  struct Keeper;
  void start_keeper();
  void stop_keeper();
  void keep();
  void keep_once();

  System system_;
  std::vector<JobSpec> specs_;
  std::mutex mutex_;  // guards jobs_ and the keeper's targets
  std::unique_ptr<detail::WorkerJobs> jobs_;
  // Keeps pools at their targets in the background while adapting, or while a pool has
  // lifetime_restart (a replacement job goes in before a worker's lifetime ends).
  std::unique_ptr<Keeper> keeper_;
};

/// Workers in Slurm jobs (sbatch), started by srun unless launcher says otherwise.
class SlurmCluster : public Cluster {
 public:
  explicit SlurmCluster(const JobOptions& options = {});
};

/// Workers in PBS Pro / OpenPBS jobs (qsub, "select" resources).
class PBSCluster : public Cluster {
 public:
  explicit PBSCluster(const JobOptions& options = {});
};

/// Workers in IBM Spectrum LSF jobs (bsub).
class LSFCluster : public Cluster {
 public:
  explicit LSFCluster(const JobOptions& options = {});
};

/// Workers in (Son of) Grid Engine jobs (qsub, a parallel environment for the cores).
class SGECluster : public Cluster {
 public:
  explicit SGECluster(const JobOptions& options = {});
};

}  // namespace tessera::jobqueue
