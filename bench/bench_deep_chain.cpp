// A chain of N Delayeds (each inc of the one before): build, compute and release, each
// timed, plus the peak resident memory of the process. Releasing a deep chain once
// recursed once per node and overflowed the stack at about 260,000 nodes.
// Prints one JSON line:
//   {"workload":"deep_chain","engine":"sync","params":{"n":...},"build_s":...,
//    "compute_s":...,"release_s":...,"peak_rss_mib":...}
//
//   tessera_bench_deep_chain --engine sync --n 10000000

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <tessera/tessera.hpp>

namespace {

long inc(long x) { return x + 1; }

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace

TESSERA_TASK(inc);

int main(int argc, char** argv) {
  std::string engine = "sync";
  long n = 10'000'000;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--engine") && i + 1 < argc) {
      engine = argv[++i];
    } else if (!std::strcmp(argv[i], "--n") && i + 1 < argc) {
      n = std::atol(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--engine sync|threads] [--n N]\n", argv[0]);
      return 2;
    }
  }
  tessera::Client client({.scheduler = engine});

  auto start = std::chrono::steady_clock::now();
  auto chain = tessera::delayed(inc)(0L);
  for (long i = 1; i < n; ++i) chain = tessera::delayed(inc)(chain);
  const double build = seconds_since(start);

  start = std::chrono::steady_clock::now();
  const long result = client.compute(chain).result();
  const double compute = seconds_since(start);

  start = std::chrono::steady_clock::now();
  chain = tessera::Delayed<long>();
  const double release = seconds_since(start);

  if (result != n) {
    std::fprintf(stderr, "deep_chain: computed %ld, expected %ld\n", result, n);
    return 1;
  }
  std::printf(
      "{\"workload\":\"deep_chain\",\"engine\":\"%s\",\"params\":{\"n\":%ld},\"build_s\":%.3f,"
      "\"compute_s\":%.3f,\"release_s\":%.3f,\"peak_rss_mib\":%.0f}\n",
      engine.c_str(), n, build, compute, release, peak_rss_mib());
  return 0;
}
