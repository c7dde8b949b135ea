// SlurmCluster on a real Slurm (scripts/slurm-local.sh up): worker jobs submitted with sbatch
// join an elastic scheduler, scancel shows, and close leaves no job and no scheduler file.
// Without a Slurm cluster answering these say "skipped: ..." (ctest reports them skipped),
// unless TESSERA_REQUIRE_SLURM is set, as in CI.

#include <catch2/catch.hpp>
#include <cstdlib>
#include <iostream>
#include <tessera/jobqueue/cluster.hpp>
#include <thread>

#include "commands/run_command.hpp"
#include "jobqueue_support.hpp"
#include "processes.hpp"

using namespace tessera::jobqueue;
using namespace std::chrono_literals;
using tessera_jobqueue_test::Isolated;
using tessera_jobqueue_test::Process;

namespace {

// Whether the test can run; if not, says why in the words ctest's skip expression matches.
bool slurm_ready() {
#ifndef TESSERA_ELASTIC_APP
  std::cout << "skipped: no elastic clusters in this build (TESSERA_WITH_UCX is off)\n";
  return false;
#else
  bool up = false;
  try {
    up = detail::run_command({"scontrol", "ping"}, "", 20s).output.find("is UP") !=
         std::string::npos;
  } catch (const tessera::Error&) {  // no scontrol
  }
  if (up) return true;
  if (std::getenv("TESSERA_REQUIRE_SLURM") != nullptr) {
    FAIL("no Slurm cluster answers; start one with scripts/slurm-local.sh up");
  }
  std::cout << "skipped: no Slurm cluster answers (scripts/slurm-local.sh up starts one)\n";
  return false;
#endif
}

// The lines squeue prints for `ids` (Slurm still holds them).
std::string squeue(const std::vector<Job>& jobs) {
  std::string list;
  for (const Job& job : jobs) list += (list.empty() ? "" : ",") + job.id;
  const auto result =
      detail::run_command({"squeue", "--noheader", "--format=%i %T", "--jobs=" + list}, "", 20s);
  return result.status == 0 ? result.output : "";
}

template <class Condition>
bool eventually(Condition condition, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(200ms);
  }
  return true;
}

}  // namespace

TEST_CASE("slurm: worker jobs from SlurmCluster::scale join the scheduler, and close leaves none",
          "[slurm]") {
  if (!slurm_ready()) return;
#ifdef TESSERA_ELASTIC_APP
  Isolated isolated;
  const std::string scheduler_file = isolated.directory.file("scheduler.json");
  Process scheduler({TESSERA_ELASTIC_APP, "--workers", "2"},
                    {{"TESSERA_SCHEDULER_FILE", scheduler_file}, {"TESSERA_ROLE", ""}},
                    isolated.directory.file("scheduler.out"));
  REQUIRE(scheduler.started());

  SlurmCluster cluster({.cores = 1,
                        .walltime = "00:05:00",
                        .log_directory = isolated.directory.path().string(),
                        .death_timeout = "60",
                        .worker_command = TESSERA_ELASTIC_APP,
                        .scheduler_file = scheduler_file});
  CHECK(cluster.scale(2) == 2);
  const std::vector<Job> jobs = cluster.jobs();
  REQUIRE(jobs.size() == 2);

  const int status = scheduler.wait(120s);
  INFO("the scheduler's output:\n" << scheduler.output());
  CHECK(status == 0);
  CHECK_THAT(scheduler.output(), Catch::Contains("elastic_app: all results right"));
  cluster.close();
  CHECK(cluster.jobs().empty());
  CHECK(squeue(jobs).empty());
  CHECK_FALSE(std::filesystem::exists(scheduler_file));
#endif
}

TEST_CASE("slurm: a worker job cancelled with scancel shows in jobs() as gone", "[slurm]") {
  if (!slurm_ready()) return;
#ifdef TESSERA_ELASTIC_APP
  Isolated isolated;
  // No scheduler: the workers wait for its file, up to their death timeout.
  SlurmCluster cluster({.cores = 1,
                        .walltime = "00:05:00",
                        .log_directory = isolated.directory.path().string(),
                        .death_timeout = "120",
                        .worker_command = TESSERA_ELASTIC_APP,
                        .scheduler_file = isolated.directory.file("scheduler.json")});
  CHECK(cluster.scale_jobs(2) == 2);
  CHECK(eventually(
      [&] {
        const auto jobs = cluster.jobs();
        return jobs[0].state == JobState::running && jobs[1].state == JobState::running;
      },
      60s));
  const std::string id = cluster.jobs()[0].id;
  CHECK(detail::run_command({"scancel", id}, "", 20s).status == 0);
  CHECK(eventually([&] { return cluster.jobs()[0].state == JobState::gone; }, 60s));
  const std::vector<Job> jobs = cluster.jobs();
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0].id == id);
  CHECK(jobs[1].state == JobState::running);
  CHECK(cluster.scale_jobs(2) == 2);  // replaced
  CHECK(cluster.jobs().size() == 2);
  cluster.close();
  CHECK(squeue(jobs).empty());
#endif
}
