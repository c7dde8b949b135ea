// Run by ctest with a small worker memory limit (see tests/CMakeLists.txt): hidden from the
// other runs by the [.spill] tag.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <numeric>
#include <thread>
#include <vector>

#include "tessera/tessera.hpp"

namespace {

std::vector<double> spill_chunk(int index, int size) {
  std::vector<double> values(static_cast<std::size_t>(size));
  std::iota(values.begin(), values.end(), static_cast<double>(index) * size);
  return values;
}
TESSERA_TASK(spill_chunk);

double spill_sum_all(const std::vector<std::vector<double>>& chunks) {
  double total = 0;
  for (const auto& chunk : chunks) total = std::accumulate(chunk.begin(), chunk.end(), total);
  return total;
}
TESSERA_TASK(spill_sum_all);

std::vector<std::vector<double>> spill_collect(const std::vector<double>& a,
                                               const std::vector<double>& b) {
  return {a, b};
}
TESSERA_TASK(spill_collect);

double spill_pair_sum(const std::vector<std::vector<double>>& pair) { return spill_sum_all(pair); }
TESSERA_TASK(spill_pair_sum);

double spill_add(double a, double b) { return a + b; }
TESSERA_TASK(spill_add);

}  // namespace

TEST_CASE("mpi: intermediate data twice the workers' memory spills and the result is right",
          "[.spill]") {
  const char* limit = std::getenv("TESSERA_WORKER_MEMORY_LIMIT");
  REQUIRE(limit != nullptr);  // this case runs with a small limit
  auto client = tessera::get_client();
  // 32 chunks of 1 MiB (131072 doubles) all persisted at once: 32 MiB against 2 x 4 MiB.
  constexpr int chunks = 32;
  constexpr int size = 131072;
  std::vector<tessera::Future<std::vector<double>>> held;
  for (int i = 0; i < chunks; ++i) held.push_back(client.submit(spill_chunk, i, size));
  tessera::wait(held);
  std::vector<tessera::Delayed<double>> sums;
  for (int i = 0; i + 1 < chunks; i += 2) {
    auto pair = tessera::delayed(spill_collect)(held[i], held[i + 1]);
    sums.push_back(tessera::delayed(spill_pair_sum)(pair));
  }
  while (sums.size() > 1) {
    std::vector<tessera::Delayed<double>> next;
    for (std::size_t i = 0; i + 1 < sums.size(); i += 2) {
      next.push_back(tessera::delayed(spill_add)(sums[i], sums[i + 1]));
    }
    sums = next;
  }
  const double n = static_cast<double>(chunks) * size;
  CHECK(sums[0].compute() == n * (n - 1) / 2);

  // Every chunk is still there, bit for bit, though most of them went to disk.
  for (int i : {0, 7, 31})
    CHECK(held[static_cast<std::size_t>(i)].result() == spill_chunk(i, size));

  bool spilled = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!spilled && std::chrono::steady_clock::now() < deadline) {
    for (const auto& event : tessera::get_events("memory")) {
      spilled = spilled || event.message.find("spilled") != std::string::npos;
    }
    if (!spilled) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(spilled);
}
