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

#include <string>
#include <string_view>
#include <vector>

#include "tessera/jobqueue/job_spec.hpp"
#include "tessera/jobqueue/options.hpp"
#include "tessera/jobqueue/system.hpp"

namespace tessera::jobqueue {

/// Worker jobs of one batch system, in one or more pools. Use a system's class below.
class Cluster {
 public:
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;
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

 protected:
  Cluster(System system, const JobOptions& options);

 private:
  System system_;
  std::vector<JobSpec> specs_;
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
