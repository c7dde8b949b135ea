// Task Bench's stencil_1d (Slaughter et al., SC20) and its METG: the smallest task granularity
// at which a runtime still reaches 50 % efficiency. The graph is `width` columns by `steps`
// steps; task (s, c) runs a compute-bound kernel of K iterations (multiply-add on a small array,
// 32 FLOP an iteration) on the results of (s-1, c-1), (s-1, c) and (s-1, c+1), the column
// indices clamped to the grid. The benchmark sweeps K from large to small and prints per K
//   {"workload":"stencil","engine":...,"params":{...},"seconds":...,"granularity_us":...,
//    "flops_per_second":...,"efficiency":...}
// where granularity = elapsed x cores / tasks and efficiency = FLOP/s / peak FLOP/s, the peak
// being the largest K's (or the sweep's highest, if noise made a smaller K faster); then one
// summary line {"workload":"stencil_metg",...,"metg_us":...}. Each K runs --repeat times and
// the fastest run counts (the machine is shared). Lines come out once the sweep is done. The
// tessera engines time building the graph and running it, as a user pays for both.
//
// METG as Task Bench's scripts compute it: the smallest granularity with efficiency >= 50 %,
// then linear interpolation (granularity against efficiency) towards the next smaller K if that
// one falls below 50 % ("metg_method":"interpolated"); if no measured K falls below 50 %, the
// smallest measured granularity ("smallest_measured": an upper bound, sweep to smaller K).
//
// Engines: sync, threads (a tessera::delayed graph per run, as a Dask user writes it), mpi (the
// same graph through tessera::Runtime: rank 0 is the client, ranks >= 1 the workers) and
// mpi-reference: the same stencil as hand-written, bulk-synchronous MPI (each rank a block of
// columns; every step it swaps its edge values with its neighbours, then computes), the speed
// limit beside every run. The reference never constructs a tessera::Runtime: under mpirun the
// Runtime keeps ranks >= 1 inside its constructor as workers, so this program owns
// MPI_Init/MPI_Finalize itself in that mode and tessera's scheduler never starts.
//
//   tessera_bench_stencil --engine threads --threads 2
//   mpirun -n 2 tessera_bench_stencil --engine mpi-reference
//   mpirun -n 3 tessera_bench_stencil --engine mpi            (rank 0 + 2 workers)
//   tessera_bench_stencil --engine sync --width 4 --steps 100 --kernel-iterations 4096,64,1

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <tessera/tessera.hpp>
#include <utility>
#include <vector>

namespace {

constexpr int kLanes = 16;
constexpr double kFlopsPerIteration = 2.0 * kLanes;

// Independent lanes let the compiler vectorise the loop; each iteration depends on the last,
// and the start on the inputs, so none of it can be folded away.
[[gnu::noinline]] double kernel(double left, double centre, double right, long iterations) {
  double lanes[kLanes];
  const double start = (left + centre + right) / 3.0;
  for (int i = 0; i < kLanes; ++i) lanes[i] = start + 0.01 * i;
  for (long k = 0; k < iterations; ++k) {
    for (double& x : lanes) x = x * 0.999999 + 0.000001;
  }
  double sum = 0.0;
  for (double x : lanes) sum += x;
  return sum / kLanes;
}

double first_step(long column, long iterations) {
  const double seed = static_cast<double>(column);
  return kernel(seed, seed, seed, iterations);
}

double next_step(double left, double centre, double right, long iterations) {
  return kernel(left, centre, right, iterations);
}

}  // namespace

TESSERA_TASK(first_step);
TESSERA_TASK(next_step);

namespace {

struct Options {
  std::string engine = "threads";
  long width = 2;
  long steps = 1000;
  std::vector<long> iterations;  // largest first
  int repeat = 3;
  unsigned threads = 0;
  unsigned cores = 0;  // 0: from the engine
};

[[noreturn]] void usage(const char* problem) {
  if (problem) std::fprintf(stderr, "tessera_bench_stencil: %s\n", problem);
  std::fprintf(problem ? stderr : stdout,
               "usage: tessera_bench_stencil [--engine sync|threads|mpi|mpi-reference] "
               "[--width W] [--steps S] [--kernel-iterations K1,K2,... | --sweep HI:LO "
               "(K = 2^HI down to 2^LO)] [--repeat R] [--threads T] [--cores C]\n");
  std::exit(problem ? 2 : 0);
}

long positive(const std::string& flag, const std::string& value, long minimum) {
  char* end = nullptr;
  const long number = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end || number < minimum) {
    usage((flag + " must be an integer >= " + std::to_string(minimum)).c_str());
  }
  return number;
}

std::vector<long> sweep(long high, long low) {
  std::vector<long> list;
  for (long e = high; e >= low; --e) list.push_back(1L << e);
  return list;
}

Options parse(int argc, char** argv) {
  Options options;
  options.iterations = sweep(20, 0);
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") usage(nullptr);
    if (i + 1 >= argc) usage(("missing value after " + flag).c_str());
    std::string value = argv[++i];
    if (flag == "--engine") {
      options.engine = value;
      if (value != "sync" && value != "threads" && value != "mpi" && value != "mpi-reference") {
        usage("--engine must be sync, threads, mpi or mpi-reference");
      }
    } else if (flag == "--width") {
      options.width = positive(flag, value, 1);
    } else if (flag == "--steps") {
      options.steps = positive(flag, value, 1);
    } else if (flag == "--kernel-iterations") {
      options.iterations.clear();
      for (std::size_t at = 0; at <= value.size();) {
        const std::size_t comma = std::min(value.find(',', at), value.size());
        options.iterations.push_back(positive(flag, value.substr(at, comma - at), 0));
        at = comma + 1;
      }
    } else if (flag == "--sweep") {
      const std::size_t colon = value.find(':');
      if (colon == std::string::npos) usage("--sweep takes HI:LO, e.g. 20:0");
      const long high = positive(flag, value.substr(0, colon), 0);
      const long low = positive(flag, value.substr(colon + 1), 0);
      if (high > 40 || low > high) usage("--sweep HI:LO needs 40 >= HI >= LO >= 0");
      options.iterations = sweep(high, low);
    } else if (flag == "--repeat") {
      options.repeat = static_cast<int>(positive(flag, value, 1));
    } else if (flag == "--threads") {
      options.threads = static_cast<unsigned>(positive(flag, value, 0));
    } else if (flag == "--cores") {
      options.cores = static_cast<unsigned>(positive(flag, value, 1));
    } else {
      usage(("unknown option " + flag).c_str());
    }
  }
  std::sort(options.iterations.rbegin(), options.iterations.rend());
  options.iterations.erase(std::unique(options.iterations.begin(), options.iterations.end()),
                           options.iterations.end());
  return options;
}

long clamp_column(long column, long width) { return std::clamp(column, 0L, width - 1); }

// The last step computed on one core, to check an engine's results against.
std::vector<double> serial_last_step(long width, long steps, long iterations) {
  std::vector<double> row(static_cast<std::size_t>(width)), next(row.size());
  for (long c = 0; c < width; ++c) row[static_cast<std::size_t>(c)] = first_step(c, iterations);
  for (long s = 1; s < steps; ++s) {
    for (long c = 0; c < width; ++c) {
      next[static_cast<std::size_t>(c)] =
          next_step(row[static_cast<std::size_t>(clamp_column(c - 1, width))],
                    row[static_cast<std::size_t>(c)],
                    row[static_cast<std::size_t>(clamp_column(c + 1, width))], iterations);
    }
    std::swap(row, next);
  }
  return row;
}

// Checking costs a serial run, so only the cheaper K are checked (the wiring of the graph does
// not depend on K).
bool worth_checking(const Options& options, long iterations) {
  return static_cast<double>(options.width) * static_cast<double>(options.steps) *
             static_cast<double>(iterations) <=
         double(1L << 27);
}

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Run {
  double seconds = 0.0;
  double build_seconds = 0.0;
  std::vector<double> last;  // the last step's results (rank 0)
};

Run run_tessera(tessera::Client& client, const Options& options, long iterations) {
  Run run;
  const auto start = Clock::now();
  auto d_first = tessera::delayed(first_step);
  auto d_next = tessera::delayed(next_step);
  const auto width = static_cast<std::size_t>(options.width);
  std::vector<tessera::Delayed<double>> row(width), next(width);
  for (std::size_t c = 0; c < width; ++c) row[c] = d_first(static_cast<long>(c), iterations);
  for (long s = 1; s < options.steps; ++s) {
    for (long c = 0; c < options.width; ++c) {
      next[static_cast<std::size_t>(c)] =
          d_next(row[static_cast<std::size_t>(clamp_column(c - 1, options.width))],
                 row[static_cast<std::size_t>(c)],
                 row[static_cast<std::size_t>(clamp_column(c + 1, options.width))], iterations);
    }
    std::swap(row, next);
  }
  run.build_seconds = seconds_since(start);
  run.last = client.gather(client.compute(row));
  run.seconds = seconds_since(start);
  return run;
}

// Hand-written MPI: rank r owns columns [lo, hi) with a halo cell on each side.
Run run_reference(const Options& options, long iterations, int rank, int ranks) {
  const long lo = options.width * rank / ranks;
  const long hi = options.width * (rank + 1) / ranks;
  const auto n = static_cast<std::size_t>(hi - lo);
  const int left = rank > 0 ? rank - 1 : MPI_PROC_NULL;
  const int right = rank + 1 < ranks ? rank + 1 : MPI_PROC_NULL;
  std::vector<double> row(n + 2), next(n + 2);
  Run run;
  MPI_Barrier(MPI_COMM_WORLD);
  const auto start = Clock::now();
  for (std::size_t i = 1; i <= n; ++i) {
    row[i] = first_step(lo + static_cast<long>(i) - 1, iterations);
  }
  for (long s = 1; s < options.steps; ++s) {
    // At the grid's edges the clamped neighbour is the column itself.
    row[0] = row[1];
    row[n + 1] = row[n];
    MPI_Request requests[4];
    MPI_Irecv(&row[0], 1, MPI_DOUBLE, left, 0, MPI_COMM_WORLD, &requests[0]);
    MPI_Irecv(&row[n + 1], 1, MPI_DOUBLE, right, 0, MPI_COMM_WORLD, &requests[1]);
    MPI_Isend(&row[1], 1, MPI_DOUBLE, left, 0, MPI_COMM_WORLD, &requests[2]);
    MPI_Isend(&row[n], 1, MPI_DOUBLE, right, 0, MPI_COMM_WORLD, &requests[3]);
    MPI_Waitall(4, requests, MPI_STATUSES_IGNORE);
    for (std::size_t i = 1; i <= n; ++i) {
      next[i] = next_step(row[i - 1], row[i], row[i + 1], iterations);
    }
    std::swap(row, next);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  run.seconds = seconds_since(start);

  std::vector<int> counts(static_cast<std::size_t>(ranks)), offsets(counts.size());
  for (int r = 0; r < ranks; ++r) {
    const long r_lo = options.width * r / ranks;
    counts[static_cast<std::size_t>(r)] = static_cast<int>(options.width * (r + 1) / ranks - r_lo);
    offsets[static_cast<std::size_t>(r)] = static_cast<int>(r_lo);
  }
  if (rank == 0) run.last.resize(static_cast<std::size_t>(options.width));
  MPI_Gatherv(row.data() + 1, static_cast<int>(n), MPI_DOUBLE, run.last.data(), counts.data(),
              offsets.data(), MPI_DOUBLE, 0, MPI_COMM_WORLD);
  return run;
}

std::string load_average() {
  std::ifstream file("/proc/loadavg");
  std::string one, five, fifteen;
  file >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

struct Point {
  double granularity_us;
  double efficiency;
};

struct Metg {
  double us = 0.0;
  const char* method = "none";
};

// Task Bench's rule (see the top of this file); points are ordered by K, largest first.
Metg metg(const std::vector<Point>& points, double threshold) {
  Metg result;
  std::size_t best = points.size();
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (points[i].efficiency >= threshold &&
        (best == points.size() || points[i].granularity_us < points[best].granularity_us)) {
      best = i;
    }
  }
  if (best == points.size()) return result;
  result.us = points[best].granularity_us;
  result.method = "smallest_measured";
  if (best + 1 < points.size() && points[best + 1].efficiency < threshold &&
      points[best + 1].granularity_us < points[best].granularity_us) {
    const Point& above = points[best];
    const Point& below = points[best + 1];
    result.us = below.granularity_us + (threshold - below.efficiency) *
                                           (above.granularity_us - below.granularity_us) /
                                           (above.efficiency - below.efficiency);
    result.method = "interpolated";
  }
  return result;
}

std::string iterations_json(const std::vector<long>& iterations) {
  std::string text = "[";
  for (std::size_t i = 0; i < iterations.size(); ++i) {
    if (i) text += ',';
    text += std::to_string(iterations[i]);
  }
  return text + "]";
}

// Runs the sweep; `measure` runs the whole stencil once for K (on every rank of the reference);
// only rank 0 checks and prints, once the sweep is done (efficiency needs the peak).
int sweep_and_report(const Options& options, const char* engine, unsigned cores, unsigned threads,
                     int ranks, bool printing, const std::function<Run(long)>& measure) {
  const double tasks = static_cast<double>(options.width) * static_cast<double>(options.steps);
  const std::string load_before = load_average();
  const auto sweep_start = Clock::now();
  std::vector<Run> bests;
  std::vector<bool> checked;
  for (long iterations : options.iterations) {
    Run best;
    best.seconds = 1e300;
    for (int r = 0; r < options.repeat; ++r) {
      Run run = measure(iterations);
      if (run.seconds < best.seconds) best = std::move(run);
    }
    if (!printing) continue;
    checked.push_back(worth_checking(options, iterations));
    if (checked.back() && best.last != serial_last_step(options.width, options.steps, iterations)) {
      std::fprintf(stderr, "tessera_bench_stencil: %s: wrong results at K = %ld\n", engine,
                   iterations);
      return 1;
    }
    bests.push_back(std::move(best));
  }
  if (!printing) return 0;
  const double sweep_seconds = seconds_since(sweep_start);

  std::vector<double> flop_rates;
  for (std::size_t i = 0; i < bests.size(); ++i) {
    flop_rates.push_back(tasks * static_cast<double>(options.iterations[i]) * kFlopsPerIteration /
                         bests[i].seconds);
  }
  // The peak is the largest K's FLOP/s, or a smaller K's where that was higher: on a shared
  // machine a slow run at the largest K would otherwise raise every efficiency.
  const auto peak_at = static_cast<std::size_t>(
      std::max_element(flop_rates.begin(), flop_rates.end()) - flop_rates.begin());
  const double peak = flop_rates[peak_at];
  std::vector<Point> points;
  for (std::size_t i = 0; i < bests.size(); ++i) {
    const long iterations = options.iterations[i];
    const Point point{bests[i].seconds * cores / tasks * 1e6, flop_rates[i] / peak};
    points.push_back(point);
    std::printf(
        "{\"workload\":\"stencil\",\"engine\":\"%s\",\"params\":{\"width\":%ld,\"steps\":%ld,"
        "\"iterations\":%ld,\"cores\":%u,\"threads\":%u,\"ranks\":%d,\"repeat\":%d},"
        "\"tasks\":%.0f,\"seconds\":%.6f,\"build_seconds\":%.6f,\"rate\":%.0f,"
        "\"granularity_us\":%.3f,\"flops\":%.0f,\"flops_per_second\":%.4g,"
        "\"efficiency\":%.4f,\"checked\":%s}\n",
        engine, options.width, options.steps, iterations, cores, threads, ranks, options.repeat,
        tasks, bests[i].seconds, bests[i].build_seconds, tasks / bests[i].seconds,
        point.granularity_us, tasks * static_cast<double>(iterations) * kFlopsPerIteration,
        flop_rates[i], point.efficiency, checked[i] ? "true" : "false");
  }
  const Metg result = metg(points, 0.5);
  std::printf(
      "{\"workload\":\"stencil_metg\",\"engine\":\"%s\",\"params\":{\"width\":%ld,\"steps\":%ld,"
      "\"iterations\":%s,\"cores\":%u,\"threads\":%u,\"ranks\":%d,\"repeat\":%d,"
      "\"efficiency_threshold\":0.5},\"metg_us\":%.3f,\"metg_method\":\"%s\","
      "\"peak_flops_per_second\":%.4g,\"peak_iterations\":%ld,\"sweep_seconds\":%.2f,"
      "\"load_before\":\"%s\",\"load_after\":\"%s\"}\n",
      engine, options.width, options.steps, iterations_json(options.iterations).c_str(), cores,
      threads, ranks, options.repeat, result.us, result.method, peak, options.iterations[peak_at],
      sweep_seconds, load_before.c_str(), load_average().c_str());
  std::fflush(stdout);
  return 0;
}

int main_reference(int argc, char** argv, const Options& options) {
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  if (options.width < ranks) {
    if (rank == 0) {
      std::fprintf(stderr, "tessera_bench_stencil: --width %ld is less than the %d ranks\n",
                   options.width, ranks);
    }
    MPI_Finalize();
    return 2;
  }
  const unsigned cores = options.cores ? options.cores : static_cast<unsigned>(ranks);
  int status = sweep_and_report(options, "mpi-reference", cores, 1, ranks, rank == 0,
                                [&](long k) { return run_reference(options, k, rank, ranks); });
  MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
  MPI_Finalize();
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  if (options.engine == "mpi-reference") return main_reference(argc, argv, options);
  std::unique_ptr<tessera::Runtime> runtime;  // under MPI, workers stay inside its constructor
  if (options.engine == "mpi") {
    runtime = std::make_unique<tessera::Runtime>(argc, argv);
    if (!runtime->distributed()) usage("--engine mpi runs under mpirun with 2 or more ranks");
  }
  tessera::Client client =
      runtime ? runtime->client()
              : tessera::Client({.scheduler = options.engine, .threads = options.threads});
  const unsigned threads = std::max(1u, client.threads());
  const unsigned cores = options.cores ? options.cores : threads;
  return sweep_and_report(options, client.scheduler(), cores, threads,
                          runtime ? runtime->ranks() : 1, true,
                          [&](long k) { return run_tessera(client, options, k); });
}
