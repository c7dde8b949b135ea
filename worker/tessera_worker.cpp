// tessera-worker: a worker of an elastic cluster for programs whose tasks live in shared
// libraries. It loads each task library (their TESSERA_TASK registrations run as they load),
// then joins the scheduler named by TESSERA_SCHEDULER_FILE, as the program itself would with
// TESSERA_ROLE=worker, and runs tasks until that scheduler ends.
//
//   tessera-worker --library ./libmytasks.so [--library ...]
//   TESSERA_WORKER_LIBRARIES=./libmytasks.so:./libmore.so tessera-worker
//
// A task library is a CMake MODULE linked to tessera::worker_tasks (worker/CMakeLists.txt):
// it uses tessera's headers and finds the library's code in this program when loaded.

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <tessera/tessera.hpp>
#include <vector>

namespace {

void print_help() {
  std::printf(
      "usage: tessera-worker [--library PATH]...\n"
      "\n"
      "Joins the elastic tessera scheduler named by TESSERA_SCHEDULER_FILE as a worker, after\n"
      "loading the task libraries given (each a shared library whose TESSERA_TASK functions\n"
      "the client calls by name), and runs tasks until the scheduler ends.\n"
      "\n"
      "Exit status 0 when the scheduler ends (also one that ended before this worker joined:\n"
      "it removed its file) and after SIGTERM (the worker retires, handing its results on);\n"
      "1 when it cannot join (no file within TESSERA_WORKER_DEATH_TIMEOUT, a scheduler that\n"
      "crashed) or loses a scheduler that did not end normally.\n"
      "\n"
      "  --library PATH   a task library to load (repeatable); also TESSERA_WORKER_LIBRARIES,\n"
      "                   paths separated by ':'\n"
      "  -h, --help       this help\n"
      "\n"
      "Settings come from the environment as for any tessera worker: TESSERA_SCHEDULER_FILE,\n"
      "TESSERA_WORKER_THREADS, TESSERA_WORKER_MEMORY_LIMIT, TESSERA_SPILL_DIRECTORY,\n"
      "TESSERA_RESOURCES, TESSERA_WORKER_LIFETIME, TESSERA_WORKER_DEATH_TIMEOUT, ...\n");
}

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "tessera-worker: %s\n", message.c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> libraries;
  if (const char* listed = std::getenv("TESSERA_WORKER_LIBRARIES")) {
    std::string_view text = listed;
    while (!text.empty()) {
      const auto colon = text.find(':');
      if (colon != 0) libraries.emplace_back(text.substr(0, colon));
      if (colon == std::string_view::npos) break;
      text = text.substr(colon + 1);
    }
  }
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      print_help();
      return 0;
    }
    if (arg == "--library" && i + 1 < argc) {
      libraries.emplace_back(argv[++i]);
    } else if (arg.starts_with("--library=")) {
      libraries.emplace_back(arg.substr(std::strlen("--library=")));
    } else {
      fail("unknown argument '" + std::string(arg) + "' (see tessera-worker --help)");
    }
  }
  for (const auto& library : libraries) {
    if (dlopen(library.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr) {
      fail("cannot load task library '" + library + "': " + dlerror());
    }
  }
  setenv("TESSERA_ROLE", "worker", 1);
  try {
    tessera::Runtime runtime(argc, argv);  // a worker does not return from here
  } catch (const std::exception& error) {
    fail(error.what());
  }
  fail("the Runtime returned: this process was not started as a worker");
}
