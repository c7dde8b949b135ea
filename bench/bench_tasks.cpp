// Task throughput. Workload "reduction" (the default): N tiny `inc` tasks, then a pairwise
// tree reduction of their results (2N - 1 tasks in all); the time covers building the graph
// and running it, as a user pays for both. Workload "chain": N `inc` tasks each on the result
// of the one before (no parallelism: the cost of one dependency after another). Workload
// "gather": client.map of `inc` over N numbers, then client.gather of the N futures (every
// result comes back to the client).
// With --work-us U, each leaf task instead keeps its thread busy for U microseconds, and the
// line adds "efficiency": the leaves' work over (elapsed time x task threads), 1.0 ideal.
// "graph_bytes_per_task" is the resident memory the built graph added, "peak_bytes_per_task" the
// peak (VmHWM) while it ran, both over the memory before building, per task.
// Prints one JSON line per repetition:
//   {"workload":"task_throughput","engine":"threads","params":{...},"seconds":...,"rate":...}
//
//   tessera_bench_tasks --engine threads --n 1000000 [--threads 2] [--repeat 3]
//   mpirun -n 3 tessera_bench_tasks --engine mpi --n 100000   (rank 0 + 2 workers)
//   mpirun -n 3 tessera_bench_tasks --engine mpi --workload gather --n 10000
//   mpirun -n 3 tessera_bench_tasks --engine mpi --workload chain --n 100000
//   mpirun -n 9 tessera_bench_tasks --engine mpi --n 20000 --work-us 1000   (scaling)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <tessera/tessera.hpp>
#include <vector>

#include "bench_args.hpp"

namespace {

long inc(long x) { return x + 1; }
long add(long a, long b) { return a + b; }

// inc after `work_us` microseconds of keeping this thread busy.
long busy_inc(long x, long work_us) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(work_us);
  while (std::chrono::steady_clock::now() < until) {
  }
  return x + 1;
}

}  // namespace

TESSERA_TASK(inc);
TESSERA_TASK(add);
TESSERA_TASK(busy_inc);

namespace {

struct Options {
  std::string engine = "threads";
  std::string workload = "reduction";
  long n = 1000000;
  unsigned threads = 0;
  int repeat = 1;
  long work_us = 0;
};

const bench::Args args("tessera_bench_tasks",
                       "usage: tessera_bench_tasks [--engine sync|threads|mpi] "
                       "[--workload reduction|chain|gather] [--n N] [--threads T] [--repeat R] "
                       "[--work-us U]\n");

Options parse(int argc, char** argv) {
  Options options;
  args.parse(argc, argv, [&](const std::string& flag, const std::string& value) {
    if (flag == "--engine") {
      options.engine = args.engine(value);
    } else if (flag == "--workload") {
      options.workload = value;
      if (value != "reduction" && value != "chain" && value != "gather") {
        args.usage("--workload must be reduction, chain or gather");
      }
    } else if (flag == "--n") {
      options.n = args.integer(flag, value, 1);
    } else if (flag == "--threads") {
      options.threads = static_cast<unsigned>(args.integer(flag, value, 0));
    } else if (flag == "--repeat") {
      options.repeat = static_cast<int>(args.integer(flag, value, 1));
    } else if (flag == "--work-us") {
      options.work_us = args.integer(flag, value, 0);
    } else {
      return false;
    }
    return true;
  });
  return options;
}

tessera::Delayed<long> build_chain(long n) {
  auto d_inc = tessera::delayed(inc);
  auto chain = d_inc(0L);
  for (long i = 1; i < n; ++i) chain = d_inc(chain);
  return chain;
}

tessera::Delayed<long> build(long n, long work_us) {
  auto d_inc = tessera::delayed(inc);
  auto d_busy_inc = tessera::delayed(busy_inc);
  auto d_add = tessera::delayed(add);
  std::vector<tessera::Delayed<long>> level;
  level.reserve(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i) level.push_back(work_us > 0 ? d_busy_inc(i, work_us) : d_inc(i));
  while (level.size() > 1) {
    std::size_t half = level.size() / 2;
    for (std::size_t i = 0; i < half; ++i) level[i] = d_add(level[2 * i], level[2 * i + 1]);
    if (level.size() % 2) level[half++] = level.back();
    level.erase(level.begin() + static_cast<std::ptrdiff_t>(half), level.end());
  }
  return level.front();
}

}  // namespace

int main(int argc, char** argv) {
  Options options = parse(argc, argv);
  std::unique_ptr<tessera::Runtime> runtime;  // under MPI, workers stay inside its constructor
  if (options.engine == "mpi") {
    runtime = std::make_unique<tessera::Runtime>(argc, argv);
    if (!runtime->distributed()) args.usage("--engine mpi runs under mpirun with 2 or more ranks");
  }
  tessera::Client client =
      runtime ? runtime->client()
              : tessera::Client({.scheduler = options.engine, .threads = options.threads});
  using seconds = std::chrono::duration<double>;
  for (int r = 0; r < options.repeat; ++r) {
    if (options.workload == "gather") {
      std::vector<long> items(static_cast<std::size_t>(options.n));
      for (long i = 0; i < options.n; ++i) items[static_cast<std::size_t>(i)] = i;
      auto start = std::chrono::steady_clock::now();
      auto results = client.gather(client.map(inc, items));
      double elapsed = seconds(std::chrono::steady_clock::now() - start).count();
      if (results.back() != options.n) {
        std::fprintf(stderr, "tessera_bench_tasks: wrong last result %ld (expected %ld)\n",
                     results.back(), options.n);
        return 1;
      }
      std::printf(
          "{\"workload\":\"map_gather\",\"engine\":\"%s\",\"params\":{\"n\":%ld,"
          "\"threads\":%u},\"seconds\":%.6f,\"rate\":%.0f}\n",
          client.scheduler(), options.n, client.threads(), elapsed,
          static_cast<double>(options.n) / elapsed);
      std::fflush(stdout);
      continue;
    }
    const bool chain = options.workload == "chain";
    const long expected = chain ? options.n : options.n * (options.n - 1) / 2 + options.n;
    const auto baseline = tessera::memory_usage();
    auto start = std::chrono::steady_clock::now();
    auto total = chain ? build_chain(options.n) : build(options.n, options.work_us);
    auto built = std::chrono::steady_clock::now();
    const auto graph_rss = tessera::memory_usage().resident;
    long result = client.compute(total).result();
    auto stop = std::chrono::steady_clock::now();
    const auto peak_rss = tessera::memory_usage().peak_resident;
    if (result != expected) {
      std::fprintf(stderr, "tessera_bench_tasks: wrong result %ld (expected %ld)\n", result,
                   expected);
      return 1;
    }
    double elapsed = seconds(stop - start).count();
    const double tasks =
        chain ? static_cast<double>(options.n) : 2.0 * static_cast<double>(options.n) - 1.0;
    const double work =
        static_cast<double>(options.n) * static_cast<double>(options.work_us) * 1e-6;
    std::printf(
        "{\"workload\":\"%s\",\"engine\":\"%s\",\"params\":{\"n\":%ld,\"tasks\":%.0f,"
        "\"threads\":%u,\"work_us\":%ld},\"seconds\":%.6f,\"rate\":%.0f,\"build_seconds\":%.6f,"
        "\"run_seconds\":%.6f,\"efficiency\":%.3f,\"graph_bytes_per_task\":%.0f,"
        "\"peak_bytes_per_task\":%.0f}\n",
        chain ? "task_chain" : "task_throughput", client.scheduler(), options.n, tasks,
        client.threads(), options.work_us, elapsed, tasks / elapsed, seconds(built - start).count(),
        seconds(stop - built).count(), work / (elapsed * std::max(1u, client.threads())),
        (static_cast<double>(graph_rss) - static_cast<double>(baseline.resident)) / tasks,
        (static_cast<double>(peak_rss) - static_cast<double>(baseline.resident)) / tasks);
    std::fflush(stdout);
  }
}
