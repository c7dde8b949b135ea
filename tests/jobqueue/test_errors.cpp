// Every invalid parameter is a ConfigError that names the parameter and its value.

#include <catch2/catch.hpp>
#include <tessera/errors.hpp>
#include <tessera/jobqueue/cluster.hpp>

#include "jobqueue_support.hpp"

using namespace tessera::jobqueue;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using tessera_jobqueue_test::config_error;
using tessera_jobqueue_test::Isolated;

namespace {

struct Bad {
  const char* what;
  JobOptions options;
  const char* message_start;  // "jobqueue: <parameter> is \"<value>\": "
  const char* problem;
};

}  // namespace

TEST_CASE("invalid parameters are ConfigErrors naming the parameter and the value") {
  Isolated isolated;
  using L = std::vector<std::string>;
  const Bad table[] = {
      {"negative cores", {.cores = -3}, "jobqueue: cores is \"-3\": ", ">= 1"},
      {"zero cores", {.cores = 0}, "jobqueue: cores is \"0\": ", ">= 1"},
      {"zero processes", {.cores = 4, .processes = 0}, "jobqueue: processes is \"0\": ", ">= 1"},
      {"processes > cores",
       {.cores = 4, .processes = 8},
       "jobqueue: processes is \"8\": ",
       "more processes than cores (4)"},
      {"cores not a multiple",
       {.cores = 6, .processes = 4},
       "jobqueue: processes is \"4\": ",
       "multiple of processes"},
      {"unknown memory unit",
       {.cores = 1, .memory = "16XB"},
       "jobqueue: memory is \"16XB\": ",
       "unknown unit"},
      {"ambiguous memory unit",
       {.cores = 1, .memory = "16G"},
       "jobqueue: memory is \"16G\": ",
       "ambiguous"},
      {"malformed walltime",
       {.cores = 1, .walltime = "1:75:00"},
       "jobqueue: walltime is \"1:75:00\": ",
       "below 60"},
      {"walltime without unit",
       {.cores = 1, .walltime = "60"},
       "jobqueue: walltime is \"60\": ",
       "ambiguous"},
      {"zero walltime",
       {.cores = 1, .walltime = "00:00:00"},
       "jobqueue: walltime is \"00:00:00\": ",
       "above zero"},
      {"empty queue", {.cores = 1, .queue = ""}, "jobqueue: queue is \"\": ", "expected a value"},
      {"queue with a space",
       {.cores = 1, .queue = "a b"},
       "jobqueue: queue is \"a b\": ",
       "no spaces"},
      {"empty account",
       {.cores = 1, .account = ""},
       "jobqueue: account is \"\": ",
       "expected a value"},
      {"job name with a space",
       {.cores = 1, .job_name = "my job"},
       "jobqueue: job_name is \"my job\": ",
       "no spaces"},
      {"line break in a directive",
       {.cores = 1, .job_extra_directives = L{"--a\n--b"}},
       "jobqueue: job_extra_directives is \"--a\n--b\": ",
       "line breaks"},
      {"empty directive",
       {.cores = 1, .job_extra_directives = L{""}},
       "jobqueue: job_extra_directives is \"\": ",
       "an empty item"},
      {"line break in a prologue line",
       {.cores = 1, .job_script_prologue = L{"a\nb"}},
       "jobqueue: job_script_prologue is \"a\nb\": ",
       "line breaks"},
      {"log directory with a space",
       {.cores = 1, .log_directory = "my logs"},
       "jobqueue: log_directory is \"my logs\": ",
       "no spaces"},
      {"bad death timeout",
       {.cores = 1, .death_timeout = "soon"},
       "jobqueue: death_timeout is \"soon\": ",
       "expected"},
      {"zero death timeout",
       {.cores = 1, .death_timeout = "0"},
       "jobqueue: death_timeout is \"0\": ",
       "above zero"},
      {"shebang",
       {.cores = 1, .shebang = "/bin/bash"},
       "jobqueue: shebang is \"/bin/bash\": ",
       "#!"},
      {"unknown launcher",
       {.cores = 1, .launcher = "aprun"},
       "jobqueue: launcher is \"aprun\": ",
       "srun, mpirun or mpiexec"},
      {"unknown transport",
       {.cores = 1, .transport = "carrier-pigeon"},
       "jobqueue: transport is \"carrier-pigeon\": ",
       "auto, shm, tcp or ucx"},
      {"bad resources",
       {.cores = 1, .resources = "GPU"},
       "jobqueue: resources is \"GPU\": ",
       "NAME=amount"},
      {"negative resources",
       {.cores = 1, .resources = "GPU=-1"},
       "jobqueue: resources is \"GPU=-1\": ",
       "NAME=amount"},
      {"repeated resources",
       {.cores = 1, .resources = "GPU=1,GPU=2"},
       "jobqueue: resources is \"GPU=1,GPU=2\": ",
       "each name once"},
      {"bad lifetime",
       {.cores = 1, .lifetime = "forever"},
       "jobqueue: lifetime is \"forever\": ",
       "expected"},
      {"lifetime past walltime",
       {.cores = 1, .walltime = "01:00:00", .lifetime = "1h"},
       "jobqueue: lifetime is \"1h\": ",
       "before the walltime (01:00:00)"},
      {"stagger without lifetime",
       {.cores = 1, .lifetime_stagger = "5m"},
       "jobqueue: lifetime_stagger is \"5m\": ",
       "needs a lifetime"},
      {"stagger longer than lifetime",
       {.cores = 1, .walltime = "10:00:00", .lifetime = "10m", .lifetime_stagger = "20m"},
       "jobqueue: lifetime_stagger is \"20m\": ",
       "longer than the lifetime"},
      {"restart without lifetime",
       {.cores = 1, .lifetime_restart = true},
       "jobqueue: lifetime_restart is \"true\": ",
       "needs a lifetime"},
      {"negative max_jobs", {.cores = 1, .max_jobs = -1}, "jobqueue: max_jobs is \"-1\": ", ">= 0"},
      {"empty worker command",
       {.cores = 1, .worker_command = ""},
       "jobqueue: worker_command is \"\": ",
       "expected a value"},
      {"empty scheduler file",
       {.cores = 1, .scheduler_file = ""},
       "jobqueue: scheduler_file is \"\": ",
       "expected a value"},
      {"resource_spec on Slurm",
       {.cores = 1, .resource_spec = "select=1"},
       "jobqueue: resource_spec is \"select=1\": ",
       "PBS and SGE only"},
      {"lsf_units on Slurm",
       {.cores = 1, .lsf_units = "MB"},
       "jobqueue: lsf_units is \"MB\": ",
       "LSF only"},
      {"parallel_environment on Slurm",
       {.cores = 1, .parallel_environment = "mpi"},
       "jobqueue: parallel_environment is \"mpi\": ",
       "SGE only"},
  };
  for (const Bad& bad : table) {
    INFO(bad.what);
    CHECK_THAT(config_error([&] { (void)resolve_job_spec(System::slurm, bad.options); }),
               StartsWith(bad.message_start) && Contains(bad.problem));
  }
}

TEST_CASE("system-specific values are checked on their systems") {
  Isolated isolated;
  CHECK_THAT(
      config_error([&] { (void)resolve_job_spec(System::lsf, {.cores = 1, .lsf_units = "XB"}); }),
      StartsWith("jobqueue: lsf_units is \"XB\": expected KB, MB, GB or TB"));
  CHECK_THAT(config_error([&] {
               (void)resolve_job_spec(System::sge, {.cores = 1, .parallel_environment = "a b"});
             }),
             StartsWith("jobqueue: parallel_environment is \"a b\": "));
  CHECK_THAT(
      config_error([&] { (void)resolve_job_spec(System::pbs, {.cores = 1, .launcher = "srun"}); }),
      StartsWith("jobqueue: launcher is \"srun\": ") &&
          Contains("Slurm jobs only: use mpirun or mpiexec on pbs"));
  CHECK_THAT(config_error([&] { (void)parse_system("torque"); }),
             StartsWith("jobqueue: system is \"torque\": expected slurm, pbs, lsf or sge"));
}

TEST_CASE("missing cores is an error saying where cores can be given") {
  Isolated isolated;
  CHECK_THAT(config_error([&] { (void)SlurmCluster(); }),
             Contains("cores is not set") && Contains("jobqueue.slurm.cores") &&
                 Contains("TESSERA_JOBQUEUE_SLURM_CORES"));
}

TEST_CASE("a cluster's worker pools have their own specs and scripts") {
  Isolated isolated;
  SlurmCluster cluster({.cores = 32, .memory = "64GiB", .queue = "cpu", .scheduler_file = "/s"});
  const JobSpec& gpu = cluster.add_worker_spec(
      "gpu", {.cores = 8,
              .queue = "gpu",
              .job_extra_directives = std::vector<std::string>{"--gres=gpu:1"},
              .resources = "GPU=1",
              .scheduler_file = "/s"});
  CHECK(gpu.pool == "gpu");
  REQUIRE(cluster.worker_specs().size() == 2);
  CHECK(cluster.worker_specs()[0].pool == "default");
  CHECK(cluster.worker_spec("default").queue == "cpu");
  CHECK_THAT(cluster.job_script("gpu"), Contains("#SBATCH -p gpu\n") &&
                                            Contains("#SBATCH --gres=gpu:1\n") &&
                                            Contains("export TESSERA_RESOURCES=GPU=1\n") &&
                                            Contains("export TESSERA_WORKER_POOL=gpu\n"));
  CHECK_THAT(cluster.job_script(),
             Contains("#SBATCH -p cpu\n") && Contains("export TESSERA_WORKER_POOL=default\n"));
  CHECK_THAT(config_error([&] { (void)cluster.add_worker_spec("gpu", {.cores = 1}); }),
             Contains("worker pool \"gpu\" is already in this cluster"));
  CHECK_THAT(config_error([&] { (void)cluster.add_worker_spec("big mem", {.cores = 1}); }),
             Contains("worker pool name \"big mem\""));
  CHECK_THAT(config_error([&] { (void)cluster.job_script("fpga"); }),
             Contains("worker pool \"fpga\" is not in this cluster (its pools: "
                      "default, gpu)"));
  CHECK_THAT(config_error([&] { (void)cluster.add_worker_spec("tiny", {.cores = -1}); }),
             StartsWith("jobqueue: cores is \"-1\""));
  CHECK(cluster.worker_specs().size() == 2);
}
