// Defaults from the YAML config file and the environment: file < environment < arguments,
// and errors in either that name the file (or variable), the key and the problem.

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

const char* const config = R"(jobqueue:
  slurm:
    cores: 16
    processes: 4
    memory: 64GiB
    walltime: "02:00:00"
    queue: normal
    job-extra-directives: [--exclusive, --constraint=haswell]
    lifetime_restart: false
  pbs:
    cores: 8
    queue: workq
)";

}  // namespace

TEST_CASE("the config file gives defaults per system") {
  Isolated isolated;
  isolated.environment.set("TESSERA_CONFIG", isolated.directory.write("jobqueue.yaml", config));
  const JobSpec slurm = resolve_job_spec(System::slurm, {});
  CHECK(slurm.cores == 16);
  CHECK(slurm.processes == 4);
  CHECK(slurm.memory == (64ull << 30));
  CHECK(slurm.walltime == std::chrono::hours(2));
  CHECK(slurm.queue == "normal");
  CHECK(slurm.job_extra_directives ==
        std::vector<std::string>{"--exclusive", "--constraint=haswell"});
  const JobSpec pbs = resolve_job_spec(System::pbs, {});
  CHECK(pbs.cores == 8);
  CHECK(pbs.queue == "workq");
  CHECK(pbs.memory == 0);
  // No lsf section: no defaults, so cores is missing.
  CHECK_THAT(config_error([&] { (void)resolve_job_spec(System::lsf, {}); }),
             Contains("cores is not set"));
}

TEST_CASE("the default config file is ~/.config/tessera/jobqueue.yaml or XDG_CONFIG_HOME's") {
  Isolated isolated;
  CHECK(config_file_path() == isolated.directory.file("tessera/jobqueue.yaml"));
  std::filesystem::create_directories(isolated.directory.path() / "tessera");
  isolated.directory.write("tessera/jobqueue.yaml", config);
  CHECK(resolve_job_spec(System::slurm, {}).cores == 16);
  isolated.environment.unset("XDG_CONFIG_HOME");
  isolated.environment.set("HOME", "/home/someone");
  CHECK(config_file_path() == "/home/someone/.config/tessera/jobqueue.yaml");
  // A missing default file gives no defaults, without an error.
  CHECK(resolve_job_spec(System::slurm, {.cores = 2}).cores == 2);
}

TEST_CASE("the environment overrides the file and arguments override both") {
  Isolated isolated;
  isolated.environment.set("TESSERA_CONFIG", isolated.directory.write("jobqueue.yaml", config));
  isolated.environment.set("TESSERA_JOBQUEUE_SLURM_CORES", "32");
  isolated.environment.set("TESSERA_JOBQUEUE_SLURM_QUEUE", "debug");
  isolated.environment.set("TESSERA_JOBQUEUE_SLURM_JOB_EXTRA_DIRECTIVES", "[--gres=gpu:1, --x]");
  isolated.environment.set("TESSERA_JOBQUEUE_SLURM_JOB_SCRIPT_PROLOGUE", "module load x");
  isolated.environment.set("TESSERA_JOBQUEUE_SLURM_LIFETIME_RESTART", "yes");
  isolated.environment.set("TESSERA_JOBQUEUE_SLURM_LIFETIME", "1h");

  const JobSpec from_environment = resolve_job_spec(System::slurm, {});
  CHECK(from_environment.cores == 32);       // environment over file
  CHECK(from_environment.processes == 4);    // file
  CHECK(from_environment.queue == "debug");  // environment over file
  CHECK(from_environment.job_extra_directives == std::vector<std::string>{"--gres=gpu:1", "--x"});
  CHECK(from_environment.job_script_prologue == std::vector<std::string>{"module load x"});
  CHECK(from_environment.lifetime_restart);

  const JobSpec from_arguments = resolve_job_spec(
      System::slurm,
      {.cores = 8, .queue = "long", .job_extra_directives = std::vector<std::string>{}});
  CHECK(from_arguments.cores == 8);
  CHECK(from_arguments.processes == 4);
  CHECK(from_arguments.queue == "long");
  CHECK(from_arguments.job_extra_directives.empty());
  CHECK(merged_options(System::slurm, {.cores = 8}).queue == "debug");
}

TEST_CASE("a bad value names the variable or the file and key it came from") {
  Isolated isolated;
  isolated.environment.set("TESSERA_CONFIG", isolated.directory.write("jobqueue.yaml", config));
  const std::string file = isolated.directory.file("jobqueue.yaml");

  isolated.environment.set("TESSERA_JOBQUEUE_SLURM_CORES", "-2");
  CHECK_THAT(config_error([&] { (void)resolve_job_spec(System::slurm, {}); }),
             StartsWith("jobqueue: cores (environment variable "
                        "TESSERA_JOBQUEUE_SLURM_CORES) is \"-2\": "));
  isolated.environment.set("TESSERA_JOBQUEUE_SLURM_CORES", "many");
  CHECK_THAT(config_error([&] { (void)resolve_job_spec(System::slurm, {}); }),
             StartsWith("jobqueue: environment variable TESSERA_JOBQUEUE_SLURM_CORES "
                        "is \"many\": expected a whole number"));
  isolated.environment.unset("TESSERA_JOBQUEUE_SLURM_CORES");

  isolated.directory.write("jobqueue.yaml",
                           "jobqueue:\n  slurm:\n    cores: 4\n    memory: 4 XB\n");
  CHECK_THAT(config_error([&] { (void)resolve_job_spec(System::slurm, {}); }),
             StartsWith("jobqueue: memory (" + file +
                        ": jobqueue.slurm.memory) is \"4 XB\": unknown unit"));
  // An argument replaces the bad value, and the error with it.
  CHECK(resolve_job_spec(System::slurm, {.memory = "4GB"}).memory == 4000000000);
}

TEST_CASE("bad YAML is an error naming the file, the key and the problem") {
  Isolated isolated;
  const auto error_of = [&](const std::string& text) {
    isolated.environment.set("TESSERA_CONFIG", isolated.directory.write("bad.yaml", text));
    try {
      resolve_job_spec(System::slurm, {.cores = 1});
    } catch (const tessera::ConfigError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  const std::string file = "jobqueue: config file " + isolated.directory.file("bad.yaml") + ": ";
  CHECK_THAT(error_of("jobqueue:\n  slurm:\n    cores: [1\n"),
             StartsWith(file) && Contains("not valid YAML"));
  CHECK_THAT(error_of("jobqueue:\n  slurm:\n    coers: 4\n"),
             StartsWith(file + "line 3, column 5: jobqueue.slurm.coers: unknown parameter"));
  CHECK_THAT(error_of("jobqueue:\n  slurm:\n    job-extra-directives: --exclusive\n"),
             StartsWith(file) && Contains("jobqueue.slurm.job-extra-directives: expected a list"));
  CHECK_THAT(error_of("jobqueue:\n  slurm:\n    queue: [a, b]\n"),
             StartsWith(file) && Contains("jobqueue.slurm.queue: expected a single value"));
  CHECK_THAT(error_of("jobqueue:\n  slurm:\n    job-extra-directives: [[a]]\n"),
             StartsWith(file) && Contains("expected a list of strings"));
  CHECK_THAT(error_of("jobqueue:\n  slurm: 4\n"),
             StartsWith(file) && Contains("jobqueue.slurm: expected a mapping of parameters"));
  CHECK_THAT(error_of("jobqueue: [slurm]\n"),
             StartsWith(file) && Contains("expected a mapping of systems"));
  CHECK_THAT(error_of("- jobqueue\n"), StartsWith(file + "expected a mapping"));
  CHECK_THAT(error_of("jobqueue:\n  slurm:\n    processes: two\n"),
             StartsWith("jobqueue: " + isolated.directory.file("bad.yaml") +
                        ": jobqueue.slurm.processes is \"two\": expected a whole number"));
  // Other systems' sections and other top-level keys are not this system's business.
  CHECK(error_of("distributed: {}\njobqueue:\n  pbs:\n    nonsense: 1\n") == "no error");
  CHECK(error_of("") == "no error");

  isolated.environment.set("TESSERA_CONFIG", isolated.directory.file("missing.yaml"));
  CHECK_THAT(config_error([&] { (void)resolve_job_spec(System::slurm, {.cores = 1}); }),
             StartsWith("jobqueue: config file " + isolated.directory.file("missing.yaml") +
                        ": cannot be read"));
}

TEST_CASE("bad lists in the environment name the variable") {
  Isolated isolated;
  isolated.environment.set("TESSERA_JOBQUEUE_PBS_WORKER_EXTRA_ARGS", "[a, [b");
  CHECK_THAT(config_error([&] { (void)resolve_job_spec(System::pbs, {.cores = 1}); }),
             StartsWith("jobqueue: environment variable "
                        "TESSERA_JOBQUEUE_PBS_WORKER_EXTRA_ARGS is \"[a, [b\": "
                        "not a valid YAML list"));
}
