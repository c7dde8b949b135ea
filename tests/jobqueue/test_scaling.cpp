// Submitting, scaling and closing worker jobs on PBS, LSF and Grid Engine, through recording
// stand-ins for their commands (stand_ins.hpp): the command lines, the job ids read back,
// max_jobs caps, the order of cancellation, and the errors of failing or missing commands.

#include <pwd.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <memory>
#include <tessera/errors.hpp>
#include <tessera/events.hpp>
#include <tessera/jobqueue/cluster.hpp>

#include "jobqueue_support.hpp"
#include "stand_ins.hpp"

using namespace tessera::jobqueue;
using Catch::Matchers::Contains;
using tessera_jobqueue_test::Isolated;
using tessera_jobqueue_test::StandIns;

namespace {

std::unique_ptr<Cluster> make_cluster(System system, JobOptions options) {
  switch (system) {
    case System::pbs:
      return std::make_unique<PBSCluster>(options);
    case System::lsf:
      return std::make_unique<LSFCluster>(options);
    case System::sge:
      return std::make_unique<SGECluster>(options);
    case System::slurm:
      return std::make_unique<SlurmCluster>(options);
  }
  return nullptr;
}

// What each system's commands are called, and how it spells job 1001 and its states.
struct Names {
  std::string submit, cancel, status, id_suffix, pending, running;
};
Names names(System system) {
  switch (system) {
    case System::pbs:
      return {"qsub", "qdel", "qstat", ".pbs-server", "Q", "R"};
    case System::lsf:
      return {"bsub", "bkill", "bjobs -w", "", "PEND", "RUN"};
    default:
      return {"qsub", "qdel", "qstat", "", "qw", "r"};
  }
}

std::string user() { return ::getpwuid(::geteuid())->pw_name; }

// The status command's line for these jobs.
std::string status_line(System system, const std::vector<std::string>& ids) {
  if (system == System::sge) return "qstat -u " + user();
  std::string line = names(system).status;
  for (const auto& id : ids) line += " " + id;
  return line;
}

std::vector<std::string> ids(const std::vector<Job>& jobs) {
  std::vector<std::string> result;
  for (const Job& job : jobs) result.push_back(job.id);
  return result;
}

}  // namespace

TEST_CASE("PBS, LSF and SGE clusters submit job scripts on standard input and read the ids") {
  for (System system : {System::pbs, System::lsf, System::sge}) {
    INFO(to_string(system));
    Isolated isolated;
    StandIns batch(system);
    const Names name = names(system);
    const std::string id1 = "1001" + name.id_suffix, id2 = "1002" + name.id_suffix;
    auto cluster = make_cluster(system, {.cores = 4, .processes = 2, .scheduler_file = "/s.json"});

    CHECK(cluster->scale(3) == 2);  // 3 workers of 2 per job: 2 jobs
    // The first scale asks for no states: there are no jobs yet.
    CHECK(batch.calls() == std::vector<std::string>{name.submit, name.submit});
    CHECK(batch.script(1) == cluster->job_script());
    CHECK(batch.script(2) == cluster->job_script());

    batch.forget_calls();
    batch.set_state(id2, name.running);
    std::vector<Job> jobs = cluster->jobs();
    CHECK(batch.calls() == std::vector<std::string>{status_line(system, {id1, id2})});
    REQUIRE(jobs.size() == 2);
    CHECK(jobs[0].id == id1);
    CHECK(jobs[0].pool == "default");
    CHECK(jobs[0].state == JobState::pending);
    CHECK(jobs[1].id == id2);
    CHECK(jobs[1].state == JobState::running);

    batch.forget_calls();
    cluster->close();
    REQUIRE(batch.calls().size() >= 2);
    CHECK(batch.calls()[1] == name.cancel + " " + id1 + " " + id2);
    CHECK(batch.jobs().empty());
    CHECK(cluster->jobs().empty());
  }
}

TEST_CASE("scaling down cancels the newest pending jobs first, then the newest running ones") {
  for (System system : {System::pbs, System::lsf, System::sge}) {
    INFO(to_string(system));
    Isolated isolated;
    StandIns batch(system);
    const Names name = names(system);
    auto id = [&](int n) { return std::to_string(1000 + n) + name.id_suffix; };
    auto cluster = make_cluster(system, {.cores = 1, .scheduler_file = "/s.json"});
    CHECK(cluster->scale_jobs(5) == 5);
    batch.set_state(id(1), name.running);
    batch.set_state(id(3), name.running);
    batch.forget_calls();

    CHECK(cluster->scale_jobs(1) == 1);
    REQUIRE(batch.calls().size() == 2);
    CHECK(batch.calls()[1] == name.cancel + " " + id(5) + " " + id(4) + " " + id(2) + " " + id(3));
    const std::vector<Job> jobs = cluster->jobs();
    REQUIRE(jobs.size() == 5);  // the cancelled ones are listed as gone until the next scale
    CHECK(jobs[0].state == JobState::running);
    for (int i = 1; i < 5; ++i) CHECK(jobs[i].state == JobState::gone);

    CHECK(cluster->scale_jobs(2) == 2);  // one more, the oldest running one kept
    CHECK(ids(cluster->jobs()) == std::vector<std::string>{id(1), id(6)});
  }
}

TEST_CASE("max_jobs caps the queued and running jobs of a pool, and the cap is logged") {
  for (System system : {System::pbs, System::lsf, System::sge}) {
    INFO(to_string(system));
    Isolated isolated;
    StandIns batch(system);
    auto cluster = make_cluster(system, {.cores = 2, .max_jobs = 2, .scheduler_file = "/s.json"});
    cluster->add_worker_spec("big", {.cores = 2, .max_jobs = 1, .scheduler_file = "/s.json"});

    CHECK(cluster->scale_jobs(5) == 2);
    const auto events = tessera::get_events("jobqueue");
    REQUIRE_FALSE(events.empty());
    CHECK_THAT(events.back().message,
               Contains("pool default: asked for 5 jobs, but max_jobs is 2"));
    CHECK(cluster->scale_jobs(5) == 2);
    CHECK(cluster->scale_jobs(3, "big") == 1);
    CHECK(batch.jobs().size() == 3);
    int submits = 0;
    for (const auto& call : batch.calls()) submits += call == names(system).submit;
    CHECK(submits == 3);
    const std::vector<Job> jobs = cluster->jobs();
    REQUIRE(jobs.size() == 3);
    CHECK(jobs[2].pool == "big");
  }
}

TEST_CASE("a job ended outside the cluster is gone, and scale replaces it") {
  for (System system : {System::pbs, System::lsf, System::sge}) {
    INFO(to_string(system));
    Isolated isolated;
    StandIns batch(system);
    const std::string suffix = names(system).id_suffix;
    auto cluster = make_cluster(system, {.cores = 1, .scheduler_file = "/s.json"});
    cluster->scale(2);
    batch.end("1001" + suffix);
    const std::vector<Job> jobs = cluster->jobs();
    REQUIRE(jobs.size() == 2);
    CHECK(jobs[0].state == JobState::gone);
    CHECK(jobs[1].state == JobState::pending);
    CHECK(cluster->scale(2) == 2);
    CHECK(ids(cluster->jobs()) == std::vector<std::string>{"1002" + suffix, "1003" + suffix});
  }
}

TEST_CASE("a failing batch command is an error naming its command line, exit status and output") {
  for (System system : {System::pbs, System::lsf, System::sge}) {
    INFO(to_string(system));
    Isolated isolated;
    StandIns batch(system);
    const Names name = names(system);
    auto cluster = make_cluster(system, {.cores = 1, .scheduler_file = "/s.json"});

    batch.fail(name.submit, 1, "submit: Unknown queue workq");
    CHECK_THROWS_MATCHES(cluster->scale(1), tessera::Error,
                         Catch::Message("jobqueue: " + name.submit +
                                        " (the job script on its standard input) failed (exit "
                                        "status 1): submit: Unknown queue workq"));
    batch.fail(name.submit, 0, "submitted, somewhere");
    CHECK_THROWS_WITH(cluster->scale(1), Contains(" printed no job id (exit status 0): "
                                                  "submitted, somewhere"));

    std::remove(batch.directory.file("fail-" + name.submit).c_str());
    cluster->scale(1);
    const std::string status = name.status.substr(0, name.status.find(' '));
    batch.fail(status, 2, "cannot connect to server");
    CHECK_THROWS_WITH(cluster->jobs(),
                      status_line(system, {"1001" + name.id_suffix}).insert(0, "jobqueue: ") +
                          " failed (exit status 2): cannot connect to server");
    std::remove(batch.directory.file("fail-" + status).c_str());

    batch.fail(name.cancel, 3, "permission denied");
    CHECK_THROWS_WITH(cluster->scale(0), "jobqueue: " + name.cancel + " 1001" + name.id_suffix +
                                             " failed (exit status 3): permission denied");
    std::remove(batch.directory.file("fail-" + name.cancel).c_str());
  }
}

TEST_CASE("a batch command missing from PATH is a ConfigError naming it") {
  Isolated isolated;
  isolated.environment.set("PATH", isolated.directory.path().string());
  LSFCluster cluster({.cores = 1, .scheduler_file = "/s.json"});
  CHECK_THROWS_MATCHES(cluster.scale(1), tessera::ConfigError,
                       Catch::Message("jobqueue: bsub: the command bsub is not found on PATH (" +
                                      isolated.directory.path().string() +
                                      "): run this on a login node of the batch system, or put "
                                      "its commands on PATH"));
  CHECK(cluster.jobs().empty());
}

TEST_CASE("close waits, bounded, until the batch system lists no job of the cluster") {
  Isolated isolated;
  StandIns batch(System::pbs);
  PBSCluster cluster({.cores = 1, .scheduler_file = "/s.json"});
  cluster.scale(2);
  batch.fail("qdel", 0, "");  // qdel says yes but the jobs stay
  CHECK_THROWS_MATCHES(
      cluster.close(std::chrono::milliseconds(300)), tessera::TimeoutError,
      Catch::Message("jobqueue: closing the cluster: the batch system still lists jobs "
                     "1001.pbs-server (cancelling), 1002.pbs-server (cancelling) after 300 ms; "
                     "cancel them by hand"));
  std::remove(batch.directory.file("fail-qdel").c_str());
  batch.end("1001.pbs-server");
  batch.end("1002.pbs-server");
  cluster.close();
  CHECK(cluster.jobs().empty());
}

TEST_CASE("a cluster's scheduler file agrees with the program's scheduler_file setting") {
  Isolated isolated;
  const std::string file = isolated.directory.file("scheduler.json");
  isolated.environment.set("TESSERA_SCHEDULER_FILE", file);
  CHECK(SlurmCluster({.cores = 1}).worker_spec("default").scheduler_file == file);
  CHECK(SlurmCluster({.cores = 1, .scheduler_file = file}).worker_specs().size() == 1);
  CHECK_THROWS_MATCHES(
      SlurmCluster({.cores = 1, .scheduler_file = "/elsewhere.json"}), tessera::ConfigError,
      Catch::Message("jobqueue: scheduler_file of pool \"default\" is \"/elsewhere.json\", but "
                     "tessera's scheduler_file setting (TESSERA_SCHEDULER_FILE) is \"" +
                     file +
                     "\": the workers would not find this program's scheduler; leave the option "
                     "out or give both the same file"));
  isolated.environment.unset("TESSERA_SCHEDULER_FILE");
  SlurmCluster cluster({.cores = 1, .scheduler_file = "/a.json"});
  CHECK_THROWS_WITH(cluster.add_worker_spec("gpu", {.cores = 1, .scheduler_file = "/b.json"}),
                    Contains("every pool joins one scheduler"));
}
