// Array workloads on an n x n float64 array of seeded random numbers in chunk x chunk blocks,
// persisted before the clock starts (as the same workloads with Dask), and the machine's own
// memory copy bandwidth measured in the same run. One JSON line per workload and repetition:
//   {"workload":"sum_x_plus_xT","engine":"threads","params":{...},"seconds":...,"rate":<GB/s>}
// rate is GB/s of input read (1e9 bytes), except copy (bytes read + written per second) and
// graph_1e6_chunks (chunks per second; "bytes_per_chunk" is the memory held per chunk), and
// matmul and dgemm (GFLOP/s; dgemm is one OpenBLAS call on one core, the peer of a matmul
// task).
//
//   tessera_bench_array --engine threads --n 10000 --chunk 1000 [--repeat 3]
//       [--workloads copy,sum_x_plus_xT,mean_axis0,std,stencil5_sum,graph_1e6_chunks]
//   mpirun -n 3 tessera_bench_array --engine mpi --n 10000 --chunk 1000

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <tessera/array.hpp>
#include <tessera/tessera.hpp>
#include <thread>
#include <vector>

#include "bench_args.hpp"

namespace {

struct Options {
  std::string engine = "threads";
  long n = 10000;
  long chunk = 1000;
  int repeat = 1;
  unsigned threads = 0;
  long matmul_n = 4000;
  std::vector<std::string> workloads{"copy",   "sum_x_plus_xT", "mean_axis0",
                                     "std",    "stencil5_sum",  "rechunk_rows_to_cols",
                                     "matmul", "dgemm",         "graph_1e6_chunks"};
};

const bench::Args args(
    "tessera_bench_array",
    "usage: tessera_bench_array [--engine sync|threads|mpi] [--n N] [--chunk C] "
    "[--matmul-n M] [--threads T] [--repeat R] [--workloads a,b,...]\n"
    "workloads: copy, sum_x_plus_xT, mean_axis0, std, stencil5_sum, "
    "rechunk_rows_to_cols, matmul, dgemm, graph_1e6_chunks, sum_x_plus_xT_unfused, cores\n");

Options parse(int argc, char** argv) {
  Options o;
  args.parse(argc, argv, [&](const std::string& flag, const std::string& value) {
    if (flag == "--engine") {
      o.engine = args.engine(value);
    } else if (flag == "--n") {
      o.n = args.integer(flag, value, 1);
    } else if (flag == "--matmul-n") {
      o.matmul_n = args.integer(flag, value, 1);
    } else if (flag == "--chunk") {
      o.chunk = args.integer(flag, value, 1);
    } else if (flag == "--threads") {
      o.threads = static_cast<unsigned>(args.integer(flag, value, 0));
    } else if (flag == "--repeat") {
      o.repeat = static_cast<int>(args.integer(flag, value, 1));
    } else if (flag == "--workloads") {
      o.workloads = bench::Args::list(value);
    } else {
      return false;
    }
    return true;
  });
  return o;
}

using Clock = std::chrono::steady_clock;

// A result with all its digits, to compare runs and versions exactly.
std::string exact(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}
double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void print(const char* workload, const tessera::Client& client, const Options& o, double seconds,
           double rate, const std::string& extra = "") {
  std::printf(
      "{\"workload\":\"%s\",\"engine\":\"%s\",\"params\":{\"n\":%ld,\"chunk\":%ld,"
      "\"threads\":%u},\"seconds\":%.6f,\"rate\":%.3f%s}\n",
      workload, client.scheduler(), o.n, o.chunk, client.threads(), seconds, rate, extra.c_str());
  std::fflush(stdout);
}

// One thread copying 256 MiB (or the array's size, if smaller) back and forth: bytes read and
// written per second, the bound that a pass over memory cannot beat on one core.
double copy_rate(std::size_t bytes) {
  bytes = std::min<std::size_t>(bytes, std::size_t{256} << 20);
  std::vector<char> a(bytes, 1), b(bytes, 2);
  std::memcpy(b.data(), a.data(), bytes);  // touch both first
  const int rounds = 8;
  const auto start = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    std::memcpy(r % 2 ? a.data() : b.data(), r % 2 ? b.data() : a.data(), bytes);
  }
  const double seconds = since(start);
  if (a[bytes / 2] != b[bytes / 2]) std::abort();
  return 2.0 * static_cast<double>(bytes) * rounds / seconds;
}

// How many cores' worth of arithmetic `threads` threads get: the same integer loop on one
// thread, then on each of `threads` at once. A VM's "cores" may share one physical core, and
// then no runtime can go faster than one core's rate on compute-bound work (matmul).
double parallel_speedup(unsigned threads) {
  auto loop = [] {
    volatile std::uint64_t x = 1;
    for (long i = 0; i < 200000000; ++i) x = x * 3 + 1;
  };
  auto start = Clock::now();
  loop();
  const double one = since(start);
  start = Clock::now();
  std::vector<std::thread> all;
  for (unsigned t = 0; t < threads; ++t) all.emplace_back(loop);
  for (auto& t : all) t.join();
  return static_cast<double>(threads) * one / since(start);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  std::unique_ptr<tessera::Runtime> runtime;
  if (o.engine == "mpi") {
    runtime = std::make_unique<tessera::Runtime>(argc, argv);
    if (!runtime->distributed()) args.usage("--engine mpi runs under mpirun with 2 or more ranks");
  }
  tessera::Client client =
      runtime ? runtime->client() : tessera::Client({.scheduler = o.engine, .threads = o.threads});
  const double bytes = 8.0 * static_cast<double>(o.n) * static_cast<double>(o.n);
  auto wants = [&](const char* w) {
    return std::find(o.workloads.begin(), o.workloads.end(), w) != o.workloads.end();
  };

  tessera::Array<double> x;
  bool persisted = false;
  auto input = [&] {
    if (!persisted) {
      persisted = true;
      x = tessera::random::uniform<double>({o.n, o.n}, {o.chunk, o.chunk}, 42).persist();
      tessera::wait(x);
    }
    return x;
  };
  for (int r = 0; r < o.repeat; ++r) {
    if (wants("copy")) {
      const double rate = copy_rate(static_cast<std::size_t>(bytes));
      print("copy", client, o,
            static_cast<double>(std::min<double>(bytes, 256.0 * (1 << 20))) * 16 / rate,
            rate / 1e9);
    }
    if (wants("cores")) {
      const unsigned threads = std::max(1u, client.threads());
      const double speedup = parallel_speedup(threads);
      print("cores", client, o, 0, speedup,
            ",\"note\":\"cores' worth of arithmetic that the task threads get together\"");
    }
    if (wants("sum_x_plus_xT")) {
      auto a = input();
      const auto start = Clock::now();
      const double total = (a + a.T()).sum().compute().item();
      print("sum_x_plus_xT", client, o, since(start), bytes / since(start) / 1e9,
            ",\"result\":" + exact(total));
    }
    if (wants("sum_x_plus_xT_unfused")) {
      // The same without fusion, as a runtime that makes every intermediate does: x + x.T
      // made and held block by block, then summed.
      auto a = input();
      const auto start = Clock::now();
      auto y = (a + a.T()).persist();
      tessera::wait(y);
      const double total = y.sum().compute().item();
      print("sum_x_plus_xT_unfused", client, o, since(start), bytes / since(start) / 1e9,
            ",\"result\":" + exact(total));
    }
    if (wants("mean_axis0")) {
      auto a = input();
      const auto start = Clock::now();
      const auto mean = a.mean(0).compute();
      print("mean_axis0", client, o, since(start), bytes / since(start) / 1e9,
            ",\"result\":" + exact(mean(0)));
    }
    if (wants("std")) {
      auto a = input();
      const auto start = Clock::now();
      const double s = a.std().compute().item();
      print("std", client, o, since(start), bytes / since(start) / 1e9, ",\"result\":" + exact(s));
    }
    if (wants("stencil5_sum")) {
      // A 5-point Laplacian with periodic boundaries through map_overlap (depth 1), then its
      // sum: halo slices travel between blocks, and the stencil and the sum are one pass.
      auto a = input();
      const auto start = Clock::now();
      auto laplacian = tessera::map_overlap(
          [](const tessera::Neighbours<double>& n) {
            return n(-1, 0) + n(1, 0) + n(0, -1) + n(0, 1) - 4.0 * n(0, 0);
          },
          a, {1, 1}, tessera::Boundary::periodic());
      const double total = laplacian.sum().compute().item();
      print("stencil5_sum", client, o, since(start), bytes / since(start) / 1e9,
            ",\"result\":" + exact(total));
    }
    if (wants("rechunk_rows_to_cols")) {
      // The array in rows of `chunk` rows, rechunked to columns of `chunk` columns and held.
      auto rows = tessera::random::uniform<double>({o.n, o.n}, {o.chunk, o.n}, 7).persist();
      tessera::wait(rows);
      const auto start = Clock::now();
      auto columns = rows.rechunk({o.n, o.chunk}).persist();
      tessera::wait(columns);
      print("rechunk_rows_to_cols", client, o, since(start), bytes / since(start) / 1e9);
    }
    if (wants("matmul") || wants("dgemm")) {
      // matmul_n x matmul_n float64 in chunk x chunk blocks; rate in GFLOP/s (2 n^3 flops).
      // dgemm: one cblas_dgemm call of the same size on one core, the limit of one thread.
      const double m = static_cast<double>(o.matmul_n);
      const double flops = 2.0 * m * m * m;
      auto a = tessera::random::uniform<double>({o.matmul_n, o.matmul_n}, {o.chunk, o.chunk}, 3)
                   .persist();
      auto b = tessera::random::uniform<double>({o.matmul_n, o.matmul_n}, {o.chunk, o.chunk}, 4)
                   .persist();
      tessera::wait(a);
      tessera::wait(b);
      if (wants("matmul")) {
        const auto start = Clock::now();
        auto c = tessera::matmul(a, b).persist();
        tessera::wait(c);
        print("matmul", client, o, since(start), flops / since(start) / 1e9,
              ",\"matmul_n\":" + std::to_string(o.matmul_n));
      }
      if (wants("dgemm")) {
        const auto x = a.compute(), y = b.compute();
        tessera::HostArray<double> z({o.matmul_n, o.matmul_n});
        const auto start = Clock::now();
        openblas_set_num_threads(1);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(o.matmul_n),
                    static_cast<int>(o.matmul_n), static_cast<int>(o.matmul_n), 1.0, x.data(),
                    static_cast<int>(o.matmul_n), y.data(), static_cast<int>(o.matmul_n), 0.0,
                    z.data(), static_cast<int>(o.matmul_n));
        const double seconds = since(start);
        print(
            "dgemm", client, o, seconds, flops / seconds / 1e9,
            ",\"engine_note\":\"OpenBLAS, one thread\",\"matmul_n\":" + std::to_string(o.matmul_n));
      }
    }
    if (wants("graph_1e6_chunks")) {
      // A million chunks, one elementwise operation and a sum: the time and memory of
      // building the graph and lowering it to tasks, then of running it.
      const std::int64_t chunks = 1000000;
      const auto before = tessera::memory_usage().resident;
      const auto start = Clock::now();
      auto big = tessera::random::uniform<double>({chunks * 10}, {10}, 1);
      auto total = (big * 2.0 + 1.0).sum();
      auto nodes = tessera::detail::array::block_nodes(total.handle());
      const double seconds = since(start);
      const auto after = tessera::memory_usage().resident;
      const double per_chunk = (static_cast<double>(after) - static_cast<double>(before)) / chunks;
      // Lowering the tasks to the engine's plan and starting them, then running them.
      const auto run_start = Clock::now();
      auto futures = client.run(nodes);
      const double submit_seconds = since(run_start);
      nodes.clear();
      const double value =
          tessera::Future<tessera::Block>(futures.front()).result().values<double>()[0];
      const double run_seconds = since(run_start);
      // The most memory held at once, over the whole run: graph, plan and results.
      const double peak_per_chunk = (static_cast<double>(tessera::memory_usage().peak_resident) -
                                     static_cast<double>(before)) /
                                    chunks;
      print("graph_1e6_chunks", client, o, seconds, chunks / seconds,
            ",\"bytes_per_chunk\":" + std::to_string(per_chunk) + ",\"submit_seconds\":" +
                std::to_string(submit_seconds) + ",\"run_seconds\":" + std::to_string(run_seconds) +
                ",\"peak_bytes_per_chunk\":" + std::to_string(peak_per_chunk) +
                ",\"result\":" + std::to_string(value));
    }
  }
}
