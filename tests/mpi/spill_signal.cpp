// Spills on every worker, then ends the job the hard way, as a user or a batch system does:
//   TERM   SIGTERM to mpirun (what scancel and a job's time limit send)
//   INT    SIGINT to mpirun (Ctrl-C)
//   abort  a task aborts its worker (a crash)
// No destructor runs on the workers then; ctest (run_mpi.cmake NO_SPILL_LEFT_IN) checks that
// the spill directories are gone all the same. Needs TESSERA_WORKER_MEMORY_LIMIT and
// TESSERA_SPILL_DIRECTORY.
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tessera/tessera.hpp"

namespace {

std::vector<double> signal_chunk(int index) {
  return std::vector<double>(131072, static_cast<double>(index));  // 1 MiB
}
TESSERA_TASK(signal_chunk);

int signal_abort(int x) {
  std::abort();
  return x;
}
TESSERA_TASK(signal_abort);

int spill_files(const std::string& directory) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    if (entry.path().filename().string().rfind("tessera-spill-", 0) != 0) continue;
    for ([[maybe_unused]] const auto& file : std::filesystem::directory_iterator(entry.path())) {
      ++files;
    }
  }
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  tessera::Runtime runtime(argc, argv);
  const char* directory = std::getenv("TESSERA_SPILL_DIRECTORY");
  if (!directory || (mode != "TERM" && mode != "INT" && mode != "abort")) {
    std::fprintf(stderr, "usage: TESSERA_SPILL_DIRECTORY=... mpirun -n 3 %s TERM|INT|abort\n",
                 argv[0]);
    return 2;
  }
  auto client = runtime.client();
  std::vector<tessera::Future<std::vector<double>>> held;
  for (int i = 0; i < 16; ++i) held.push_back(client.submit(signal_chunk, i));
  tessera::wait(held);
  const int files = spill_files(directory);
  std::printf("spill signal test: %d spill files, ending the job with %s\n", files, mode.c_str());
  std::fflush(stdout);
  if (files == 0) return 1;  // nothing to clean up: the test would prove nothing
  if (mode == "abort") {
    client.submit(tessera::TaskOptions{.workers = {1}}, signal_abort, 1).exception();
  } else {
    kill(getppid(), mode == "TERM" ? SIGTERM : SIGINT);  // mpirun, which started this rank
  }
  std::this_thread::sleep_for(std::chrono::seconds(60));  // mpirun ends the job before
  return 0;
}
