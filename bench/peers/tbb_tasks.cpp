// oneTBB flow graph peer of tessera_bench_tasks: the same N tiny `inc` tasks and pairwise tree
// reduction (2N - 1 tasks), as continue_nodes writing into a results array, the graph built
// and run inside the timed region as tessera's is. Prints the same JSON line, engine "tbb".
//
//   tessera_peer_tbb_tasks --n 1000000 [--threads 2] [--repeat 3]

#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/global_control.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <tessera/memory.hpp>
#include <vector>

#include "../bench_args.hpp"

namespace {

namespace flow = oneapi::tbb::flow;
using Node = flow::continue_node<flow::continue_msg>;

long run(long n, std::vector<long>& results) {
  flow::graph graph;
  std::vector<std::unique_ptr<Node>> nodes;
  nodes.reserve(static_cast<std::size_t>(2 * n));
  results.assign(static_cast<std::size_t>(2 * n), 0);
  long* out = results.data();
  std::vector<long> level;  // task ids of the current level
  level.reserve(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i) {
    nodes.push_back(
        std::make_unique<Node>(graph, [out, i](flow::continue_msg) { out[i] = i + 1; }));
    level.push_back(i);
  }
  long next = n;
  while (level.size() > 1) {
    std::size_t half = level.size() / 2;
    for (std::size_t i = 0; i < half; ++i) {
      const long a = level[2 * i], b = level[2 * i + 1], id = next++;
      nodes.push_back(std::make_unique<Node>(
          graph, [out, a, b, id](flow::continue_msg) { out[id] = out[a] + out[b]; }));
      flow::make_edge(*nodes[static_cast<std::size_t>(a)], *nodes.back());
      flow::make_edge(*nodes[static_cast<std::size_t>(b)], *nodes.back());
      level[i] = id;
    }
    if (level.size() % 2) level[half++] = level.back();
    level.resize(half);
  }
  for (long i = 0; i < n; ++i) nodes[static_cast<std::size_t>(i)]->try_put(flow::continue_msg());
  graph.wait_for_all();
  return out[level.front()];
}

}  // namespace

int main(int argc, char** argv) {
  long n = 1000000;
  long threads = 2;
  long repeat = 1;
  const bench::Args args("tessera_peer_tbb_tasks",
                         "usage: tessera_peer_tbb_tasks [--n N] [--threads T] [--repeat R]\n");
  args.parse(argc, argv, [&](const std::string& flag, const std::string& value) {
    if (flag == "--n") {
      n = args.integer(flag, value, 1);
    } else if (flag == "--threads") {
      threads = args.integer(flag, value, 1);
    } else if (flag == "--repeat") {
      repeat = args.integer(flag, value, 1);
    } else {
      return false;
    }
    return true;
  });
  oneapi::tbb::global_control limit(oneapi::tbb::global_control::max_allowed_parallelism,
                                    static_cast<std::size_t>(threads));
  using seconds = std::chrono::duration<double>;
  for (long r = 0; r < repeat; ++r) {
    std::vector<long> results;
    const auto baseline = tessera::memory_usage().resident;
    const auto start = std::chrono::steady_clock::now();
    const long total = run(n, results);
    const double elapsed = seconds(std::chrono::steady_clock::now() - start).count();
    const double tasks = 2.0 * static_cast<double>(n) - 1.0;
    const double peak =
        static_cast<double>(tessera::memory_usage().peak_resident) - static_cast<double>(baseline);
    if (total != n * (n - 1) / 2 + n) {
      std::fprintf(stderr, "tessera_peer_tbb_tasks: wrong result %ld\n", total);
      return 1;
    }
    std::printf(
        "{\"workload\":\"task_throughput\",\"engine\":\"tbb\",\"params\":{\"n\":%ld,\"tasks\":%.0f,"
        "\"threads\":%ld,\"work_us\":0},\"seconds\":%.6f,\"rate\":%.0f,"
        "\"peak_bytes_per_task\":%.0f}\n",
        n, tasks, threads, elapsed, tasks / elapsed, peak / tasks);
    std::fflush(stdout);
  }
}
