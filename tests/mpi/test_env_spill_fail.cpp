// Run by ctest with a 4 MiB worker memory limit and TESSERA_SPILL_DIRECTORY set (see
// tests/CMakeLists.txt): hidden from the other runs by the [.spillfail] tag. The workers' disk
// is "full": a task sets a file size limit on each, so every spill fails with EFBIG.
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

#include "support.hpp"
#include "tessera/tessera.hpp"

namespace {

// Files this worker writes fail beyond 64 KiB from now on; returns the worker's rank.
int fill_disk() {
  rlimit limit{};
  getrlimit(RLIMIT_FSIZE, &limit);
  limit.rlim_cur = 64 * 1024;
  if (setrlimit(RLIMIT_FSIZE, &limit) != 0) throw std::runtime_error("setrlimit failed");
  return tessera::this_rank();
}
TESSERA_TASK(fill_disk);

std::vector<double> full_chunk(int index, int size) {
  std::vector<double> values(static_cast<std::size_t>(size));
  std::iota(values.begin(), values.end(), static_cast<double>(index) * size);
  return values;
}
TESSERA_TASK(full_chunk);

double full_sum(const std::vector<double>& a, const std::vector<double>& b) {
  return std::accumulate(a.begin(), a.end(), 0.0) + std::accumulate(b.begin(), b.end(), 0.0);
}
TESSERA_TASK(full_sum);

double full_add(double a, double b) { return a + b; }
TESSERA_TASK(full_add);

int full_small(int x) { return x + 1; }
TESSERA_TASK(full_small);

}  // namespace

TEST_CASE("mpi: with the spill disk full, the results that do not fit fail with an IoError",
          "[.spillfail]") {
  const char* directory = std::getenv("TESSERA_SPILL_DIRECTORY");
  REQUIRE(directory != nullptr);
  auto client = tessera::get_client();
  for (int rank = 1; rank < mpi_test::ranks(); ++rank) {
    REQUIRE(client.submit(tessera::TaskOptions{.workers = {rank}}, fill_disk).result() == rank);
  }
  // 32 chunks of 1 MiB held at once, against 4 MiB per worker that cannot spill.
  constexpr int chunks = 32;
  constexpr int size = 131072;
  std::vector<tessera::Future<std::vector<double>>> held;
  for (int i = 0; i < chunks; ++i) held.push_back(client.submit(full_chunk, i, size));
  tessera::wait(held, std::chrono::seconds(60));  // ends: nothing waits for memory forever

  std::vector<tessera::Delayed<double>> sums;
  for (int i = 0; i + 1 < chunks; i += 2)
    sums.push_back(tessera::delayed(full_sum)(held[i], held[i + 1]));
  while (sums.size() > 1) {
    std::vector<tessera::Delayed<double>> next;
    for (std::size_t i = 0; i + 1 < sums.size(); i += 2) {
      next.push_back(tessera::delayed(full_add)(sums[i], sums[i + 1]));
    }
    sums = next;
  }
  auto total = client.compute(sums[0]);
  const auto error = mpi_test::task_error_of(total);
  INFO(error.what());
  // The reason names the spill directory and the system's error, not an unrelated task's.
  CHECK(std::string(error.what()).find(" in " + std::string(directory) + ":") != std::string::npos);
  CHECK(std::string(error.what()).find("File too large") != std::string::npos);

  int lost = 0;
  for (const auto& future : held) {
    try {
      (void)future.result(std::chrono::seconds(30));
    } catch (const tessera::TaskError& failure) {
      ++lost;
      CHECK(std::string(failure.what()).find("File too large") != std::string::npos);
    }
  }
  CHECK(lost > chunks / 2);  // each worker keeps at most 3 of them
  CHECK(lost < chunks);

  // The workers are not paused for good: with the results released, they run tasks again.
  held.clear();
  CHECK(client.submit(full_small, 41).result(std::chrono::seconds(30)) == 42);
}
