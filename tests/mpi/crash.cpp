// A task that takes its worker down: the job must end (not hang) with a message naming the
// worker rank and the task. Run by ctest through run_mpi.cmake.
//   crash         the task aborts its worker (EXPECT=crash)
//   crash stop    the task stops its worker with SIGSTOP, as a hung node would: the scheduler
//                 stops hearing from it and ends the job after worker_timeout
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tessera/tessera.hpp"

namespace {
int crash(int x) {
  std::abort();
  return x;
}
TESSERA_TASK(crash);

int stop(int x) {
  std::raise(SIGSTOP);
  return x;
}
TESSERA_TASK(stop);
}  // namespace

int main(int argc, char** argv) {
  tessera::Runtime runtime(argc, argv);
  const bool stopping = argc > 1 && std::strcmp(argv[1], "stop") == 0;
  auto future = stopping
                    ? runtime.client().submit(tessera::TaskOptions{.key = "stop-1"}, stop, 1)
                    : runtime.client().submit(tessera::TaskOptions{.key = "crash-1"}, crash, 1);
  std::printf("result %d\n", future.result());
  return 0;
}
