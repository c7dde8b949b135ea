// Worker memory under a limit: chunks whose total is many times the workers' memory limit
// are made, combined pairwise into as many new chunks, and summed, with every chunk of both
// stages held at once (futures), so that most of them must spill to disk. Measures each
// worker's peak resident memory (VmHWM in /proc/self/status) against its resident memory
// before the work. Prints one JSON line:
//   {"workload":"spill","engine":"mpi","params":{...},"seconds":...,"rate":<bytes/s made>,
//    "peak_rss":<largest worker VmHWM>,"baseline_rss":<its VmRSS before>,"over_limit":...}
// where over_limit = peak_rss - baseline_rss - limit (the overhead beyond the limit).
//
//   mpirun -n 3 tessera_bench_memory [--limit-mib 64] [--chunks 64] [--chunk-mib 8]

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <tessera/tessera.hpp>
#include <vector>

namespace {

std::uint64_t worker_rss() { return tessera::memory_usage().resident; }
TESSERA_TASK(worker_rss);

std::uint64_t worker_peak_rss() { return tessera::memory_usage().peak_resident; }
TESSERA_TASK(worker_peak_rss);

// Every 8-byte word is index * 1000003 + word, so that sums are known in advance.
tessera::Buffer memory_chunk(std::uint64_t index, std::uint64_t bytes) {
  auto buffer = tessera::Buffer::allocate(bytes);
  auto words = buffer.as_span<std::uint64_t>();
  for (std::uint64_t w = 0; w < words.size(); ++w) words[w] = index * 1000003 + w;
  return buffer;
}
TESSERA_TASK(memory_chunk);

tessera::Buffer memory_combine(const tessera::Buffer& a, const tessera::Buffer& b) {
  auto buffer = tessera::Buffer::allocate(a.size());
  auto out = buffer.as_span<std::uint64_t>();
  auto x = a.as_span<const std::uint64_t>();
  auto y = b.as_span<const std::uint64_t>();
  for (std::size_t w = 0; w < out.size(); ++w) out[w] = x[w] + y[w];
  return buffer;
}
TESSERA_TASK(memory_combine);

std::uint64_t memory_sum(const tessera::Buffer& chunk) {
  std::uint64_t total = 0;
  for (auto word : chunk.as_span<const std::uint64_t>()) total += word;
  return total;
}
TESSERA_TASK(memory_sum);

[[noreturn]] void usage(const char* problem) {
  if (problem) std::fprintf(stderr, "tessera_bench_memory: %s\n", problem);
  std::fprintf(problem ? stderr : stdout,
               "usage: mpirun -n 3 tessera_bench_memory [--limit-mib L] [--chunks N] "
               "[--chunk-mib M]\n");
  std::exit(problem ? 2 : 0);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t limit_mib = 64;
  std::uint64_t chunks = 64;
  std::uint64_t chunk_mib = 8;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") usage(nullptr);
    if (i + 1 >= argc) usage(("missing value after " + flag).c_str());
    char* end = nullptr;
    const std::uint64_t value = std::strtoull(argv[++i], &end, 10);
    if (*end || value == 0) usage((flag + " must be a positive integer").c_str());
    if (flag == "--limit-mib") {
      limit_mib = value;
    } else if (flag == "--chunks") {
      chunks = value;
    } else if (flag == "--chunk-mib") {
      chunk_mib = value;
    } else {
      usage(("unknown option " + flag).c_str());
    }
  }
  // Every rank runs this before the Runtime starts, so the workers read it too.
  setenv("TESSERA_WORKER_MEMORY_LIMIT", (std::to_string(limit_mib) + "MiB").c_str(), 1);
  tessera::Runtime runtime(argc, argv);
  if (!runtime.distributed()) usage("run it under mpirun -n 3 (or more)");
  auto client = runtime.client();
  const int workers = runtime.ranks() - 1;
  const std::uint64_t chunk_bytes = chunk_mib << 20;

  std::vector<std::uint64_t> baseline;
  for (int rank = 1; rank <= workers; ++rank) {
    baseline.push_back(client.submit(tessera::TaskOptions{.workers = {rank}}, worker_rss).result());
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<tessera::Future<tessera::Buffer>> made;
  for (std::uint64_t i = 0; i < chunks; ++i)
    made.push_back(client.submit(memory_chunk, i, chunk_bytes));
  tessera::wait(made);
  std::vector<tessera::Future<tessera::Buffer>> combined;
  for (std::uint64_t i = 0; i < chunks; ++i) {
    combined.push_back(client.submit(memory_combine, made[i], made[(i + 1) % chunks]));
  }
  tessera::wait(combined);
  std::vector<tessera::Future<std::uint64_t>> sums;
  for (const auto& chunk : combined) sums.push_back(client.submit(memory_sum, chunk));
  std::uint64_t total = 0;
  for (auto value : client.gather(sums)) total += value;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::uint64_t expected = 0;
  const std::uint64_t words = chunk_bytes / 8;
  for (std::uint64_t i = 0; i < chunks; ++i) {
    const std::uint64_t j = (i + 1) % chunks;
    expected += (i + j) * 1000003 * words + words * (words - 1);
  }
  if (total != expected) {
    std::fprintf(stderr, "tessera_bench_memory: wrong sum %llu, expected %llu\n",
                 static_cast<unsigned long long>(total), static_cast<unsigned long long>(expected));
    return 1;
  }
  std::uint64_t peak = 0;
  std::uint64_t peak_baseline = 0;
  std::string per_worker;
  for (int rank = 1; rank <= workers; ++rank) {
    const auto hwm =
        client.submit(tessera::TaskOptions{.workers = {rank}}, worker_peak_rss).result();
    const auto base = baseline[static_cast<std::size_t>(rank - 1)];
    // Appended piece by piece: GCC 12 warns (-Wrestrict) on "literal" + std::string&& here.
    per_worker += per_worker.empty() ? "{\"rank\":" : ",{\"rank\":";
    per_worker += std::to_string(rank);
    per_worker += ",\"peak_rss\":";
    per_worker += std::to_string(hwm);
    per_worker += ",\"baseline_rss\":";
    per_worker += std::to_string(base);
    per_worker += "}";
    if (hwm - base > peak - peak_baseline) {
      peak = hwm;
      peak_baseline = base;
    }
  }
  const std::uint64_t limit = limit_mib << 20;
  const auto made_bytes = static_cast<double>(2 * chunks * chunk_bytes);
  std::printf(
      "{\"workload\":\"spill\",\"engine\":\"mpi\",\"params\":{\"limit_bytes\":%llu,"
      "\"chunks\":%llu,\"chunk_bytes\":%llu,\"intermediate_bytes\":%.0f,\"workers\":%d},"
      "\"seconds\":%.6f,\"rate\":%.0f,\"peak_rss\":%llu,\"baseline_rss\":%llu,"
      "\"over_limit\":%lld,\"workers\":[%s]}\n",
      static_cast<unsigned long long>(limit), static_cast<unsigned long long>(chunks),
      static_cast<unsigned long long>(chunk_bytes), made_bytes, workers, seconds,
      made_bytes / seconds, static_cast<unsigned long long>(peak),
      static_cast<unsigned long long>(peak_baseline),
      static_cast<long long>(peak) - static_cast<long long>(peak_baseline + limit),
      per_worker.c_str());
  return 0;
}
