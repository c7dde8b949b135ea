// Rank 0's /metrics, dashboard page and JSON, and a performance report, under mpirun: run by
// ctest with TESSERA_DASHBOARD_ADDRESS=127.0.0.1:0 (tests/CMakeLists.txt), hidden from the other
// runs by the [.dashboard] tag; and the copies workers keep, as its transfer counts show them.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../core/browser_support.hpp"
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

namespace {

// Each worker reports what it fetched, and its memory, every second.
metrics_test::Exposition settled() {
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  return scrape();
}

double moves_from_1_to_2(const metrics_test::Exposition& exposition) {
  const std::string name = "tessera_transfers_total{source=\"1\",destination=\"2\"}";
  return exposition.has(name) ? exposition.value(name) : 0.0;  // no series before a first move
}

}  // namespace

TEST_CASE(
    "mpi: a worker keeps the copy of a persisted block it fetched, so the block moves once, "
    "and drops it when the block is released",
    "[.dashboard]") {
  REQUIRE(ranks() >= 3);
  auto client = tessera::get_client();
  constexpr std::uint64_t block = 4 << 20;
  auto held = client.submit(tessera::TaskOptions{.workers = {1}}, dashboard_block, block);
  tessera::wait(std::vector{held});
  const auto before = settled();
  const double memory = before.value("tessera_worker_memory_bytes" + worker(2));
  for (int read = 0; read < 3; ++read) {  // separate computations, each on rank 2
    CHECK(client.submit(tessera::TaskOptions{.workers = {2}}, dashboard_size, held).result() ==
          block);
  }
  const auto after = settled();
  CHECK(moves_from_1_to_2(after) == moves_from_1_to_2(before) + 1);
  CHECK(after.value("tessera_worker_memory_bytes" + worker(2)) >= memory + block);

  held = {};
  metrics_test::Exposition released;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    released = scrape();
  } while (released.value("tessera_worker_memory_bytes" + worker(2)) >= memory + block &&
           std::chrono::steady_clock::now() < deadline);
  CHECK(released.value("tessera_worker_memory_bytes" + worker(2)) < memory + block);
}

// Run with TESSERA_WORKER_REPLICA_MEMORY=6MiB (tests/CMakeLists.txt): room for one copy.
TEST_CASE("mpi: a worker keeps copies of the blocks it fetched within worker_replica_memory",
          "[.replica-budget]") {
  REQUIRE(ranks() >= 3);
  auto client = tessera::get_client();
  constexpr std::uint64_t block = 4 << 20;
  std::vector<tessera::Future<tessera::Buffer>> held;
  for (int b = 0; b < 2; ++b) {
    held.push_back(client.submit(tessera::TaskOptions{.workers = {1}}, dashboard_block, block));
  }
  tessera::wait(held);
  const auto before = settled();
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& b : held) {
      CHECK(client.submit(tessera::TaskOptions{.workers = {2}}, dashboard_size, b).result() ==
            block);
    }
  }
  // The first block stays on rank 2; the second, past its 6 MiB, moves each time.
  CHECK(moves_from_1_to_2(settled()) == moves_from_1_to_2(before) + 3);
}

namespace {

nlohmann::json get_json(const std::string& path) {
  auto body = metrics_test::http_get(tessera::dashboard_url(), path);
  REQUIRE(body);
  return nlohmann::json::parse(*body);
}

}  // namespace

TEST_CASE(
    "mpi: the dashboard's JSON and page show the cluster's tasks by prefix, worker memory and "
    "the task stream; a performance report holds them",
    "[.dashboard]") {
  REQUIRE(ranks() >= 3);
  const int workers = ranks() - 1;
  auto client = tessera::get_client();
  // Every worker has joined and reported its memory (once a second).
  nlohmann::json snapshot;
  const auto reported_by = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    snapshot = get_json("/api/snapshot");
    bool all = static_cast<int>(snapshot["workers"].size()) == workers;
    for (const auto& w : snapshot["workers"]) all = all && w["memory"].is_number();
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < reported_by);
  CHECK(snapshot["cluster"] == true);
  REQUIRE(static_cast<int>(snapshot["workers"].size()) == workers);
  CHECK(snapshot["workers"][0]["spill_fraction"] == 0.6);
  CHECK(snapshot["workers"][0]["pause_fraction"] == 0.8);

  const auto dir = std::filesystem::current_path() / "test-output";
  std::filesystem::create_directories(dir);
  const auto file = dir / "performance-report-mpi.html";
  const double since = get_json("/api/tasks?since=0")["now"];
  const long n = 300;
  {
    auto report = tessera::performance_report(file.string());
    std::vector<tessera::Delayed<long>> leaves;
    for (long i = 0; i < n; ++i) leaves.push_back(tessera::delayed(dashboard_inc)(1000 + i));
    CHECK(client.compute(tessera::delayed(dashboard_total)(leaves)).result() ==
          n * 1000 + n * (n + 1) / 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(600));  // a few memory samples
  }

  // The live task stream since then: every task once, each on a worker rank's thread.
  char from[64];
  std::snprintf(from, sizeof from, "%.9f", since);
  auto tasks = get_json(std::string("/api/tasks?since=") + from);
  std::map<std::string, int> by_prefix;
  for (const auto& t : tasks["tasks"]) {
    ++by_prefix[t["p"].get<std::string>()];
    CHECK_THAT(t["w"].get<std::string>(), Catch::Matches("worker rank [0-9]+ thread [0-9]+"));
  }
  CHECK(by_prefix == std::map<std::string, int>{{"dashboard_inc", n}, {"dashboard_total", 1}});
  auto after = get_json("/api/snapshot");
  CHECK(after["prefixes"]["dashboard_inc"]["done"].get<long>() >= n);
  CHECK(after["prefixes"]["dashboard_inc"]["total"] == after["prefixes"]["dashboard_inc"]["done"]);

  // The report: the scope's tasks, memory samples of every worker.
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  const auto html = text.str();
  const std::string start = "window.TESSERA_DATA = ";
  const auto begin = html.find(start);
  REQUIRE(begin != std::string::npos);
  const auto data = nlohmann::json::parse(
      html.substr(begin + start.size(), html.find(";</script>", begin) - begin - start.size()));
  CHECK(data["tasks"]["tasks"].size() == n + 1);
  CHECK(data["snapshot"]["cluster"] == true);
  CHECK(data["snapshot"]["tasks"]["completed"] == n + 1);
  CHECK(data["snapshot"]["prefixes"]["dashboard_inc"]["done"] == n);
  REQUIRE(data["samples"].size() >= 2);
  CHECK(static_cast<int>(data["samples"].back()["workers"].size()) == workers);

  if (browser_test::chromium().empty()) {
    WARN("skipped the browser: chromium is not installed (Debian: apt-get install chromium)");
    return;
  }
  auto page = browser_test::load_page(tessera::dashboard_url());
  INFO("Chromium said:\n" << page.log);
  CHECK(page.console == std::vector<std::string>{});
  CHECK(browser_test::text_of(page.dom, "errors").empty());
  CHECK(browser_test::text_of(page.dom, "workers") == std::to_string(workers));
  CHECK(page.dom.find(">dashboard_inc<") != std::string::npos);
  auto report = browser_test::load_page("file://" + file.string(), 1000);
  CHECK(report.console == std::vector<std::string>{});
  CHECK(report.dom.find("id=\"memory-chart\"") != std::string::npos);
  browser_test::load_page("file://" + file.string(), 1000,
                          (dir / "performance-report-mpi.png").string());
}
