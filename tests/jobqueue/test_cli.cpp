// The tessera-jobqueue command, run as a user runs it.

#include <sys/wait.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <tessera/jobqueue/job_spec.hpp>

#include "jobqueue_support.hpp"
#include "parameters.hpp"

using namespace tessera::jobqueue;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using tessera_jobqueue_test::Isolated;

namespace {

struct Run {
  int status;
  std::string output;  // standard output and error
};

Run run(const std::string& arguments) {
  const std::string command = std::string(TESSERA_JOBQUEUE_CLI) + " " + arguments + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  std::array<char, 4096> buffer;
  while (const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) {
    output.append(buffer.data(), n);
  }
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace

TEST_CASE("tessera-jobqueue script prints the job script of its options") {
  Isolated isolated;
  const Run result =
      run("script --system slurm --cores 8 --processes 2 --memory 16GiB --walltime=01:00:00 "
          "--queue gpu --job-extra-directives --exclusive --job-extra-directives=--gres=gpu:1 "
          "--lifetime 50m --lifetime-restart --scheduler-file /s.json");
  CHECK(result.status == 0);
  const JobSpec spec = resolve_job_spec(
      System::slurm,
      {.cores = 8,
       .processes = 2,
       .memory = "16GiB",
       .walltime = "01:00:00",
       .queue = "gpu",
       .job_extra_directives = std::vector<std::string>{"--exclusive", "--gres=gpu:1"},
       .lifetime = "50m",
       .lifetime_restart = true,
       .scheduler_file = "/s.json"});
  CHECK(result.output == job_script(spec));
}

TEST_CASE("tessera-jobqueue reads the environment and the config file like the library") {
  Isolated isolated;
  isolated.environment.set(
      "TESSERA_CONFIG",
      isolated.directory.write("c.yaml", "jobqueue:\n  lsf:\n    cores: 6\n    lsf-units: MB\n"));
  isolated.environment.set("TESSERA_JOBQUEUE_LSF_MEMORY", "6GiB");
  const Run result = run("script --system lsf --scheduler-file /s.json");
  CHECK(result.status == 0);
  CHECK_THAT(result.output, Contains("#BSUB -n 6\n") && Contains("#BSUB -M 6144\n"));
}

TEST_CASE("tessera-jobqueue --help documents every option") {
  const Run result = run("--help");
  CHECK(result.status == 0);
  CHECK_THAT(result.output, StartsWith("usage: tessera-jobqueue script --system SYSTEM"));
  for (const detail::Parameter& parameter : detail::parameters()) {
    std::string option = "--" + std::string(parameter.name);
    std::replace(option.begin(), option.end(), '_', '-');
    INFO(option);
    CHECK_THAT(result.output, Contains("  " + option + " "));
  }
  CHECK_THAT(result.output, Contains("--system SYSTEM") && Contains("TESSERA_JOBQUEUE_") &&
                                Contains("jobqueue.yaml"));
  CHECK(run("script --help").output == result.output);
}

TEST_CASE("tessera-jobqueue refuses bad use with a message and a non-zero status") {
  Isolated isolated;
  Run result = run("script --system slurm --cores -1");
  CHECK(result.status == 1);
  CHECK_THAT(result.output, StartsWith("tessera-jobqueue: jobqueue: cores is \"-1\""));

  result = run("script --system condor --cores 1");
  CHECK(result.status == 1);
  CHECK_THAT(result.output, Contains("system is \"condor\": expected slurm, pbs, lsf or sge"));

  result = run("script --cores 1");
  CHECK(result.status == 2);
  CHECK_THAT(result.output, Contains("--system is required"));

  result = run("script --system slurm --cores 1 --colour blue");
  CHECK(result.status == 2);
  CHECK_THAT(result.output, Contains("unknown option '--colour'"));

  result = run("script --system slurm --cores");
  CHECK(result.status == 2);
  CHECK_THAT(result.output, Contains("option '--cores' needs a value"));

  result = run("script --system slurm --cores eight");
  CHECK(result.status == 1);
  CHECK_THAT(result.output, Contains("option --cores is \"eight\": expected a whole number"));

  result = run("");
  CHECK(result.status == 2);
  CHECK_THAT(result.output, Contains("a command is required"));

  result = run("frobnicate");
  CHECK(result.status == 2);
  CHECK_THAT(result.output, Contains("unknown command 'frobnicate'"));

  for (const char* command : {"submit", "scale", "list", "close"}) {
    result = run(command);
    CHECK(result.status == 2);
    CHECK_THAT(result.output, Contains("comes with elastic workers and is not available yet"));
  }
}
