// The job scripts of PBS, LSF and SGE run under bash with the environment each system gives a
// job, as its execution host would run them: the workers that the script's mpirun starts join
// a real elastic scheduler (tests/elastic's program), which checks its results and exits 0.

#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iostream>
#include <tessera/jobqueue/cluster.hpp>

#include "jobqueue_support.hpp"
#include "processes.hpp"

using namespace tessera::jobqueue;
using tessera_jobqueue_test::Isolated;
using tessera_jobqueue_test::Process;
using tessera_jobqueue_test::TemporaryDirectory;

namespace {

std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

// What each system sets in a job of one node with `slots` slots (the parts that mpirun or a
// script could read). Grid Engine's SGE_ROOT and ARC are left out: with them Open MPI would
// start its daemons through qrsh, which only a Grid Engine installation has.
std::map<std::string, std::string> job_environment(System system, int slots,
                                                   const TemporaryDirectory& directory) {
  const std::string host = host_name();
  const std::string work = directory.path().string();
  switch (system) {
    case System::pbs: {
      std::string nodes;  // a line per MPI rank (mpiprocs)
      for (int i = 0; i < slots; ++i) nodes += host + "\n";
      return {{"PBS_JOBID", "1001.pbs-server"},
              {"PBS_JOBNAME", "tessera-worker"},
              {"PBS_QUEUE", "workq"},
              {"PBS_ENVIRONMENT", "PBS_BATCH"},
              {"PBS_O_WORKDIR", work},
              {"PBS_NODEFILE", directory.write("nodes", nodes)},
              {"PBS_O_HOST", host},
              {"NCPUS", std::to_string(slots)}};
    }
    case System::lsf: {
      std::string hosts;
      for (int i = 0; i < slots; ++i) hosts += (hosts.empty() ? "" : " ") + host;
      return {{"LSB_JOBID", "1001"},
              {"LSB_JOBNAME", "tessera-worker"},
              {"LSB_QUEUE", "normal"},
              {"LSB_HOSTS", hosts},
              {"LSB_MCPU_HOSTS", host + " " + std::to_string(slots)},
              {"LSB_DJOB_NUMPROC", std::to_string(slots)},
              {"LS_SUBCWD", work}};
    }
    case System::sge:
      return {
          {"JOB_ID", "1001"},
          {"JOB_NAME", "tessera-worker"},
          {"QUEUE", "all.q"},
          {"NSLOTS", std::to_string(slots)},
          {"NHOSTS", "1"},
          {"PE", "smp"},
          {"PE_HOSTFILE", directory.write("pe_hostfile", host + " " + std::to_string(slots) +
                                                             " all.q@" + host + " UNDEFINED\n")},
          {"SGE_O_WORKDIR", work},
          {"SGE_TASK_ID", "undefined"}};
    case System::slurm:
      break;
  }
  return {};
}

}  // namespace

TEST_CASE("PBS, LSF and SGE job scripts run under bash start workers that join the scheduler") {
#ifndef TESSERA_ELASTIC_APP
  std::cout << "skipped: no elastic clusters in this build (TESSERA_WITH_UCX is off)\n";
#else
  // As root (in containers and CI), mpirun needs these; on a machine with fewer cores than
  // the job's ranks it needs to oversubscribe (a real job's node has them).
  const std::map<std::string, std::string> mpi = {{"OMPI_ALLOW_RUN_AS_ROOT", "1"},
                                                  {"OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"},
                                                  {"OMPI_MCA_rmaps_base_oversubscribe", "1"}};
  for (System system : {System::pbs, System::lsf, System::sge}) {
    INFO(to_string(system));
    Isolated isolated;
    const TemporaryDirectory& directory = isolated.directory;
    const std::string scheduler_file = directory.file("scheduler.json");
    const auto cluster = [&]() -> std::unique_ptr<Cluster> {
      const JobOptions options{.cores = 2,
                               .processes = 2,
                               .walltime = "00:10:00",
                               .death_timeout = "30",
                               .worker_command = TESSERA_ELASTIC_APP,
                               .scheduler_file = scheduler_file};
      if (system == System::pbs) return std::make_unique<PBSCluster>(options);
      if (system == System::lsf) return std::make_unique<LSFCluster>(options);
      return std::make_unique<SGECluster>(options);
    }();
    const std::string script = directory.write("job.sh", cluster->job_script());

    std::map<std::string, std::string> scheduler_variables = mpi;
    scheduler_variables["TESSERA_SCHEDULER_FILE"] = scheduler_file;
    scheduler_variables["TESSERA_ROLE"] = "";
    Process scheduler({TESSERA_ELASTIC_APP, "--workers", "2"}, scheduler_variables,
                      directory.file("scheduler.out"));
    REQUIRE(scheduler.started());

    std::map<std::string, std::string> job = job_environment(system, 2, directory);
    job.insert(mpi.begin(), mpi.end());
    Process worker_job({"/bin/bash", script}, job, directory.file("job.out"));
    REQUIRE(worker_job.started());

    const int scheduler_status = scheduler.wait(std::chrono::seconds(120));
    const int job_status = worker_job.wait(std::chrono::seconds(60));
    INFO("the scheduler's output:\n" << scheduler.output());
    INFO("the job's output:\n" << worker_job.output());
    CHECK(scheduler_status == 0);
    CHECK_THAT(scheduler.output(), Catch::Contains("elastic_app: all results right") &&
                                       Catch::Contains("2 workers joined"));
    CHECK(job_status == 0);
    CHECK_FALSE(std::filesystem::exists(scheduler_file));
  }
#endif
}
