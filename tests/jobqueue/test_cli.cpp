// The tessera-jobqueue command, run as a user runs it.

#include <sys/wait.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <tessera/jobqueue/job_spec.hpp>

#include "jobqueue_support.hpp"
#include "parameters.hpp"
#include "stand_ins.hpp"

using namespace tessera::jobqueue;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using tessera_jobqueue_test::Isolated;
using tessera_jobqueue_test::StandIns;

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

TEST_CASE("tessera-jobqueue --help documents every option and command") {
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
  for (const char* own : {"--jobs N", "--workers N", "--state FILE", "--timeout TIME"}) {
    CHECK_THAT(result.output, Contains(std::string("  ") + own + " "));
  }
  for (const char* command : {"script", "submit", "scale", "list", "close"}) {
    CHECK_THAT(result.output, Contains(std::string("usage: tessera-jobqueue ") + command) ||
                                  Contains(std::string("       tessera-jobqueue ") + command));
    CHECK_THAT(result.output, Contains(std::string("\n  ") + command + "   "));
  }
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

  result = run("scale --system pbs --cores 1 --jobs 2 --workers 2");
  CHECK(result.status == 2);
  CHECK_THAT(result.output, Contains("scale needs --jobs N or --workers N (one of them)"));

  result = run("submit --system pbs --cores 1 --jobs many");
  CHECK(result.status == 1);
  CHECK_THAT(result.output, Contains("option --jobs is \"many\": expected a whole number"));
}

TEST_CASE("tessera-jobqueue submit, scale, list and close keep the jobs in a state file") {
  Isolated isolated;
  StandIns batch(System::pbs);
  const std::string scheduler = " --scheduler-file " + isolated.directory.file("s.json");
  const std::string state = isolated.directory.file("s.jobs.yaml");
  const std::string options = " --system pbs --cores 2 --max-jobs 3" + scheduler;

  Run result = run("submit" + options + " --jobs 2");
  CHECK(result.status == 0);
  CHECK(result.output == "1001.pbs-server\n1002.pbs-server\n");
  CHECK(std::filesystem::exists(state));
  CHECK(batch.script(1) ==
        job_script(resolve_job_spec(
            System::pbs,
            {.cores = 2, .max_jobs = 3, .scheduler_file = isolated.directory.file("s.json")})));

  result = run("scale" + options + " --workers 5");  // 5 jobs asked, max_jobs allows 3
  CHECK(result.status == 0);
  CHECK_THAT(result.output, Contains("1003.pbs-server") && !Contains("1004"));
  CHECK_THAT(result.output, Contains("max_jobs (3) allows 3 jobs, not 5"));

  batch.set_state("1001.pbs-server", "R");
  result = run("list" + scheduler);
  CHECK(result.status == 0);
  CHECK_THAT(result.output, Contains("JOBID") &&
                                Contains("1001.pbs-server      default      running") &&
                                Contains("1003.pbs-server      default      pending"));

  batch.forget_calls();
  result = run("scale" + options + " --jobs 1");
  CHECK(result.status == 0);
  CHECK(batch.calls().back() == "qdel 1003.pbs-server 1002.pbs-server");

  result = run("submit --system lsf --cores 1 --state " + state);
  CHECK(result.status == 1);
  CHECK_THAT(result.output, Contains("the state file " + state + " holds pbs jobs, not lsf jobs"));

  batch.forget_calls();
  result = run("close --state " + state);
  CHECK(result.status == 0);
  CHECK_THAT(result.output, Contains("closed"));
  CHECK_THAT(batch.calls().at(1), StartsWith("qdel 1001.pbs-server"));
  CHECK(batch.jobs().empty());
  CHECK_FALSE(std::filesystem::exists(state));
  CHECK_THAT(run("list" + scheduler).output, Contains("no jobs (no state file " + state + ")"));
}
