#include "tessera/jobqueue/cluster.hpp"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>

#include "scaling/adaptive.hpp"
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

struct Cluster::Keeper {
  std::thread thread;
  std::mutex mutex;  // guards stop and wake
  std::condition_variable wake;
  bool stop = false;
  // Under Cluster::mutex_:
  std::map<std::string, int> targets;    // jobs per pool, pending or running
  std::map<std::string, int> shrinking;  // looks in a row that called for fewer jobs
  std::map<std::string, std::chrono::steady_clock::time_point> running_since;  // by job id
  struct Adapting {
    int minimum = 0;
    int maximum = 0;
    tessera::Client client;
    AdaptOptions options;
  };
  std::optional<Adapting> adapting;
  std::chrono::milliseconds interval{1000};
};

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
  int now = 0;
  {
    std::lock_guard lock(mutex_);
    now = jobs_->scale(spec, jobs);
    if (keeper_) keeper_->targets[spec.pool] = jobs;
  }
  if (spec.lifetime_restart && spec.lifetime.count() > 0) {
    start_keeper();
    std::lock_guard lock(mutex_);
    keeper_->targets[spec.pool] = jobs;
  }
  return now;
}

void Cluster::adapt(int minimum, int maximum, tessera::Client client, AdaptOptions options) {
  if (minimum < 0 || maximum < minimum) {
    throw ConfigError("jobqueue: adapt(" + std::to_string(minimum) + ", " +
                      std::to_string(maximum) + "): expected 0 <= minimum <= maximum workers");
  }
  client.expect_worker_offers(worker_offers());
  start_keeper();
  {
    std::lock_guard lock(mutex_);
    keeper_->adapting = Keeper::Adapting{minimum, maximum, std::move(client), options};
    keeper_->interval = options.interval;
  }
  std::lock_guard lock(keeper_->mutex);
  keeper_->wake.notify_all();
}

WorkerOffers Cluster::worker_offers() const {
  WorkerOffers offers;
  for (const JobSpec& spec : specs_) offers.push_back(detail::offered_resources(spec));
  return offers;
}

void Cluster::stop_adapt() {
  std::lock_guard lock(mutex_);
  if (keeper_) keeper_->adapting.reset();
}

void Cluster::start_keeper() {
  std::lock_guard lock(mutex_);
  if (keeper_) return;
  keeper_ = std::make_unique<Keeper>();
  keeper_->thread = std::thread([this] { keep(); });
}

void Cluster::stop_keeper() {
  Keeper* keeper = nullptr;
  {
    std::lock_guard lock(mutex_);
    keeper = keeper_.get();
  }
  if (!keeper) return;
  {
    std::lock_guard lock(keeper->mutex);
    keeper->stop = true;
  }
  keeper->wake.notify_all();
  keeper->thread.join();
  std::lock_guard lock(mutex_);
  keeper_.reset();
}

void Cluster::keep() {
  for (;;) {
    try {
      keep_once();
    } catch (const std::exception& error) {  // a batch command failed: tried again next time
      log_event("jobqueue", std::string("keeping the cluster's jobs: ") + error.what());
    }
    std::chrono::milliseconds interval{1000};
    {
      std::lock_guard targets(mutex_);
      interval = keeper_->interval;
    }
    std::unique_lock lock(keeper_->mutex);
    if (keeper_->wake.wait_for(lock, interval, [this] { return keeper_->stop; })) return;
  }
}

void Cluster::keep_once() {
  std::optional<SchedulerLoad> load;
  std::optional<Keeper::Adapting> adapting;
  {
    std::lock_guard lock(mutex_);
    adapting = keeper_->adapting;
  }
  if (adapting) load = adapting->client.scheduler_load();
  std::lock_guard lock(mutex_);
  auto& keeper = *keeper_;
  jobs_->refresh();
  const auto now = std::chrono::steady_clock::now();
  for (const Job& job : jobs_->jobs()) {
    if (job.state == JobState::running) keeper.running_since.try_emplace(job.id, now);
  }
  for (const JobSpec& spec : specs_) {
    int live = 0;
    for (const Job& job : jobs_->jobs()) {
      live += job.pool == spec.pool &&
              (job.state == JobState::pending || job.state == JobState::running);
    }
    int target = keeper.targets[spec.pool];
    if (load && keeper.adapting) {
      const auto& a = *keeper.adapting;
      const bool first = spec.pool == specs_.front().pool;
      const int wanted = first ? detail::adaptive_jobs(*load, spec, a.minimum, a.maximum, a.options)
                               : (detail::pool_wanted(*load, spec) ? std::max(1, live) : 0);
      if (wanted >= live) {
        keeper.shrinking[spec.pool] = 0;
        target = wanted;
      } else if (++keeper.shrinking[spec.pool] >= a.options.wait_count) {
        keeper.shrinking[spec.pool] = 0;
        target = wanted;
      } else {
        target = live;
      }
      keeper.targets[spec.pool] = target;
    }
    // Workers near the end of their lifetimes: their replacements go in now.
    if (spec.lifetime_restart && spec.lifetime.count() > 0) {
      const auto replace_after = spec.lifetime - detail::replacement_lead(spec);
      for (const Job& job : jobs_->jobs()) {
        if (job.pool != spec.pool || job.state != JobState::running) continue;
        if (now - keeper.running_since[job.id] >= replace_after) ++target;
      }
    }
    if (target != live) jobs_->scale(spec, target);
  }
}

std::vector<Job> Cluster::jobs() {
  std::lock_guard lock(mutex_);
  jobs_->refresh();
  return jobs_->jobs();
}

void Cluster::close(std::chrono::milliseconds timeout) {
  stop_keeper();
  std::lock_guard lock(mutex_);
  jobs_->close(timeout);
}

SlurmCluster::SlurmCluster(const JobOptions& options) : Cluster(System::slurm, options) {}
PBSCluster::PBSCluster(const JobOptions& options) : Cluster(System::pbs, options) {}
LSFCluster::LSFCluster(const JobOptions& options) : Cluster(System::lsf, options) {}
SGECluster::SGECluster(const JobOptions& options) : Cluster(System::sge, options) {}

}  // namespace tessera::jobqueue
