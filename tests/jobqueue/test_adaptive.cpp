// Adaptive scaling and lifetime restarts: the decisions (how many jobs a load calls for,
// which pools are wanted, when a replacement goes in), and the keeper thread that applies
// them, through the recording PBS stand-ins of stand_ins.hpp.
#include <catch2/catch.hpp>
#include <chrono>
#include <tessera/client.hpp>
#include <tessera/errors.hpp>
#include <tessera/jobqueue/cluster.hpp>
#include <thread>

#include "jobqueue_support.hpp"
#include "scaling/adaptive.hpp"
#include "stand_ins.hpp"

using namespace tessera::jobqueue;
using namespace std::chrono_literals;
using tessera_jobqueue_test::Isolated;
using tessera_jobqueue_test::StandIns;

namespace {

JobSpec spec_of(const JobOptions& options) {
  return resolve_job_spec(System::pbs, options, "default");
}

template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

}  // namespace

TEST_CASE("adapt asks for enough workers to finish the remaining work in the target duration") {
  Isolated isolated;
  const JobSpec spec = spec_of({.cores = 8, .processes = 2, .scheduler_file = "/s.json"});
  REQUIRE(spec.threads_per_process() == 4);
  tessera::SchedulerLoad load;
  const AdaptOptions options{.target_duration = 5.0};
  // 1000 tasks of 0.1 s = 100 s of work; 5 s per thread of 4 threads: 5 workers, 3 jobs.
  load.remaining = 1000;
  load.task_seconds = 0.1;
  CHECK(detail::adaptive_jobs(load, spec, 0, 100, options) == 3);
  CHECK(detail::adaptive_jobs(load, spec, 0, 4, options) == 2);  // at most 4 workers
  // A little work still asks for one worker; none asks for the minimum.
  load.remaining = 1;
  CHECK(detail::adaptive_jobs(load, spec, 0, 100, options) == 1);
  load.remaining = 0;
  CHECK(detail::adaptive_jobs(load, spec, 0, 100, options) == 0);
  load.held_results = 5;  // futures keep results on the workers: one stays
  CHECK(detail::adaptive_jobs(load, spec, 0, 100, options) == 1);
  load.held_results = 0;
  // 2 workers, both paused for memory, with 10 small tasks left: 4 workers, 2 jobs.
  load.remaining = 10;
  load.workers = 2;
  load.paused_workers = 2;
  CHECK(detail::adaptive_jobs(load, spec, 0, 100, options) == 2);
  CHECK(detail::adaptive_jobs(load, spec, 0, 3, options) == 2);  // 3 workers at most: 2 jobs
  load.paused_workers = 0;
  CHECK(detail::adaptive_jobs(load, spec, 0, 100, options) == 1);
  CHECK(detail::adaptive_jobs(load, spec, 3, 100, options) == 2);  // 3 workers: 2 jobs
}

TEST_CASE("a pool is wanted while tasks wait for a resource it offers") {
  Isolated isolated;
  const JobSpec gpu = spec_of({.cores = 4, .resources = "GPU=2,FPGA=1", .scheduler_file = "/s"});
  const JobSpec cpu = spec_of({.cores = 4, .scheduler_file = "/s"});
  CHECK(detail::offered_resources(gpu) == std::map<std::string, double>{{"FPGA", 1}, {"GPU", 2}});
  CHECK(detail::offered_resources(cpu).empty());
  tessera::SchedulerLoad load;
  load.wanted_resources = {"GPU"};
  CHECK(detail::pool_wanted(load, gpu));
  CHECK_FALSE(detail::pool_wanted(load, cpu));
  load.wanted_resources = {"TPU"};
  CHECK_FALSE(detail::pool_wanted(load, gpu));

  PBSCluster cluster({.cores = 4, .scheduler_file = "/s"});
  cluster.add_worker_spec("gpu", {.cores = 4, .resources = "GPU=2,FPGA=1", .scheduler_file = "/s"});
  CHECK(cluster.worker_offers() == tessera::WorkerOffers{{}, {{"FPGA", 1}, {"GPU", 2}}});
}

TEST_CASE("a replacement job goes in a stagger and a quarter lifetime before a worker retires") {
  Isolated isolated;
  CHECK(detail::replacement_lead(spec_of({.cores = 1,
                                          .walltime = "01:00:00",
                                          .lifetime = "40m",
                                          .lifetime_stagger = "4m",
                                          .scheduler_file = "/s"})) == 9min);
  CHECK(detail::replacement_lead(spec_of({.cores = 1,
                                          .walltime = "05:00:00",
                                          .lifetime = "4h",
                                          .lifetime_stagger = "0",
                                          .scheduler_file = "/s"})) == 5min);
}

TEST_CASE("with lifetime_restart a pool gets a replacement job before its running job's end") {
  Isolated isolated;
  StandIns batch(System::pbs);
  // Lifetime 4 s: a replacement goes in 1 s before, 3 s after the job is seen running.
  PBSCluster cluster(
      {.cores = 1, .lifetime = "4", .lifetime_restart = true, .scheduler_file = "/s.json"});
  CHECK(cluster.scale_jobs(1) == 1);
  batch.set_state("1001.pbs-server", "R");
  CHECK_FALSE(eventually([&] { return batch.jobs().size() >= 2; }, 2000ms));
  CHECK(eventually([&] { return batch.jobs().size() >= 2; }, 4000ms));
  // The old job ends (its worker retired): the pool is back to one job, not topped up again.
  batch.set_state("1002.pbs-server", "R");
  batch.end("1001.pbs-server");
  std::this_thread::sleep_for(1500ms);
  CHECK(batch.jobs().size() == 1);
  cluster.close();
  CHECK(batch.jobs().empty());
}

TEST_CASE("adapt keeps the minimum of workers, shrinks after wait_count looks, and is checked") {
  Isolated isolated;
  StandIns batch(System::pbs);
  PBSCluster cluster({.cores = 2, .processes = 2, .scheduler_file = "/s.json"});
  tessera::Client client(tessera::ClientOptions{.scheduler = "sync"});
  CHECK_THROWS_AS(cluster.adapt(2, 1, client), tessera::ConfigError);
  CHECK_THROWS_AS(cluster.adapt(-1, 1, client), tessera::ConfigError);
  // A local client has nothing queued: the minimum, 3 workers, is 2 jobs of 2.
  cluster.adapt(3, 8, client, {.interval = 50ms, .wait_count = 3});
  CHECK(eventually([&] { return batch.jobs().size() == 2; }, 3000ms));
  cluster.adapt(0, 8, client, {.interval = 50ms, .wait_count = 3});
  CHECK(eventually([&] { return batch.jobs().empty(); }, 3000ms));
  cluster.stop_adapt();
  cluster.close();
}
