// Elastic clusters on a batch system (needs a Slurm cluster: scripts/slurm-local.sh up). The
// program is its own worker: started alone with TESSERA_SCHEDULER_FILE it is the client and
// scheduler, and submits worker jobs (SlurmCluster) that start this same program with
// TESSERA_ROLE=worker. One JSON line per workload:
//   scale_up            seconds from cluster.scale(W) until client.wait_for_workers(W) returns
//                       (W jobs of one worker each): the median of --repeats runs, the runs in
//                       params. Slurm's own share is apart: "job_start_seconds", from scale()
//                       until the last job script started (it writes the time); the rest,
//                       "startup_seconds", is the workers' start and join. Each run starts
//                       --settle seconds after the jobs before it ended: Slurm starts batch jobs
//                       submitted sooner ~2.5 s late here (bench/elastic_results.md).
//   lost_worker         chains of tasks that each sleep --step-ms (work on a core of their own)
//                       on W workers, run whole ("baseline_seconds") and with one worker
//                       SIGKILLed at --kill-at of the baseline ("how": "sigkill"; and "scancel":
//                       its job cancelled instead). "bound_seconds" is the target: the baseline,
//                       plus the lost worker's share of the work done by the W - 1 left
//                       (baseline / (W - 1)), plus the detection time ("detection_seconds": from
//                       the kill to the scheduler's "was lost" event; for scancel, to the
//                       worker's request to retire, which Slurm's SIGTERM makes).
//   elastic_throughput  --tasks tiny tasks and their pairwise tree reduction on the workers of
//                       2 jobs of --processes workers each (median of --repeats runs).
// The results of every computation are checked. At the end the cluster is closed, and the
// program says on stderr whether Slurm still lists any of its jobs and whether the scheduler
// file is gone.
//
//   TESSERA_SCHEDULER_FILE=/tmp/run/scheduler.json tessera_bench_elastic [--repeats 3]
// bench/run_elastic.sh runs it (with --peer, beside dask-jobqueue's scale_up).

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <tessera/jobqueue/cluster.hpp>
#include <tessera/tessera.hpp>
#include <thread>
#include <vector>

#include "bench_args.hpp"

namespace {

// A step of a chain: `ms` milliseconds of work, then x + 1.
long step(long x, long ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return x + 1;
}
long inc(long x) { return x + 1; }
long add(long a, long b) { return a + b; }

}  // namespace

TESSERA_TASK(step);
TESSERA_TASK(inc);
TESSERA_TASK(add);

namespace {

namespace fs = std::filesystem;
namespace jq = tessera::jobqueue;
using namespace std::chrono_literals;
using Seconds = std::chrono::duration<double>;

// Where workers write their process ids (one empty file per worker, named by its pid), so
// that the benchmark can SIGKILL one; set in the job scripts' prologue.
constexpr const char* pid_directory_variable = "TESSERA_BENCH_PID_DIR";

struct Options {
  int repeats = 3;
  int workers = 4;
  int chains = 48;
  int steps = 25;
  long step_ms = 20;
  double kill_at = 0.5;
  double settle = 3;
  long tasks = 200000;
  int processes = 1;
  std::vector<std::string> workloads{"scale_up", "lost_worker", "elastic_throughput"};
};

const bench::Args args(
    "tessera_bench_elastic",
    "usage: TESSERA_SCHEDULER_FILE=FILE tessera_bench_elastic [--repeats 3] [--workers 4]\n"
    "         [--chains 48] [--steps 25] [--step-ms 20] [--kill-at 0.5] [--tasks 200000]\n"
    "         [--processes 1] [--settle 3] [--workloads scale_up,lost_worker,elastic_throughput]\n"
    "Needs a Slurm cluster (scripts/slurm-local.sh up); bench/run_elastic.sh runs it.\n");

Options parse(int argc, char** argv) {
  Options o;
  args.parse(argc, argv, [&](const std::string& flag, const std::string& value) {
    if (flag == "--repeats") {
      o.repeats = static_cast<int>(args.integer(flag, value, 1));
    } else if (flag == "--workers") {
      o.workers = static_cast<int>(args.integer(flag, value, 2));
    } else if (flag == "--chains") {
      o.chains = static_cast<int>(args.integer(flag, value, 1));
    } else if (flag == "--steps") {
      o.steps = static_cast<int>(args.integer(flag, value, 1));
    } else if (flag == "--step-ms") {
      o.step_ms = args.integer(flag, value, 0);
    } else if (flag == "--kill-at") {
      o.kill_at = args.positive(flag, value);
      if (o.kill_at >= 1) args.usage("--kill-at must be a fraction of the baseline below 1");
    } else if (flag == "--tasks") {
      o.tasks = args.integer(flag, value, 1);
    } else if (flag == "--settle") {
      o.settle = args.positive(flag, value);
    } else if (flag == "--processes") {
      o.processes = static_cast<int>(args.integer(flag, value, 1));
    } else if (flag == "--workloads") {
      o.workloads = bench::Args::list(value);
      for (const auto& w : o.workloads) {
        if (w != "scale_up" && w != "lost_worker" && w != "elastic_throughput") {
          args.usage("--workloads: unknown workload " + w);
        }
      }
    } else {
      return false;
    }
    return true;
  });
  return o;
}

bool wants(const Options& o, const std::string& workload) {
  return std::find(o.workloads.begin(), o.workloads.end(), workload) != o.workloads.end();
}

double median(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  const std::size_t n = xs.size();
  return n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

std::string json_list(const std::vector<double>& xs) {
  std::string text = "[";
  for (std::size_t i = 0; i < xs.size(); ++i) {
    char number[32];
    std::snprintf(number, sizeof number, "%s%.3f", i ? "," : "", xs[i]);
    text += number;
  }
  return text + "]";
}

// The output of a shell command (a fixed one, built from job ids).
std::string shell(const std::string& command) {
  std::string output;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
    pclose(pipe);
  }
  return output;
}

// Waits until the scheduler counts no worker (they leave once their jobs are cancelled).
void wait_for_no_workers(const tessera::Client& client) {
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (client.workers() > 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw tessera::TimeoutError("tessera_bench_elastic: " + std::to_string(client.workers()) +
                                  " workers still connected 120 s after their jobs ended");
    }
    std::this_thread::sleep_for(50ms);
  }
}

// A cluster's jobs, and every job id it ever had (to check that Slurm lists none at the end).
class Jobs {
 public:
  Jobs(jq::SlurmCluster& cluster, const tessera::Client& client)
      : cluster_(cluster), client_(client) {}

  void scale(int workers) {
    cluster_.scale(workers);
    remember();
  }
  void scale_jobs(int jobs, const std::string& pool) {
    cluster_.scale_jobs(jobs, pool);
    remember();
  }
  // Cancels every job, waits until Slurm lists none and every worker has left.
  void close() {
    cluster_.close(120s);
    wait_for_no_workers(client_);
  }
  const std::vector<jq::Job>& current() {
    jobs_ = cluster_.jobs();
    return jobs_;
  }
  std::string ids() const {
    std::string list;
    for (const auto& id : ids_) list += (list.empty() ? "" : ",") + id;
    return list;
  }

 private:
  void remember() {
    for (const auto& job : cluster_.jobs()) {
      if (std::find(ids_.begin(), ids_.end(), job.id) == ids_.end()) ids_.push_back(job.id);
    }
  }
  jq::SlurmCluster& cluster_;
  const tessera::Client& client_;
  std::vector<jq::Job> jobs_;
  std::vector<std::string> ids_;
};

double unix_seconds() {
  return Seconds(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The latest time (Unix seconds) at which a job script wrote its start into `directory`.
double last_job_start(const fs::path& directory) {
  double last = 0;
  for (const auto& entry : fs::directory_iterator(directory)) {
    double start = 0;
    std::ifstream(entry.path()) >> start;
    last = std::max(last, start);
  }
  return last;
}

void scale_up(const Options& o, Jobs& jobs, const tessera::Client& client,
              const fs::path& start_directory) {
  std::vector<double> runs, submits, job_starts;
  for (int r = 0; r < o.repeats; ++r) {
    for (const auto& entry : fs::directory_iterator(start_directory)) fs::remove(entry.path());
    std::this_thread::sleep_for(Seconds(o.settle));
    const double start_unix = unix_seconds();
    const auto start = std::chrono::steady_clock::now();
    jobs.scale(o.workers);
    submits.push_back(Seconds(std::chrono::steady_clock::now() - start).count());
    client.wait_for_workers(static_cast<std::size_t>(o.workers), 5min);
    runs.push_back(Seconds(std::chrono::steady_clock::now() - start).count());
    job_starts.push_back(last_job_start(start_directory) - start_unix);
    jobs.close();
  }
  std::vector<double> startups(runs.size());
  for (std::size_t i = 0; i < runs.size(); ++i) startups[i] = runs[i] - job_starts[i];
  const double seconds = median(runs);
  std::printf(
      "{\"workload\":\"scale_up\",\"engine\":\"tessera\",\"params\":{\"workers\":%d,\"jobs\":%d,"
      "\"processes_per_job\":1,\"runs\":%s,\"submit_seconds\":%s,\"job_start_seconds\":%s,"
      "\"startup_seconds\":%s,\"median_startup_seconds\":%.3f,\"settle_seconds\":%.1f},\"seconds\":"
      "%.3f,"
      "\"rate\":%.3f}\n",
      o.workers, o.workers, json_list(runs).c_str(), json_list(submits).c_str(),
      json_list(job_starts).c_str(), json_list(startups).c_str(), median(startups), o.settle,
      seconds, o.workers / seconds);
  std::fflush(stdout);
}

// Chains of `steps` steps, chain c starting at `salt` + c (a new salt makes new keys, so no
// result of an earlier run is reused); true if every chain ends where it should.
bool run_chains(const Options& o, long salt) {
  std::vector<tessera::Delayed<long>> ends;
  auto d_step = tessera::delayed(step);
  for (int c = 0; c < o.chains; ++c) {
    auto link = d_step(salt + c, o.step_ms);
    for (int s = 1; s < o.steps; ++s) link = d_step(link, o.step_ms);
    ends.push_back(link);
  }
  const auto values = tessera::compute(ends);
  bool right = values.size() == static_cast<std::size_t>(o.chains);
  for (int c = 0; right && c < o.chains; ++c) right = values[c] == salt + c + o.steps;
  return right;
}

// The live worker processes that wrote their pid into `directory`.
std::vector<pid_t> worker_pids(const fs::path& directory) {
  std::vector<pid_t> pids;
  for (const auto& entry : fs::directory_iterator(directory)) {
    const pid_t pid = static_cast<pid_t>(std::stol(entry.path().filename().string()));
    if (kill(pid, 0) == 0) pids.push_back(pid);
  }
  return pids;
}

// Seconds from `since` (wall_time) to the scheduler's first event after it that says `what`
// ("was lost": it noticed a dead worker; "retires": a cancelled one asked to leave), as JSON;
// null if none came.
std::string detection_seconds(double since, const std::string& what) {
  for (const auto& event : tessera::get_events("elastic")) {
    if (event.time >= since && event.message.find(what) != std::string::npos) {
      char number[32];
      std::snprintf(number, sizeof number, "%.4f", event.time - since);
      return number;
    }
  }
  return "null";
}

void lost_worker(const Options& o, Jobs& jobs, const tessera::Client& client,
                 const fs::path& pid_directory) {
  const auto start_workers = [&] {
    for (const auto& entry : fs::directory_iterator(pid_directory)) fs::remove(entry.path());
    jobs.scale(o.workers);
    client.wait_for_workers(static_cast<std::size_t>(o.workers), 5min);
  };
  const auto timed = [&](long salt) {
    const auto start = std::chrono::steady_clock::now();
    const bool right = run_chains(o, salt);
    const double seconds = Seconds(std::chrono::steady_clock::now() - start).count();
    if (!right) {
      std::fprintf(stderr, "tessera_bench_elastic: lost_worker: WRONG results (salt %ld)\n", salt);
      std::exit(1);
    }
    return seconds;
  };

  start_workers();
  timed(1000000);  // warm-up: the workers' first tasks
  const double baseline = timed(2000000);
  const double work = static_cast<double>(o.chains) * o.steps * o.step_ms / 1000.0;
  long salt = 3000000;
  for (const std::string how : {"sigkill", "scancel"}) {
    const double killed_at = baseline * o.kill_at;
    std::atomic<double> killed_wall{0};
    std::string victim;
    std::thread killer([&] {
      std::this_thread::sleep_for(Seconds(killed_at));
      if (how == "sigkill") {
        const auto pids = worker_pids(pid_directory);
        if (pids.empty()) return;
        victim = "pid " + std::to_string(pids.front());
        killed_wall = tessera::wall_time();
        kill(pids.front(), SIGKILL);
      } else {
        const std::string id = jobs.current().front().id;
        victim = "job " + id;
        killed_wall = tessera::wall_time();
        shell("scancel " + id);
      }
    });
    const double seconds = timed(salt);
    salt += 1000000;
    killer.join();
    if (killed_wall == 0) {
      std::fprintf(stderr, "tessera_bench_elastic: lost_worker: found no worker to %s\n",
                   how.c_str());
      std::exit(1);
    }
    const std::string detection =
        detection_seconds(killed_wall, how == "sigkill" ? "was lost" : " retires");
    const double bound =
        baseline + baseline / (o.workers - 1) + (detection == "null" ? 0 : std::stod(detection));
    std::fprintf(stderr, "tessera_bench_elastic: lost_worker (%s of %s at %.2f s): %.3f s\n",
                 how.c_str(), victim.c_str(), killed_at, seconds);
    std::printf(
        "{\"workload\":\"lost_worker\",\"engine\":\"tessera\",\"params\":{\"how\":\"%s\","
        "\"workers\":%d,\"chains\":%d,\"tasks\":%d,\"step_ms\":%ld,\"work_seconds\":%.3f,"
        "\"killed_at\":%.3f,\"baseline_seconds\":%.3f,\"detection_seconds\":%s,"
        "\"bound_seconds\":%.3f,\"within_bound\":%s,\"results_right\":true},\"seconds\":%.3f,"
        "\"rate\":%.1f}\n",
        how.c_str(), o.workers, o.chains, o.chains * o.steps, o.step_ms, work, killed_at, baseline,
        detection.c_str(), bound, seconds <= bound ? "true" : "false", seconds,
        o.chains * o.steps / seconds);
    std::fflush(stdout);
    jobs.close();
    if (how == "sigkill") start_workers();
  }
}

tessera::Delayed<long> tree(long n) {
  auto d_inc = tessera::delayed(inc);
  auto d_add = tessera::delayed(add);
  std::vector<tessera::Delayed<long>> level;
  level.reserve(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i) level.push_back(d_inc(i));
  while (level.size() > 1) {
    std::size_t half = level.size() / 2;
    for (std::size_t i = 0; i < half; ++i) level[i] = d_add(level[2 * i], level[2 * i + 1]);
    if (level.size() % 2) level[half++] = level.back();
    level.erase(level.begin() + static_cast<std::ptrdiff_t>(half), level.end());
  }
  return level.front();
}

void elastic_throughput(const Options& o, Jobs& jobs, tessera::Client& client) {
  constexpr int job_count = 2;
  jobs.scale_jobs(job_count, "throughput");
  client.wait_for_workers(static_cast<std::size_t>(job_count * o.processes), 5min);
  const long expected = o.tasks * (o.tasks - 1) / 2 + o.tasks;
  const double tasks = 2.0 * static_cast<double>(o.tasks) - 1.0;
  std::vector<double> runs;
  for (int r = 0; r < o.repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    const long result = client.compute(tree(o.tasks)).result();
    runs.push_back(Seconds(std::chrono::steady_clock::now() - start).count());
    if (result != expected) {
      std::fprintf(stderr, "tessera_bench_elastic: elastic_throughput: WRONG result %ld (%ld)\n",
                   result, expected);
      std::exit(1);
    }
  }
  const double seconds = median(runs);
  std::printf(
      "{\"workload\":\"elastic_throughput\",\"engine\":\"tessera\",\"params\":{\"n\":%ld,"
      "\"tasks\":%.0f,\"jobs\":%d,\"processes_per_job\":%d,\"workers\":%zu,\"runs\":%s},"
      "\"seconds\":%.3f,\"rate\":%.0f}\n",
      o.tasks, tasks, job_count, o.processes, client.workers(), json_list(runs).c_str(), seconds,
      tasks / seconds);
  std::fflush(stdout);
  jobs.close();
}

// In a worker, before it joins: its pid for the benchmark to find.
void announce_worker() {
  const char* role = std::getenv("TESSERA_ROLE");
  const char* directory = std::getenv(pid_directory_variable);
  if (!role || std::string(role) != "worker" || !directory) return;
  std::ofstream(fs::path(directory) / std::to_string(getpid()));
}

}  // namespace

int main(int argc, char** argv) {
  announce_worker();
  const char* file = std::getenv("TESSERA_SCHEDULER_FILE");
  if (!file || !*file) {
    args.usage("TESSERA_SCHEDULER_FILE must name the scheduler file the worker jobs will read");
  }
  const fs::path scheduler_file = fs::absolute(file);
  const fs::path work = scheduler_file.parent_path();
  const fs::path pid_directory = work / "pids";
  const fs::path log_directory = work / "logs";
  const fs::path start_directory = work / "starts";
  fs::create_directories(start_directory);
  fs::create_directories(pid_directory);
  fs::create_directories(log_directory);

  auto runtime = std::make_unique<tessera::Runtime>(argc, argv);  // workers stay in here
  const Options o = parse(argc, argv);
  auto client = runtime->client();
  std::string ids;
  {
    const std::string self = fs::canonical("/proc/self/exe").string();
    jq::SlurmCluster cluster(
        {.cores = 1,
         .processes = 1,
         .memory = "1GB",
         .walltime = "00:10:00",
         .job_name = "tessera-bench",
         .job_script_prologue = {{std::string("export ") + pid_directory_variable + "=" +
                                      pid_directory.string(),
                                  "date +%s.%N > " + start_directory.string() + "/$SLURM_JOB_ID"}},
         .log_directory = log_directory.string(),
         .death_timeout = "60",
         .worker_command = self,
         .scheduler_file = scheduler_file.string()});
    cluster.add_worker_spec("throughput", {.cores = o.processes,
                                           .processes = o.processes,
                                           .memory = "1GB",
                                           .walltime = "00:10:00",
                                           .job_name = "tessera-bench",
                                           .log_directory = log_directory.string(),
                                           .death_timeout = "60",
                                           .worker_command = self,
                                           .scheduler_file = scheduler_file.string()});
    Jobs jobs(cluster, client);
    if (wants(o, "scale_up")) scale_up(o, jobs, client, start_directory);
    if (wants(o, "lost_worker")) lost_worker(o, jobs, client, pid_directory);
    if (wants(o, "elastic_throughput")) elastic_throughput(o, jobs, client);
    jobs.close();
    ids = jobs.ids();
  }
  runtime.reset();  // removes the scheduler file

  const std::string listed =
      ids.empty() ? "" : shell("squeue --noheader --format='%i %T' --jobs=" + ids + " 2>/dev/null");
  const bool file_left = fs::exists(scheduler_file);
  std::fprintf(stderr,
               "tessera_bench_elastic: closed: Slurm lists %s of its jobs (%s); the scheduler "
               "file is %s\n",
               listed.empty() ? "none" : "some", ids.c_str(), file_left ? "LEFT" : "gone");
  if (!listed.empty()) std::fprintf(stderr, "%s", listed.c_str());
  return listed.empty() && !file_left ? 0 : 1;
}
