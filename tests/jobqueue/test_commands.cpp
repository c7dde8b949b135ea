// The batch systems' commands run without a shell, and what they print read back.

#include <catch2/catch.hpp>
#include <tessera/errors.hpp>

#include "commands/batch_commands.hpp"
#include "commands/run_command.hpp"

using namespace tessera::jobqueue;
using namespace tessera::jobqueue::detail;
using Catch::Matchers::Contains;
using namespace std::chrono_literals;

TEST_CASE("a command runs without a shell, with its input, output, status and time limit") {
  CommandResult result =
      run_command({"sh", "-c", "cat; echo err >&2; exit 3"}, "script $HOME\n", 5s);
  CHECK(result.status == 3);
  CHECK(result.output == "script $HOME\nerr\n");
  result = run_command({"echo", "a b", "$HOME", "*"}, "", 5s);
  CHECK(result.output == "a b $HOME *\n");
  CHECK(command_line({"squeue", "--format=%i %T", "it's"}) == "squeue '--format=%i %T' 'it'\\''s'");

  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_MATCHES(run_command({"sh", "-c", "echo started; sleep 10"}, "", 200ms),
                       tessera::TimeoutError,
                       Catch::Message("jobqueue: sh -c 'echo started; sleep 10' did not finish "
                                      "within 200 ms and was killed; its output so far: "
                                      "started\n"));
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK_THROWS_AS(run_command({"tessera-no-such-command"}, "", 1s), tessera::ConfigError);
}

TEST_CASE("each batch system's submit output gives the job id") {
  CHECK(slurm_commands().job_id("1234\n") == "1234");
  CHECK(slurm_commands().job_id("sbatch: warning: something\n1234;cluster2\n") == "1234");
  CHECK(slurm_commands().job_id("Submitted batch job 1234\n").empty());  // not --parsable
  CHECK(pbs_commands().job_id("1234.pbs-server\n") == "1234.pbs-server");
  CHECK(pbs_commands().job_id("5678\n") == "5678");
  CHECK(pbs_commands().job_id("qsub: Unknown queue\n").empty());
  CHECK(lsf_commands().job_id("Job <1234> is submitted to queue <normal>.\n") == "1234");
  CHECK(lsf_commands().job_id("Job <99> is submitted to default queue <short>.\n") == "99");
  CHECK(lsf_commands().job_id("Job <x> is submitted\n").empty());
  CHECK(sge_commands().job_id("Your job 1234 (\"tessera-worker\") has been submitted\n") == "1234");
  CHECK(sge_commands().job_id("Your job-array 77.1-4:1 (\"w\") has been submitted\n") == "77");
  CHECK(sge_commands().job_id("1234\n") == "1234");  // qsub -terse
  CHECK(sge_commands().job_id("Unable to run job: no such queue\n").empty());
}

TEST_CASE("each batch system's status output gives the states of the cluster's jobs") {
  const auto slurm =
      slurm_commands().states("11 PENDING\n12 RUNNING\n13 COMPLETING\n14 COMPLETED\n99 RUNNING\n",
                              0, {"11", "12", "13", "14", "15"});
  REQUIRE(slurm);
  CHECK(*slurm == Listing{{"11", JobState::pending},
                          {"12", JobState::running},
                          {"13", JobState::running},
                          {"14", JobState::gone}});
  CHECK(slurm_commands().states("slurm_load_jobs error: Invalid job id specified\n", 1, {"1"}) ==
        Listing{});
  CHECK_FALSE(slurm_commands().states("Unable to contact slurm controller\n", 1, {"1"}));
  CHECK(slurm_commands().status({"11", "12"}) ==
        std::vector<std::string>{"squeue", "--noheader", "--format=%i %T", "--jobs=11,12"});

  // PBS shortens long ids in its table.
  const auto pbs = pbs_commands().states(
      "Job id            Name             User              Time Use S Queue\n"
      "----------------  ---------------- ----------------  -------- - -----\n"
      "7.pbs-server      tessera-worker   ana               00:00:00 R workq\n"
      "8.a-very-long-se* tessera-worker   ana                      0 Q workq\n"
      "qstat: Unknown Job Id 9.pbs-server\n",
      153, {"7.pbs-server", "8.a-very-long-server-name", "9.pbs-server"});
  REQUIRE(pbs);
  CHECK(*pbs == Listing{{"7.pbs-server", JobState::running},
                        {"8.a-very-long-server-name", JobState::pending}});
  CHECK_FALSE(pbs_commands().states("qstat: cannot connect to server\n", 2, {"1"}));

  const auto lsf = lsf_commands().states(
      "JOBID   USER    STAT  QUEUE      FROM_HOST   EXEC_HOST   JOB_NAME   SUBMIT_TIME\n"
      "31      ana     RUN   normal     login1      node7       w          Oct  1 10:00\n"
      "32      ana     PEND  normal     login1                  w          Oct  1 10:00\n"
      "33      ana     DONE  normal     login1      node7       w          Oct  1 10:00\n"
      "Job <34> is not found\n",
      255, {"31", "32", "33", "34"});
  REQUIRE(lsf);
  CHECK(*lsf ==
        Listing{{"31", JobState::running}, {"32", JobState::pending}, {"33", JobState::gone}});

  const auto sge = sge_commands().states(
      "job-ID  prior   name       user         state submit/start at     queue    slots\n"
      "-------------------------------------------------------------------------------\n"
      "     41 0.55500 tessera-wo ana          r     10/01/2024 10:00:00 all.q@n1     4\n"
      "     42 0.00000 tessera-wo ana          qw    10/01/2024 10:00:00              4\n"
      "     43 0.00000 tessera-wo ana          Eqw   10/01/2024 10:00:00              4\n"
      "     44 0.55500 tessera-wo ana          dr    10/01/2024 10:00:00 all.q@n1     4\n"
      "     45 0.55500 other      ana          r     10/01/2024 10:00:00 all.q@n1     4\n",
      0, {"41", "42", "43", "44", "46"});
  REQUIRE(sge);
  CHECK(*sge == Listing{{"41", JobState::running},
                        {"42", JobState::pending},
                        {"43", JobState::pending},
                        {"44", JobState::running}});
}
