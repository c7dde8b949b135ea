// Rank 0's /metrics under mpirun: run by ctest with TESSERA_DASHBOARD_ADDRESS=127.0.0.1:0
// (tests/CMakeLists.txt), hidden from the other runs by the [.dashboard] tag.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "../core/metrics_support.hpp"
#include "support.hpp"
#include "tessera/tessera.hpp"

using namespace mpi_test;

namespace {

tessera::Buffer dashboard_block(std::uint64_t bytes) {
  auto buffer = tessera::Buffer::allocate(bytes);
  std::memset(buffer.data(), 1, bytes);
  return buffer;
}
TESSERA_TASK(dashboard_block);

std::uint64_t dashboard_size(const tessera::Buffer& block) { return block.size(); }
TESSERA_TASK(dashboard_size);

long dashboard_inc(long x) { return x + 1; }
TESSERA_TASK(dashboard_inc);

long dashboard_total(std::vector<long> xs) {
  long total = 0;
  for (auto x : xs) total += x;
  return total;
}
TESSERA_TASK(dashboard_total);

std::string worker(int rank) { return "{worker=\"" + std::to_string(rank) + "\"}"; }

metrics_test::Exposition scrape() {
  auto text = metrics_test::http_get(tessera::dashboard_url(), "/metrics");
  REQUIRE(text);
  auto exposition = metrics_test::read_exposition(*text);
  INFO(*text);
  CHECK(exposition.problems == std::vector<std::string>{});
  return exposition;
}

}  // namespace

TEST_CASE(
    "mpi: rank 0 serves /metrics with the tasks done, each worker's memory and the "
    "transfers between workers",
    "[.dashboard]") {
  REQUIRE(ranks() >= 3);
  const auto url = tessera::dashboard_url();
  REQUIRE_THAT(url, Catch::Matches("http://127\\.0\\.0\\.1:[0-9]+/"));
  auto client = tessera::get_client();
  const int workers = ranks() - 1;
  // Workers join the scheduler as they start: wait (bounded) until all have.
  metrics_test::Exposition before = scrape();
  const auto joined_by = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (before.value("tessera_workers") < workers &&
         std::chrono::steady_clock::now() < joined_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    before = scrape();
  }
  CHECK(before.value("tessera_workers") == workers);
  CHECK(before.value("tessera_workers_joined_total") == workers);
  CHECK(before.value("tessera_workers_left_total") == 0);

  // A block held on each worker, and one fetched from worker 1 by worker 2.
  constexpr std::uint64_t block = 1 << 20;
  std::vector<tessera::Future<tessera::Buffer>> held;
  for (int rank = 1; rank < ranks(); ++rank) {
    held.push_back(client.submit(tessera::TaskOptions{.workers = {rank}}, dashboard_block, block));
  }
  CHECK(client.submit(tessera::TaskOptions{.workers = {2}}, dashboard_size, held[0]).result() ==
        block);
  // And a graph of n + 1 tasks.
  const long n = 200;
  std::vector<tessera::Delayed<long>> leaves;
  for (long i = 0; i < n; ++i) leaves.push_back(tessera::delayed(dashboard_inc)(i));
  CHECK(client.compute(tessera::delayed(dashboard_total)(leaves)).result() == n * (n + 1) / 2);

  const double run = static_cast<double>(workers) + 1 + n + 1;
  metrics_test::Exposition after;
  const std::string from_1_to_2 = "{source=\"1\",destination=\"2\"}";
  // Workers report their memory and what they fetched every second.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    after = scrape();
    bool reported = true;
    for (int rank = 1; rank < ranks(); ++rank) {
      reported = reported && after.value("tessera_worker_memory_bytes" + worker(rank)) >= block;
    }
    reported = reported && after.value("tessera_transfer_bytes_total" + from_1_to_2) >= block;
    if (reported || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (int rank = 1; rank < ranks(); ++rank) {
    INFO("worker rank " << rank);
    CHECK(after.value("tessera_worker_memory_bytes" + worker(rank)) >= block);
    CHECK(after.value("tessera_worker_memory_limit_bytes" + worker(rank)) == 0);
    CHECK(after.value("tessera_worker_threads" + worker(rank)) >= 1);
    CHECK(after.has("tessera_worker_spilled_bytes" + worker(rank)));
  }
  CHECK(after.value("tessera_transfer_bytes_total" + from_1_to_2) >= block);
  CHECK(after.value("tessera_transfers_total" + from_1_to_2) >= 1);
  CHECK(after.value("tessera_tasks_completed_total") -
            before.value("tessera_tasks_completed_total") ==
        run);
  CHECK(after.value("tessera_task_duration_seconds_count") -
            before.value("tessera_task_duration_seconds_count") ==
        run);
  CHECK(after.value("tessera_tasks{state=\"memory\"}") >= workers);
  CHECK(after.value("tessera_tasks{state=\"processing\"}") == 0);
}
