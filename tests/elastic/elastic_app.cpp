// A program of an elastic cluster, as a user writes one: started alone with
// TESSERA_SCHEDULER_FILE it is the client and scheduler; started with TESSERA_ROLE=worker
// (and the same file) it is a worker that joins it. The client checks every result itself and
// exits non-zero on a wrong one (tests/elastic/run_elastic.sh runs it).
//
//   elastic_app --workers N [--rounds R] [--long-seconds S] [--adapt-slurm MAX]
//               [--slurm-jobs J [--lifetime S --stagger S]]
//
// --long-seconds runs, first, chains of slow tasks on 1 MiB blocks that take about S seconds
// on N workers, so that a test can kill a worker half way (the results must still be right).
// --adapt-slurm makes the workers itself: a SlurmCluster of this program's jobs that adapts
// between 0 and MAX workers; it checks that the jobs grew while there was work, that all but
// one (kept for the results its futures hold) are gone once the cluster has been idle, and
// that close() ends the last one promptly. --slurm-jobs submits J jobs of its own workers
// (with lifetimes that restart, given --lifetime) and closes them at the end.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <numeric>
#include <string>
#include <tessera/jobqueue/cluster.hpp>
#include <tessera/tessera.hpp>
#include <thread>
#include <vector>

namespace {

long square(long x) { return x * x; }
long add(long a, long b) { return a + b; }
// A 1 MiB block, so that results move between workers as large messages.
std::vector<double> block(int i) { return std::vector<double>(131072, static_cast<double>(i)); }
double block_sum(const std::vector<double>& a, const std::vector<double>& b) {
  return std::accumulate(a.begin(), a.end(), 0.0) + std::accumulate(b.begin(), b.end(), 0.0);
}
int where() { return tessera::this_rank(); }
// A slow step of a chain: 20 ms, then the block plus one.
std::vector<double> slow_step(const std::vector<double>& block) {
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto next = block;
  for (auto& x : next) x += 1.0;
  return next;
}
double total(const std::vector<double>& a) { return std::accumulate(a.begin(), a.end(), 0.0); }
int fails(int x) {
  if (x == 3) throw std::runtime_error("three is not allowed");
  return x;
}
TESSERA_TASK(square);
TESSERA_TASK(add);
TESSERA_TASK(block);
TESSERA_TASK(block_sum);
TESSERA_TASK(where);
TESSERA_TASK(fails);
TESSERA_TASK(slow_step);
TESSERA_TASK(total);

int failures = 0;
void check(bool ok, const std::string& what) {
  std::printf("%s: %s\n", ok ? "ok" : "WRONG", what.c_str());
  std::fflush(stdout);
  if (!ok) ++failures;
}

}  // namespace

int main(int argc, char** argv) {
  tessera::Runtime runtime(argc, argv);  // a worker never returns from here
  std::size_t workers = 2;
  int rounds = 1;
  double long_seconds = 0;
  int adapt_maximum = 0;
  int slurm_jobs = 0;
  std::string lifetime;
  std::string stagger = "0";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--workers") workers = std::strtoul(argv[i + 1], nullptr, 10);
    if (flag == "--rounds") rounds = std::atoi(argv[i + 1]);
    if (flag == "--long-seconds") long_seconds = std::atof(argv[i + 1]);
    if (flag == "--adapt-slurm") adapt_maximum = std::atoi(argv[i + 1]);
    if (flag == "--slurm-jobs") slurm_jobs = std::atoi(argv[i + 1]);
    if (flag == "--lifetime") lifetime = argv[i + 1];
    if (flag == "--stagger") stagger = argv[i + 1];
  }
  auto client = runtime.client();
  // A run that hangs says what the cluster did before the test's time limit kills it.
  std::thread([] {
    std::this_thread::sleep_for(std::chrono::seconds(100));
    std::printf("elastic_app: still running after 100 s; the cluster's events:\n");
    for (const char* topic : {"elastic", "memory", "retries", "stealing"}) {
      for (const auto& event : tessera::get_events(topic)) {
        std::printf("  %.3f [%s] %s: %s\n", event.time, topic, event.source.c_str(),
                    event.message.c_str());
      }
    }
    std::fflush(stdout);
    std::_Exit(3);
  }).detach();
  std::unique_ptr<tessera::jobqueue::SlurmCluster> cluster;
  if (adapt_maximum > 0 || slurm_jobs > 0) {
    const auto directory =
        std::filesystem::path(tessera::config::get("scheduler_file")).parent_path();
    tessera::jobqueue::JobOptions options{
        .cores = 1,
        .walltime = "00:10:00",
        .local_directory = (directory / "spill").string(),
        .log_directory = directory.string(),
        .death_timeout = "60",
        .worker_command = std::filesystem::canonical("/proc/self/exe").string()};
    if (!lifetime.empty()) {
      options.lifetime = lifetime;
      options.lifetime_stagger = stagger;
      options.lifetime_restart = true;
    }
    cluster = std::make_unique<tessera::jobqueue::SlurmCluster>(options);
  }
  if (adapt_maximum > 0) {
    cluster->adapt(
        0, adapt_maximum, client,
        {.interval = std::chrono::milliseconds(300), .target_duration = 1.0, .wait_count = 5});
  } else if (slurm_jobs > 0) {
    cluster->scale_jobs(slurm_jobs);
  }
  // With an adaptive cluster the work brings the workers; the most seen at once is checked.
  std::atomic<std::size_t> most_workers{0};
  std::atomic<bool> watching{true};
  std::thread watcher;
  if (adapt_maximum > 0) {
    watcher = std::thread([&] {
      while (watching) {
        most_workers = std::max(most_workers.load(), client.workers());
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  } else {
    client.wait_for_workers(workers, std::chrono::seconds(60));
    check(client.workers() >= workers, std::to_string(client.workers()) + " workers joined");
  }
  std::printf("computing\n");
  std::fflush(stdout);

  if (long_seconds > 0) {
    // Chains of 20 ms steps, each reading the block its previous step made (often on another
    // worker after a loss), and a sum over all chains at the end.
    const int chains = 4 * static_cast<int>(workers);
    const int steps = std::max(2, static_cast<int>(long_seconds / 0.02 / 4));
    std::vector<tessera::Delayed<double>> ends;
    for (int c = 0; c < chains; ++c) {
      auto link = tessera::delayed(block)(c);
      for (int s = 0; s < steps; ++s) link = tessera::delayed(slow_step)(link);
      ends.push_back(tessera::delayed(total)(link));
    }
    const auto sums = tessera::compute(ends);
    bool right = true;
    for (int c = 0; c < chains; ++c) right = right && sums[c] == 131072.0 * (c + steps);
    check(right, std::to_string(chains) + " chains of " + std::to_string(steps) +
                     " slow steps on 1 MiB blocks");
  }

  for (int round = 0; round < rounds; ++round) {
    // Many small tasks and a tree reduction over them.
    std::vector<tessera::Delayed<long>> level;
    for (long i = 0; i < 2000; ++i) level.push_back(tessera::delayed(square)(i));
    while (level.size() > 1) {
      std::vector<tessera::Delayed<long>> next;
      for (std::size_t i = 0; i + 1 < level.size(); i += 2)
        next.push_back(tessera::delayed(add)(level[i], level[i + 1]));
      if (level.size() % 2) next.push_back(level.back());
      level = std::move(next);
    }
    long expected = 0;
    for (long i = 0; i < 2000; ++i) expected += i * i;
    check(level[0].compute() == expected, "the sum of 2000 squares");

    // Blocks made on one worker and read on another.
    std::vector<tessera::Delayed<double>> sums;
    for (int i = 0; i < 16; ++i) {
      sums.push_back(
          tessera::delayed(block_sum)(tessera::delayed(block)(i), tessera::delayed(block)(i + 1)));
    }
    auto values = tessera::compute(sums);
    bool right = true;
    for (int i = 0; i < 16; ++i) right = right && values[i] == 131072.0 * (2 * i + 1);
    check(right, "16 sums of pairs of 1 MiB blocks");
  }

  // Every worker ran something.
  std::vector<tessera::Delayed<int>> ranks;
  for (int i = 0; i < 64; ++i) ranks.push_back(tessera::delayed(where)());
  std::vector<int> seen = tessera::compute(ranks);
  std::sort(seen.begin(), seen.end());
  seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
  check(seen.front() >= 1,
        "tasks ran on worker ranks (" + std::to_string(seen.size()) + " of them)");

  // A task's error reaches the client, naming it.
  try {
    tessera::delayed(fails)(3).compute();
    check(false, "a failing task throws");
  } catch (const tessera::TaskError& error) {
    check(std::string(error.what()).find("three is not allowed") != std::string::npos,
          std::string("a failing task's error: ") + error.what());
  }

  // A task that no worker, and no worker that may join, could run fails at once.
  client.expect_worker_offers({{}, {{"GPU", 1}}});
  try {
    client.submit(tessera::TaskOptions{.resources = {{"TPU", 1}}}, where).result();
    check(false, "a task asking for a resource no worker offers fails");
  } catch (const tessera::TaskError& error) {
    const std::string message = error.what();
    check(message.find("no worker can run this task") != std::string::npos &&
              message.find("{GPU=1}") != std::string::npos,
          "a task asking for TPU=1 fails: " + message);
  }

  // Scattered data is read by tasks.
  auto data = client.scatter(41L);
  check(client.submit(add, data, 1L).result() == 42, "a task reads scattered data");

  if (cluster && adapt_maximum == 0) {
    const auto jobs = cluster->jobs();
    std::printf("closing the cluster of %zu jobs\n", jobs.size());
    cluster->close();
    check(client.workers() == 0, "no worker is left (" + std::to_string(client.workers()) + ")");
  } else if (cluster) {
    watching = false;
    watcher.join();
    check(most_workers >= workers,
          "the adaptive cluster grew to " + std::to_string(most_workers.load()) + " workers");
    // Idle now: the jobs go (cancelled; their workers retire on SIGTERM), but for one that
    // keeps the results futures of this program still hold.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::size_t left = 0;
    do {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      left = 0;
      for (const auto& job : cluster->jobs())
        left += job.state != tessera::jobqueue::JobState::gone;
    } while (left > 1 && std::chrono::steady_clock::now() < deadline);
    check(left == 1, "the adaptive cluster let its jobs go once idle, but one (" +
                         std::to_string(left) + " left)");
    // Closing cancels the last; its worker retires at once (nowhere to hand its results).
    const auto closing = std::chrono::steady_clock::now();
    cluster->close();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - closing).count();
    check(seconds < 20, "the cluster closed in " + std::to_string(seconds) + " s");
    check(client.workers() == 0, "no worker is left (" + std::to_string(client.workers()) + ")");
  }

  std::printf("%s\n", failures == 0 ? "elastic_app: all results right" : "elastic_app: FAILED");
  return failures == 0 ? 0 : 1;
}
