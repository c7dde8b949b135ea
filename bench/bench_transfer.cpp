// Worker-to-worker transfer: one buffer made by a task on worker rank 1 and read by a task
// pinned to worker rank 2, so that it moves as a task dependency (peer to peer, raw MPI
// messages). In the same run, before the runtime starts, ranks 1 and 2 measure the raw
// MPI bandwidth of the same message size (MPI_Send/MPI_Recv into a reused buffer: what
// hand-written MPI gets). Prints one JSON line per repetition for each:
//   {"workload":"worker_transfer","engine":"mpi",...,"rate":<bytes/s>,"raw_rate":...}
//
//   mpirun -n 3 tessera_bench_transfer [--mib 256] [--repeat 3]

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <tessera/tessera.hpp>
#include <vector>

namespace {

tessera::Buffer make_payload(std::uint64_t bytes, int seed) {
  auto buffer = tessera::Buffer::allocate(bytes);
  std::memset(buffer.data(), seed & 0xff, bytes);
  return buffer;
}
TESSERA_TASK(make_payload);

// Reads the ends of the buffer (not all of it: the benchmark times the move, not a scan).
std::uint64_t check_payload(const tessera::Buffer& buffer, int seed) {
  const auto expected = static_cast<std::byte>(seed & 0xff);
  if (buffer.empty() || buffer.data()[0] != expected ||
      buffer.data()[buffer.size() - 1] != expected) {
    throw std::runtime_error("payload corrupted in transfer");
  }
  return buffer.size();
}
TESSERA_TASK(check_payload);

[[noreturn]] void usage(const char* problem) {
  if (problem) std::fprintf(stderr, "tessera_bench_transfer: %s\n", problem);
  std::fprintf(problem ? stderr : stdout,
               "usage: mpirun -n 3 tessera_bench_transfer [--mib M] [--repeat R]\n");
  std::exit(problem ? 2 : 0);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct RawTimes {
  double first;  // into fresh memory
  double best;
};

// Raw MPI transfers of `bytes` from rank 1 to rank 2 (rank 0 waits): the first one (into
// memory never touched) and the best of `repeat`.
RawTimes raw_seconds(std::uint64_t bytes, int repeat) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::unique_ptr<std::byte[]> buffer;
  if (rank == 1) {
    buffer.reset(new std::byte[bytes]);
    std::memset(buffer.get(), 1, bytes);
  } else if (rank == 2) {
    buffer.reset(new std::byte[bytes]);  // untouched, as a fresh result buffer would be
  }
  constexpr std::uint64_t piece = std::uint64_t{1} << 30;
  RawTimes times{0.0, 1e30};
  for (int r = 0; r < repeat; ++r) {
    MPI_Barrier(MPI_COMM_WORLD);
    auto start = std::chrono::steady_clock::now();
    for (std::uint64_t offset = 0; offset < bytes; offset += piece) {
      const int count = static_cast<int>(std::min(piece, bytes - offset));
      if (rank == 1) MPI_Send(buffer.get() + offset, count, MPI_BYTE, 2, 7, MPI_COMM_WORLD);
      if (rank == 2) {
        MPI_Recv(buffer.get() + offset, count, MPI_BYTE, 1, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      }
    }
    double elapsed = rank == 2 ? seconds_since(start) : 0.0;
    MPI_Bcast(&elapsed, 1, MPI_DOUBLE, 2, MPI_COMM_WORLD);
    if (r == 0) times.first = elapsed;
    times.best = std::min(times.best, elapsed);
  }
  return times;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t mib = 256;
  int repeat = 3;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") usage(nullptr);
    if (i + 1 >= argc) usage(("missing value after " + flag).c_str());
    char* end = nullptr;
    if (flag == "--mib") {
      mib = std::strtoull(argv[++i], &end, 10);
      if (*end || mib == 0) usage("--mib must be a positive integer");
    } else if (flag == "--repeat") {
      repeat = static_cast<int>(std::strtol(argv[++i], &end, 10));
      if (*end || repeat < 1) usage("--repeat must be a positive integer");
    } else {
      usage(("unknown option " + flag).c_str());
    }
  }
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size < 3) {
    std::fprintf(stderr, "tessera_bench_transfer: run it under mpirun -n 3 (or more)\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  const std::uint64_t bytes = mib << 20;
  const RawTimes raw = raw_seconds(bytes, repeat);

  {
    tessera::Runtime runtime(argc, argv);  // ranks >= 1 work in here from now on
    auto client = runtime.client();
    for (int r = 0; r < repeat; ++r) {
      auto payload = client.submit(tessera::TaskOptions{.workers = {1}}, make_payload, bytes, r);
      payload.exception();  // made and held on rank 1; nothing comes back here
      auto start = std::chrono::steady_clock::now();
      auto size_read =
          client.submit(tessera::TaskOptions{.workers = {2}}, check_payload, payload, r);
      if (size_read.result() != bytes) {
        std::fprintf(stderr, "tessera_bench_transfer: wrong size arrived\n");
        MPI_Abort(MPI_COMM_WORLD, 1);
      }
      const double elapsed = seconds_since(start);
      std::printf(
          "{\"workload\":\"worker_transfer\",\"engine\":\"mpi\",\"params\":{\"bytes\":%llu,"
          "\"ranks\":%d,\"repetition\":%d},\"seconds\":%.6f,\"rate\":%.0f,"
          "\"raw_seconds\":%.6f,\"raw_rate\":%.0f,\"raw_first_seconds\":%.6f,"
          "\"fraction_of_raw\":%.3f,\"fraction_of_raw_first\":%.3f}\n",
          static_cast<unsigned long long>(bytes), size, r, elapsed,
          static_cast<double>(bytes) / elapsed, raw.best, static_cast<double>(bytes) / raw.best,
          raw.first, raw.best / elapsed, raw.first / elapsed);
      std::fflush(stdout);
    }
  }
  MPI_Finalize();  // this program started MPI, so it ends it (after the Runtime)
  return 0;
}
