#pragma once
// Recording stand-ins for the commands of PBS (qsub, qdel, qstat), LSF (bsub, bkill, bjobs) and
// Grid Engine (qsub, qdel, qstat), which have no server packaged here. They are small shell
// scripts that a test writes into a temporary directory put first on PATH. Each records its
// command line (the file "calls", a line per run) and the job script it was given on standard
// input ("script-N"), keeps the jobs it knows in the file "jobs" ("ID STATE" lines, which a
// test may edit to start or end jobs), and prints what the real command prints:
//   PBS qsub   "1001.pbs-server"           qstat  the default table; "qstat: Unknown Job Id ..."
//   LSF bsub   "Job <1001> is submitted to queue <normal>."   bjobs -w  the default table;
//                                          "Job <1001> is not found"
//   SGE qsub   "Your job 1001 ("tessera-worker") has been submitted"   qstat -u USER  the table
// A file "fail-COMMAND" (first line an exit status, then output) makes COMMAND print that
// output and exit with that status, as a failing command does.

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>
#include <tessera/jobqueue/system.hpp>
#include <vector>

#include "jobqueue_support.hpp"

namespace tessera_jobqueue_test {

class StandIns {
 public:
  explicit StandIns(tessera::jobqueue::System system) {
    using tessera::jobqueue::System;
    switch (system) {
      case System::pbs:
        add("qsub", submit("Q", R"(echo "$id.pbs-server")", ".pbs-server"));
        add("qdel", cancel(""));
        add("qstat", R"(found=""; status=0
for id in "$@"; do
  state=$(awk -v id="$id" '$1 == id {print $2}' "$here/jobs")
  if [ -z "$state" ]; then echo "qstat: Unknown Job Id $id" >&2; status=153; continue; fi
  if [ -z "$found" ]; then
    echo "Job id            Name             User              Time Use S Queue"
    echo "----------------  ---------------- ----------------  -------- - -----"
    found=1
  fi
  printf '%-17s %-16s %-17s %8s %s %s\n' "$id" tessera-worker root 00:00:00 "$state" workq
done
exit $status
)");
        break;
      case System::lsf:
        add("bsub", submit("PEND", R"(echo "Job <$id> is submitted to queue <normal>.")", ""));
        add("bkill", cancel(R"(echo "Job <$id> is being terminated")"));
        add("bjobs", R"([ "$1" = "-w" ] && shift
found=""; status=0
for id in "$@"; do
  state=$(awk -v id="$id" '$1 == id {print $2}' "$here/jobs")
  if [ -z "$state" ]; then echo "Job <$id> is not found" >&2; status=255; continue; fi
  if [ -z "$found" ]; then
    echo "JOBID   USER    STAT  QUEUE      FROM_HOST   EXEC_HOST   JOB_NAME   SUBMIT_TIME"
    found=1
  fi
  echo "$id    root    $state  normal     login1      node1       tessera-worker Oct  1 10:00"
done
exit $status
)");
        break;
      case System::sge:
        add("qsub",
            submit("qw", R"(echo "Your job $id (\"tessera-worker\") has been submitted")", ""));
        add("qdel", cancel(R"(echo "root has registered the job $id for deletion")"));
        add("qstat", R"([ -s "$here/jobs" ] || exit 0
echo "job-ID  prior   name       user         state submit/start at     queue                          slots ja-task-ID"
echo "-----------------------------------------------------------------------------------------------------------------"
while read -r id state; do
  printf '%7s 0.55500 tessera-wo %-12s %-5s 10/01/2024 10:00:00 all.q@node1                        1\n' "$id" "$2" "$state"
done < "$here/jobs"
)");
        break;
      case System::slurm:
        break;  // the real Slurm of scripts/slurm-local.sh
    }
    environment.set("PATH", directory.path().string() + ":" + std::getenv("PATH"));
  }

  // The command lines run, in order.
  std::vector<std::string> calls() const { return lines("calls"); }
  // The job script the n-th submission (from 1) got on standard input.
  std::string script(int n) const { return read("script-" + std::to_string(n)); }
  // The jobs the stand-in holds: "ID STATE" lines.
  std::vector<std::string> jobs() const { return lines("jobs"); }
  // Sets a job's state, as the batch system would when it starts or suspends it.
  void set_state(const std::string& id, const std::string& state) const {
    std::string text;
    for (const std::string& line : jobs()) {
      text += line.substr(0, line.find(' ')) == id ? id + " " + state : line;
      text += "\n";
    }
    directory.write("jobs", text);
  }
  // Ends a job outside the cluster (as scancel/qdel by hand, or its walltime, would).
  void end(const std::string& id) const {
    std::string text;
    for (const std::string& line : jobs()) {
      if (line.substr(0, line.find(' ')) != id) text += line + "\n";
    }
    directory.write("jobs", text);
  }
  // Makes `command` fail with `status`, printing `output`.
  void fail(const std::string& command, int status, const std::string& output) const {
    directory.write("fail-" + command, std::to_string(status) + "\n" + output + "\n");
  }
  void forget_calls() const { directory.write("calls", ""); }

  TemporaryDirectory directory;
  Environment environment;

 private:
  // Every stand-in records its command line, and fails when told to.
  void add(const std::string& name, const std::string& body) {
    const std::string path = directory.write(
        name, "#!/bin/sh\n# Recording stand-in for the batch system's " + name +
                  " (tests/jobqueue/stand_ins.hpp).\nhere=$(dirname \"$0\")\n"
                  "line=$(basename \"$0\"); [ $# -gt 0 ] && line=\"$line $*\"\n"
                  "printf '%s\\n' \"$line\" >> \"$here/calls\"\n"
                  "if [ -f \"$here/fail-" +
                  name + "\" ]; then tail -n +2 \"$here/fail-" + name +
                  "\"; exit \"$(head -n 1 \"$here/fail-" + name + "\")\"; fi\n" + body);
    ::chmod(path.c_str(), 0755);
  }
  // Numbers jobs from 1001, keeps the script, and lists the job as `state`.
  static std::string submit(const std::string& state, const std::string& print,
                            const std::string& suffix) {
    return "n=$(( $(cat \"$here/count\" 2>/dev/null || echo 0) + 1 ))\necho $n > \"$here/count\"\n"
           "cat > \"$here/script-$n\"\nid=$((1000 + n))\necho \"$id" +
           suffix + " " + state + "\" >> \"$here/jobs\"\n" + print + "\n";
  }
  // Forgets each job named at once (real systems take a moment).
  static std::string cancel(const std::string& print) {
    return "for id in \"$@\"; do\n  awk -v id=\"$id\" '$1 != id' \"$here/jobs\" > "
           "\"$here/jobs.new\"\n"
           "  mv \"$here/jobs.new\" \"$here/jobs\"\n  " +
           (print.empty() ? std::string(":") : print) + "\ndone\n";
  }
  std::string read(const std::string& name) const {
    std::ifstream file(directory.file(name));
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
  }
  std::vector<std::string> lines(const std::string& name) const {
    std::vector<std::string> result;
    std::istringstream text(read(name));
    for (std::string line; std::getline(text, line);) result.push_back(line);
    return result;
  }
};

}  // namespace tessera_jobqueue_test
