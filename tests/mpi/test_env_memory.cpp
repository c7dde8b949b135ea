// Run by ctest with a 16 MiB worker memory limit (see tests/CMakeLists.txt): hidden from the
// other runs by the [.memory] tag. bench/bench_memory.cpp measures the same at a larger scale.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "support.hpp"
#include "tessera/tessera.hpp"

namespace {

std::uint64_t rss_now() { return tessera::memory_usage().resident; }
TESSERA_TASK(rss_now);

std::uint64_t rss_peak() { return tessera::memory_usage().peak_resident; }
TESSERA_TASK(rss_peak);

tessera::Buffer memory_block(std::uint64_t index, std::uint64_t bytes) {
  auto buffer = tessera::Buffer::allocate(bytes);
  for (auto& word : buffer.as_span<std::uint64_t>()) word = index;
  return buffer;
}
TESSERA_TASK(memory_block);

tessera::Buffer memory_mix(const tessera::Buffer& a, const tessera::Buffer& b) {
  auto buffer = tessera::Buffer::allocate(a.size());
  auto out = buffer.as_span<std::uint64_t>();
  auto x = a.as_span<const std::uint64_t>();
  auto y = b.as_span<const std::uint64_t>();
  for (std::size_t w = 0; w < out.size(); ++w) out[w] = x[w] + y[w];
  return buffer;
}
TESSERA_TASK(memory_mix);

std::uint64_t memory_first(const tessera::Buffer& chunk) {
  return chunk.as_span<const std::uint64_t>()[0];
}
TESSERA_TASK(memory_first);

}  // namespace

TEST_CASE("mpi: eight times the workers' memory in intermediates stays within limit plus overhead",
          "[.memory]") {
  constexpr std::uint64_t mib = 1 << 20;
  constexpr std::uint64_t limit = 16 * mib;
  REQUIRE(std::getenv("TESSERA_WORKER_MEMORY_LIMIT") == std::string("16MiB"));
  REQUIRE(std::getenv("TESSERA_WORKER_THREADS") == std::string("1"));
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  WARN("skipped: a sanitizer's allocator keeps freed memory (quarantine), so RSS says little");
  return;
#endif
  // What a worker may use beyond its limit: the inputs and result of the task it runs (the
  // limit counts only the results it keeps; 3 chunks for its one thread) and 2 MiB for the
  // allocator and messages. bench/bench_memory.cpp measures the same at a larger scale.
  constexpr std::uint64_t chunk = 2 * mib;
  constexpr std::uint64_t overhead = 3 * chunk + 2 * mib;
  auto client = tessera::get_client();
  std::vector<std::uint64_t> baseline;
  for (int rank = 1; rank < mpi_test::ranks(); ++rank) {
    baseline.push_back(client.submit(tessera::TaskOptions{.workers = {rank}}, rss_now).result());
  }
  constexpr std::uint64_t chunks = 32;  // 64 MiB made, 64 MiB mixed: 128 MiB on 2 x 16 MiB
  std::vector<tessera::Future<tessera::Buffer>> made;
  for (std::uint64_t i = 0; i < chunks; ++i) made.push_back(client.submit(memory_block, i, chunk));
  tessera::wait(made);
  std::vector<tessera::Future<tessera::Buffer>> mixed;
  for (std::uint64_t i = 0; i < chunks; ++i) {
    mixed.push_back(client.submit(memory_mix, made[i], made[(i + 1) % chunks]));
  }
  tessera::wait(mixed);
  std::vector<tessera::Future<std::uint64_t>> firsts;
  for (const auto& m : mixed) firsts.push_back(client.submit(memory_first, m));
  const auto values = client.gather(firsts);
  for (std::uint64_t i = 0; i < chunks; ++i) CHECK(values[i] == i + (i + 1) % chunks);

  for (int rank = 1; rank < mpi_test::ranks(); ++rank) {
    const auto peak = client.submit(tessera::TaskOptions{.workers = {rank}}, rss_peak).result();
    const auto base = baseline[static_cast<std::size_t>(rank - 1)];
    INFO("worker rank " << rank << ": peak RSS " << peak / mib << " MiB, " << base / mib
                        << " MiB before the work, limit " << limit / mib << " MiB");
    CHECK(peak <= base + limit + overhead);
  }
}
