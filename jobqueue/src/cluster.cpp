#include "tessera/jobqueue/cluster.hpp"

#include <algorithm>
#include <cctype>

#include "tessera/errors.hpp"

namespace tessera::jobqueue {

Cluster::Cluster(System system, const JobOptions& options) : system_(system) {
  specs_.push_back(resolve_job_spec(system, options, "default"));
}

Cluster::~Cluster() = default;

const JobSpec& Cluster::worker_spec(std::string_view pool) const {
  for (const JobSpec& spec : specs_) {
    if (spec.pool == pool) return spec;
  }
  std::string known;
  for (const JobSpec& spec : specs_) known += (known.empty() ? "" : ", ") + spec.pool;
  throw ConfigError("jobqueue: worker pool \"" + std::string(pool) +
                    "\" is not in this cluster (its pools: " + known + ")");
}

const JobSpec& Cluster::add_worker_spec(std::string pool, const JobOptions& options) {
  const bool good_name = !pool.empty() && std::all_of(pool.begin(), pool.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
  if (!good_name) {
    throw ConfigError("jobqueue: worker pool name \"" + pool +
                      "\": expected letters, digits, '-' and '_'");
  }
  for (const JobSpec& spec : specs_) {
    if (spec.pool == pool) {
      throw ConfigError("jobqueue: worker pool \"" + pool + "\" is already in this cluster");
    }
  }
  specs_.push_back(resolve_job_spec(system_, options, std::move(pool)));
  return specs_.back();
}

std::string Cluster::job_script(std::string_view pool) const {
  return jobqueue::job_script(pool.empty() ? specs_.front() : worker_spec(pool));
}

SlurmCluster::SlurmCluster(const JobOptions& options) : Cluster(System::slurm, options) {}
PBSCluster::PBSCluster(const JobOptions& options) : Cluster(System::pbs, options) {}
LSFCluster::LSFCluster(const JobOptions& options) : Cluster(System::lsf, options) {}
SGECluster::SGECluster(const JobOptions& options) : Cluster(System::sge, options) {}

}  // namespace tessera::jobqueue
