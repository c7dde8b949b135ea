// Spills on every worker, then ends the job the hard way, as a user or a batch system does:
//   TERM   SIGTERM to mpirun (what scancel and a job's time limit send)
//   INT    SIGINT to mpirun (Ctrl-C)
//   KILL   SIGKILL to the workers (the OOM killer, a cgroup memory limit)
//   abort  a task aborts its worker (a crash)
// No destructor runs on the workers then. Before ending the job, this checks that the workers
// hold spill files with data in them while nothing is visible in the spill directory; ctest
// (run_mpi.cmake NO_SPILL_LEFT_IN) checks that the directory is still empty afterwards. Needs
// TESSERA_WORKER_MEMORY_LIMIT and TESSERA_SPILL_DIRECTORY, and the workers on this host.
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tessera/tessera.hpp"

namespace {

namespace fs = std::filesystem;

std::vector<double> signal_chunk(int index) {
  return std::vector<double>(131072, static_cast<double>(index));  // 1 MiB
}
TESSERA_TASK(signal_chunk);

int signal_abort(int x) {
  std::abort();
  return x;
}
TESSERA_TASK(signal_abort);

// The files without a name in `directory` that processes of this host hold open, as /proc
// shows them: "<directory>/#<inode> (deleted)" (O_TMPFILE) or "<directory>/<name> (deleted)".
struct HeldFiles {
  int count = 0;
  std::uintmax_t bytes = 0;
  std::vector<pid_t> holders;
};

HeldFiles held_spill_files(const fs::path& directory) {
  const std::string prefix = fs::canonical(directory).string() + "/";
  HeldFiles found;
  for (const auto& process : fs::directory_iterator("/proc")) {
    const std::string name = process.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code error;
    for (fs::directory_iterator fd(process.path() / "fd", error), end; !error && fd != end;
         fd.increment(error)) {
      std::error_code unreadable;
      const std::string target = fs::read_symlink(fd->path(), unreadable).string();
      if (unreadable || !target.starts_with(prefix) || !target.ends_with(" (deleted)")) continue;
      struct stat status {};
      if (::stat(fd->path().c_str(), &status) != 0) continue;
      ++found.count;
      found.bytes += static_cast<std::uintmax_t>(status.st_size);
      found.holders.push_back(static_cast<pid_t>(std::stol(name)));
    }
  }
  return found;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  tessera::Runtime runtime(argc, argv);
  const char* directory = std::getenv("TESSERA_SPILL_DIRECTORY");
  if (!directory || (mode != "TERM" && mode != "INT" && mode != "KILL" && mode != "abort")) {
    std::fprintf(stderr, "usage: TESSERA_SPILL_DIRECTORY=... mpirun -n 3 %s TERM|INT|KILL|abort\n",
                 argv[0]);
    return 2;
  }
  auto client = runtime.client();
  std::vector<tessera::Future<std::vector<double>>> held;
  for (int i = 0; i < 16; ++i) held.push_back(client.submit(signal_chunk, i));
  tessera::wait(held);
  const HeldFiles files = held_spill_files(directory);
  const bool visible = !fs::is_empty(directory);
  std::printf(
      "spill signal test: %d spill files of %ju bytes held, %s in the directory, "
      "ending the job with %s\n",
      files.count, files.bytes, visible ? "something" : "nothing", mode.c_str());
  std::fflush(stdout);
  // Without spilled data the test would prove nothing; a name on disk is what must not be.
  if (files.count == 0 || files.bytes == 0 || visible) return 1;
  if (mode == "abort") {
    client.submit(tessera::TaskOptions{.workers = {1}}, signal_abort, 1).exception();
  } else if (mode == "KILL") {
    for (const pid_t worker : files.holders) kill(worker, SIGKILL);
  } else {
    kill(getppid(), mode == "TERM" ? SIGTERM : SIGINT);  // mpirun, which started this rank
  }
  std::this_thread::sleep_for(std::chrono::seconds(60));  // mpirun ends the job before
  return 0;
}
