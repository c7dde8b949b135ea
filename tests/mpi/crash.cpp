// A task that crashes its worker: the job must end (not hang) with a message naming the
// worker rank and the task. Run by ctest through run_mpi.cmake with EXPECT=crash.
#include <cstdio>
#include <cstdlib>

#include "tessera/tessera.hpp"

namespace {
int crash(int x) {
  std::abort();
  return x;
}
TESSERA_TASK(crash);
}  // namespace

int main(int argc, char** argv) {
  tessera::Runtime runtime(argc, argv);
  auto future = runtime.client().submit(tessera::TaskOptions{.key = "crash-1"}, crash, 1);
  std::printf("result %d\n", future.result());
  return 0;
}
