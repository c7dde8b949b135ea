#include "scaling/worker_jobs.hpp"

#include <algorithm>
#include <thread>

#include "tessera/errors.hpp"
#include "tessera/events.hpp"

namespace tessera::jobqueue::detail {
namespace {

bool active(const Job& job) {
  return job.state == JobState::pending || job.state == JobState::running;
}

}  // namespace

void WorkerJobs::refresh() {
  std::vector<std::string> ids;
  for (const Job& job : jobs_) {
    if (job.state != JobState::gone) ids.push_back(job.id);
  }
  const Listing listing = batch_.states(ids);
  for (Job& job : jobs_) {
    if (job.state == JobState::gone) continue;
    const auto found = listing.find(job.id);
    if (found == listing.end() || found->second == JobState::gone) {
      job.state = JobState::gone;
    } else if (job.state != JobState::cancelling) {
      job.state = found->second;
    }
  }
}

void WorkerJobs::forget_gone() {
  std::erase_if(jobs_, [](const Job& job) { return job.state == JobState::gone; });
}

const Job& WorkerJobs::submit(const JobSpec& spec) {
  jobs_.push_back({batch_.submit(job_script(spec)), spec.pool, JobState::pending});
  log_event("jobqueue", "submitted " + std::string(to_string(spec.system)) + " job " +
                            jobs_.back().id + " (pool " + spec.pool + ")");
  return jobs_.back();
}

int WorkerJobs::count(std::string_view pool, bool with_cancelling) const {
  return static_cast<int>(std::count_if(jobs_.begin(), jobs_.end(), [&](const Job& job) {
    return job.pool == pool &&
           (active(job) || (with_cancelling && job.state == JobState::cancelling));
  }));
}

int WorkerJobs::scale(const JobSpec& spec, int wanted) {
  if (wanted < 0) {
    throw ConfigError("jobqueue: scale to " + std::to_string(wanted) +
                      " jobs: expected a number >= 0");
  }
  refresh();
  forget_gone();
  const int now = count(spec.pool, false);
  if (wanted > now) {
    int more = wanted - now;
    if (spec.max_jobs > 0)
      more = std::min(more, std::max(0, spec.max_jobs - count(spec.pool, true)));
    for (int i = 0; i < more; ++i) submit(spec);
    if (now + more < wanted) {
      log_event("jobqueue", "pool " + spec.pool + ": asked for " + std::to_string(wanted) +
                                " jobs, but max_jobs is " + std::to_string(spec.max_jobs) + ": " +
                                std::to_string(now + more) +
                                " pending or running (jobs being cancelled count until gone)");
    }
    return now + more;
  }
  // Pending jobs go first (they hold no workers yet), the newest of each kind first.
  std::vector<std::string> victims;
  for (JobState kind : {JobState::pending, JobState::running}) {
    for (auto job = jobs_.rbegin(); job != jobs_.rend(); ++job) {
      if (job->pool == spec.pool && job->state == kind &&
          static_cast<int>(victims.size()) < now - wanted) {
        victims.push_back(job->id);
      }
    }
  }
  cancel(victims);
  return wanted;
}

void WorkerJobs::cancel(const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  try {
    batch_.cancel(ids);
  } catch (const Error&) {
    // The command also fails when a job ended just before it; only a job still there is
    // a failure.
    refresh();
    for (const Job& job : jobs_) {
      if (active(job) && std::find(ids.begin(), ids.end(), job.id) != ids.end()) throw;
    }
  }
  for (Job& job : jobs_) {
    if (active(job) && std::find(ids.begin(), ids.end(), job.id) != ids.end()) {
      job.state = JobState::cancelling;
    }
  }
  std::string list;
  for (const std::string& id : ids) list.append(list.empty() ? "" : " ").append(id);
  log_event("jobqueue", "cancelled " + std::string(to_string(batch_.system())) + " jobs " + list);
}

void WorkerJobs::close(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  refresh();
  std::vector<std::string> ids;
  for (const Job& job : jobs_) {
    if (active(job)) ids.push_back(job.id);
  }
  cancel(ids);
  auto pause = std::chrono::milliseconds(100);
  while (true) {
    refresh();
    forget_gone();
    if (jobs_.empty()) return;
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string left;
      for (const Job& job : jobs_) {
        left.append(left.empty() ? "" : ", ").append(job.id).append(" (");
        left.append(to_string(job.state)).append(")");
      }
      throw TimeoutError("jobqueue: closing the cluster: the batch system still lists jobs " +
                         left + " after " + std::to_string(timeout.count()) +
                         " ms; cancel them by hand");
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(1000));
  }
}

}  // namespace tessera::jobqueue::detail
