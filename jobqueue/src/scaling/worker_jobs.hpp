#pragma once
// The worker jobs a cluster has submitted, and the rules that grow, shrink and close them:
// max_jobs caps what each pool has queued or running; shrinking cancels the newest pending
// jobs first, then the newest running ones. Used by Cluster and by tessera-jobqueue (which
// keeps the jobs in a state file between its runs).

#include <chrono>
#include <string_view>
#include <vector>

#include "commands/batch_system.hpp"
#include "tessera/jobqueue/job.hpp"
#include "tessera/jobqueue/job_spec.hpp"

namespace tessera::jobqueue::detail {

/// The jobs of one cluster, oldest first.
class WorkerJobs {
 public:
  explicit WorkerJobs(System system) : batch_(system) {}

  /// The jobs as last seen, in the order submitted (gone ones until forget_gone()).
  const std::vector<Job>& jobs() const noexcept { return jobs_; }
  /// Takes over a job submitted earlier (read from a state file).
  void adopt(Job job) { jobs_.push_back(std::move(job)); }
  /// Asks the batch system where each job not gone stands.
  void refresh();
  /// Drops the jobs that are gone.
  void forget_gone();
  /// Submits one job of `spec` (no cap applies); returns it.
  const Job& submit(const JobSpec& spec);
  /// Makes the jobs of `spec`'s pool that are pending or running `count` (refreshing
  /// first): submits more, at most up to max_jobs listed (cancelling ones count, since the
  /// batch system still holds them), or cancels the newest pending, then the newest running.
  /// Returns the pool's pending and running jobs afterwards; when max_jobs stops it short,
  /// says so with log_event("jobqueue", ...).
  int scale(const JobSpec& spec, int count);
  /// Cancels every job and waits, polling, until the batch system lists none of them;
  /// TimeoutError naming those left after `timeout`. The jobs are forgotten then.
  void close(std::chrono::milliseconds timeout);

 private:
  void cancel(const std::vector<std::string>& ids);
  int count(std::string_view pool, bool with_cancelling) const;

  BatchSystem batch_;
  std::vector<Job> jobs_;
};

}  // namespace tessera::jobqueue::detail
