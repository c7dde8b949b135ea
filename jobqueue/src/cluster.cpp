#include "tessera/jobqueue/cluster.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>

#include "scaling/worker_jobs.hpp"
#include "tessera/config.hpp"
#include "tessera/errors.hpp"
#include "tessera/events.hpp"

namespace tessera::jobqueue {
namespace {

// A program that is an elastic scheduler publishes the file of its scheduler_file setting;
// workers told another file would wait for a scheduler that never comes.
void check_scheduler_file(const JobSpec& spec) {
  const std::string setting = config::get("scheduler_file");
  if (setting.empty()) return;
  const auto published = std::filesystem::absolute(setting).lexically_normal();
  if (std::filesystem::path(spec.scheduler_file).lexically_normal() == published) return;
  throw ConfigError("jobqueue: scheduler_file of pool \"" + spec.pool + "\" is \"" +
                    spec.scheduler_file +
                    "\", but tessera's scheduler_file setting "
                    "(TESSERA_SCHEDULER_FILE) is \"" +
                    setting +
                    "\": the workers would not find this program's scheduler; leave the "
                    "option out or give both the same file");
}

}  // namespace

Cluster::Cluster(System system, const JobOptions& options)
    : system_(system), jobs_(std::make_unique<detail::WorkerJobs>(system)) {
  specs_.push_back(resolve_job_spec(system, options, "default"));
  check_scheduler_file(specs_.back());
}

Cluster::~Cluster() {
  try {
    close();
  } catch (const std::exception& error) {
    log_event("jobqueue", std::string("closing the cluster failed: ") + error.what());
    std::fprintf(stderr, "tessera: closing the jobqueue cluster failed: %s\n", error.what());
  }
}

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
  JobSpec spec = resolve_job_spec(system_, options, std::move(pool));
  check_scheduler_file(spec);
  if (spec.scheduler_file != specs_.front().scheduler_file) {
    throw ConfigError("jobqueue: scheduler_file of pool \"" + spec.pool + "\" is \"" +
                      spec.scheduler_file + "\", but the cluster's workers join through \"" +
                      specs_.front().scheduler_file + "\": every pool joins one scheduler");
  }
  specs_.push_back(std::move(spec));
  return specs_.back();
}

std::string Cluster::job_script(std::string_view pool) const {
  return jobqueue::job_script(pool.empty() ? specs_.front() : worker_spec(pool));
}

int Cluster::scale(int workers) {
  if (workers < 0) {
    throw ConfigError("jobqueue: scale to " + std::to_string(workers) +
                      " workers: expected a number >= 0");
  }
  const int processes = specs_.front().processes;
  return scale_jobs((workers + processes - 1) / processes);
}

int Cluster::scale_jobs(int jobs, std::string_view pool) {
  const JobSpec spec = pool.empty() ? specs_.front() : worker_spec(pool);
  std::lock_guard lock(mutex_);
  return jobs_->scale(spec, jobs);
}

std::vector<Job> Cluster::jobs() {
  std::lock_guard lock(mutex_);
  jobs_->refresh();
  return jobs_->jobs();
}

void Cluster::close(std::chrono::milliseconds timeout) {
  std::lock_guard lock(mutex_);
  jobs_->close(timeout);
}

SlurmCluster::SlurmCluster(const JobOptions& options) : Cluster(System::slurm, options) {}
PBSCluster::PBSCluster(const JobOptions& options) : Cluster(System::pbs, options) {}
LSFCluster::LSFCluster(const JobOptions& options) : Cluster(System::lsf, options) {}
SGECluster::SGECluster(const JobOptions& options) : Cluster(System::sge, options) {}

}  // namespace tessera::jobqueue
