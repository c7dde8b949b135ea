// Golden job scripts: every system over a range of parameters, compared byte for byte with
// tests/jobqueue/golden/<system>-<case>.sh.
//
// To regenerate them after an intended change of the scripts, run
//   TESSERA_UPDATE_GOLDEN=1 build/release/tests/tessera_jobqueue_tests "[golden]"
// and review the diff of tests/jobqueue/golden/ before committing it.

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <tessera/jobqueue/cluster.hpp>

#include "jobqueue_support.hpp"

using namespace tessera::jobqueue;
using tessera_jobqueue_test::Isolated;

namespace {

struct Case {
  std::string name;
  JobOptions options;
};

// The same cases for each system; those of one system's own parameters are added per system.
std::vector<Case> cases(System system) {
  const std::string scheduler_file = "/shared/tessera/scheduler.json";
  std::vector<Case> result = {
      {"minimal", {.cores = 1, .scheduler_file = scheduler_file}},
      {"typical",
       {.cores = 32,
        .processes = 4,
        .memory = "128GiB",
        .walltime = "02:00:00",
        .queue = "compute",
        .account = "climate42",
        .log_directory = "/scratch/logs",
        .scheduler_file = scheduler_file}},
      {"everything",
       {.cores = 24,
        .processes = 2,
        .memory = "100GB",
        .walltime = "1-12:00:00",
        .queue = "long",
        .account = "proj",
        .job_name = "era5-workers",
        .job_extra_directives = std::vector<std::string>{"--exclusive", "--constraint=skylake"},
        .job_directives_skip = std::vector<std::string>{"-A"},
        .job_script_prologue =
            std::vector<std::string>{"module load openmpi/4.1", "source $HOME/venv/bin/activate"},
        .local_directory = "$TMPDIR/tessera spill",
        .log_directory = "logs",
        .worker_extra_args = std::vector<std::string>{"--tasks", "lib tasks.so"},
        .death_timeout = "5m",
        .shebang = "#!/bin/bash -l",
        .transport = "tcp",
        .resources = "GPU=1,SSD=1",
        .lifetime = "35h",
        .lifetime_stagger = "10m",
        .lifetime_restart = true,
        .max_jobs = 8,
        .worker_command = "/opt/app/bin/climatology",
        .scheduler_file = "$HOME/.tessera/scheduler.json"}},
      {"short-and-small",
       {.cores = 2,
        .processes = 2,
        .memory = "500MB",
        .walltime = "45s",
        .scheduler_file = scheduler_file}},
  };
  if (system == System::slurm) {
    result.push_back({"mpirun",
                      {.cores = 8,
                       .processes = 8,
                       .memory = "16GB",
                       .launcher = "mpirun",
                       .scheduler_file = scheduler_file}});
  }
  if (system == System::pbs || system == System::sge) {
    result.push_back({"resource-spec",
                      {.cores = 16,
                       .memory = "64GiB",
                       .scheduler_file = scheduler_file,
                       .resource_spec = "select=1:ncpus=16:mem=60gb:ngpus=1"}});
  }
  if (system == System::lsf) {
    result.push_back({"units-mb",
                      {.cores = 4,
                       .memory = "10GiB",
                       .walltime = "90m",
                       .scheduler_file = scheduler_file,
                       .lsf_units = "MB"}});
  }
  if (system == System::sge) {
    result.push_back({"parallel-environment",
                      {.cores = 12,
                       .processes = 3,
                       .memory = "12GiB",
                       .launcher = "mpiexec",
                       .scheduler_file = scheduler_file,
                       .parallel_environment = "mpi"}});
  }
  return result;
}

std::string golden_path(System system, const std::string& name) {
  return std::string(TESSERA_JOBQUEUE_GOLDEN_DIR) + "/" + std::string(to_string(system)) + "-" +
         name + ".sh";
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("job scripts of every system match the golden files", "[golden]") {
  Isolated isolated;
  const bool update = std::getenv("TESSERA_UPDATE_GOLDEN") != nullptr;
  for (System system : {System::slurm, System::pbs, System::lsf, System::sge}) {
    for (const Case& c : cases(system)) {
      const std::string path = golden_path(system, c.name);
      INFO(path);
      const std::string script = job_script(resolve_job_spec(system, c.options));
      if (update) {
        std::ofstream(path) << script;
        continue;
      }
      const std::string golden = read(path);
      REQUIRE_FALSE(golden.empty());
      CHECK(script == golden);
    }
  }
}

TEST_CASE("the clusters' job scripts are those of their resolved specs") {
  Isolated isolated;
  const JobOptions options{.cores = 8, .memory = "8GiB", .scheduler_file = "/s.json"};
  CHECK(SlurmCluster(options).job_script() == job_script(resolve_job_spec(System::slurm, options)));
  CHECK(PBSCluster(options).job_script() == job_script(resolve_job_spec(System::pbs, options)));
  CHECK(LSFCluster(options).job_script() == job_script(resolve_job_spec(System::lsf, options)));
  CHECK(SGECluster(options).job_script() == job_script(resolve_job_spec(System::sge, options)));
}

TEST_CASE("every golden script is valid bash (bash -n)") {
  Isolated isolated;
  tessera_jobqueue_test::TemporaryDirectory directory;
  for (System system : {System::slurm, System::pbs, System::lsf, System::sge}) {
    for (const Case& c : cases(system)) {
      const std::string path =
          directory.write(std::string(to_string(system)) + "-" + c.name + ".sh",
                          job_script(resolve_job_spec(system, c.options)));
      INFO(path);
      CHECK(std::system(("bash -n '" + path + "'").c_str()) == 0);
    }
  }
}

TEST_CASE("a Slurm script run under bash starts the worker command with its settings") {
  // srun and the worker are stand-ins on the PATH that record what they were given.
  Isolated isolated;
  tessera_jobqueue_test::TemporaryDirectory directory;
  const std::string bin = (directory.path() / "bin").string();
  std::filesystem::create_directories(bin);
  const std::string record = directory.file("record.txt");
  const std::string stand_in =
      "#!/usr/bin/env bash\necho \"srun $*\" >> '" + record + "'\nshift 3\nexec \"$@\"\n";
  std::ofstream(bin + "/srun") << stand_in;
  std::ofstream(bin + "/fake-worker")
      << "#!/usr/bin/env bash\necho \"worker $* role=$TESSERA_ROLE file=$TESSERA_SCHEDULER_FILE "
         "threads=$TESSERA_WORKER_THREADS memory=$TESSERA_WORKER_MEMORY_LIMIT "
         "spill=$TESSERA_SPILL_DIRECTORY\" >> '"
      << record << "'\n";
  std::filesystem::permissions(bin + "/srun", std::filesystem::perms::owner_all);
  std::filesystem::permissions(bin + "/fake-worker", std::filesystem::perms::owner_all);

  const std::string spill = directory.file("spill");
  SlurmCluster cluster({.cores = 4,
                        .processes = 2,
                        .memory = "2GiB",
                        .local_directory = spill,
                        .worker_extra_args = std::vector<std::string>{"--flag", "two words"},
                        .worker_command = "fake-worker",
                        .scheduler_file = "/shared/s.json"});
  const std::string script = directory.write("job.sh", cluster.job_script());
  const std::string command = "PATH='" + bin + "':\"$PATH\" bash '" + script + "'";
  REQUIRE(std::system(command.c_str()) == 0);
  CHECK(read(record) ==
        "srun --mpi=pmix --ntasks=2 --cpus-per-task=2 fake-worker --flag two words\n"
        "worker --flag two words role=worker file=/shared/s.json threads=2 memory=1073741824 "
        "spill=" +
            spill + "\n");
  CHECK(std::filesystem::is_directory(spill));
}
