// The Runtime's life under mpirun, one case per run (the case is the first argument): what a
// program gets when it uses tessera outside the one Runtime's life. Each case must end in a
// tessera::Error with a clear message, not hang or die inside MPI. Run by ctest through
// run_mpi.cmake with EXPECT=success: rank 0 exits 0 only if every check held.
//   future-after-end   futures (finished, and not yet finished) kept after the Runtime ended
//   second-runtime     a second Runtime while the first is alive
//   runtime-after-end  a Runtime after the first one ended
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "tessera/tessera.hpp"

namespace {

int lifecycle_add_one(int x) { return x + 1; }
TESSERA_TASK(lifecycle_add_one);

// Still running when the Runtime ends, so that what depends on it is never run.
int lifecycle_slow(int x) {
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  return x;
}
TESSERA_TASK(lifecycle_slow);

int failures = 0;

// Checks that `action` throws a tessera::Error whose message contains `expected`.
template <class Action>
void expect_error(const char* what, Action&& action, const std::string& expected) {
  try {
    action();
    std::printf("FAILED: %s: no error\n", what);
  } catch (const tessera::Error& error) {
    const std::string message = error.what();
    if (message.find(expected) != std::string::npos) {
      std::printf("ok: %s: %s\n", what, error.what());
      return;
    }
    std::printf("FAILED: %s: the message \"%s\" does not say \"%s\"\n", what, error.what(),
                expected.c_str());
  }
  ++failures;
}

void future_after_end(int& argc, char**& argv) {
  tessera::Future<int> finished, waiting;
  std::optional<tessera::Client> kept;  // a client kept too must not reach the ended runtime
  {
    tessera::Runtime runtime(argc, argv);
    auto client = runtime.client();
    kept = client;
    finished = client.submit(lifecycle_add_one, 1);
    finished.exception();  // waits: done, and the value is still on its worker
    waiting = client.submit(lifecycle_add_one, client.submit(lifecycle_slow, 1));
  }
  expect_error(
      "a finished future's result() after the Runtime ended", [&] { return finished.result(); },
      "the runtime has ended");
  expect_error(
      "an unfinished future's result() after the Runtime ended", [&] { return waiting.result(); },
      "was not done when its tessera::Runtime ended");
  expect_error(
      "a submit through a client kept after the Runtime ended",
      [&] { return kept->submit(lifecycle_add_one, 1).result(); }, "runtime has ended");
}

void second_runtime(int& argc, char**& argv) {
  tessera::Runtime runtime(argc, argv);
  expect_error(
      "a second Runtime while one is alive", [&] { tessera::Runtime again(argc, argv); },
      "one Runtime per process");
  // The first one still works.
  const int two = runtime.client().submit(lifecycle_add_one, 1).result();
  if (two != 2) {
    std::printf("FAILED: the first Runtime computed %d, not 2\n", two);
    ++failures;
  }
}

void runtime_after_end(int& argc, char**& argv) {
  { tessera::Runtime runtime(argc, argv); }
  expect_error(
      "a Runtime after one ended", [&] { tessera::Runtime again(argc, argv); },
      "keep one Runtime for the life of the program");
}

}  // namespace

int main(int argc, char** argv) {
  // Whatever goes wrong, the job ends instead of hanging ctest (ranks >= 1 never get here
  // after their Runtime ends: they exit inside it).
  std::thread([] {
    std::this_thread::sleep_for(std::chrono::seconds(60));
    std::fprintf(stderr, "FAILED: the case hung for 60 s\n");
    std::_Exit(3);
  }).detach();
  const std::string name = argc > 1 ? argv[1] : "";
  if (name == "future-after-end") {
    future_after_end(argc, argv);
  } else if (name == "second-runtime") {
    second_runtime(argc, argv);
  } else if (name == "runtime-after-end") {
    runtime_after_end(argc, argv);
  } else {
    std::fprintf(stderr, "usage: %s future-after-end|second-runtime|runtime-after-end\n", argv[0]);
    return 2;
  }
  return failures == 0 ? 0 : 1;
}
