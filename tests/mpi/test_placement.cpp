// Where tasks run under mpirun: TaskOptions::workers pins tasks to ranks, and
// TaskOptions::resources sends them to workers that offer the resource (TESSERA_RESOURCES),
// or fails them with a message naming the resource when none does.
#include <sched.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"
#include "tessera/tessera.hpp"

using namespace mpi_test;

using namespace std::chrono_literals;

namespace {

int placement_rank(int) { return tessera::this_rank(); }
TESSERA_TASK(placement_rank);

int placement_inc(int x) { return x + 1; }
TESSERA_TASK(placement_inc);

std::string placement_offers(int) {
  const char* offered = std::getenv("TESSERA_RESOURCES");
  return offered ? offered : "";
}
TESSERA_TASK(placement_offers);

// {rank, start, stop} of a task that holds a resource for `milliseconds`.
std::vector<double> placement_hold(int milliseconds) {
  const double start = tessera::wall_time();
  std::this_thread::sleep_for(std::chrono::milliseconds(milliseconds));
  return {static_cast<double>(tessera::this_rank()), start, tessera::wall_time()};
}
TESSERA_TASK(placement_hold);

// The CPUs the worker running it may use (its binding by the launcher).
int placement_cpus(int) {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  return sched_getaffinity(0, sizeof mask, &mask) == 0 ? CPU_COUNT(&mask) : -1;
}
TESSERA_TASK(placement_cpus);

std::vector<int> items(int n) {
  std::vector<int> all(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) all[static_cast<std::size_t>(i)] = i;
  return all;
}

// What each worker rank offers (its TESSERA_RESOURCES), read by a task pinned to it.
std::map<int, std::string> offers(tessera::Client& client) {
  std::map<int, std::string> offered;
  for (int rank = 1; rank < ranks(); ++rank) {
    offered[rank] =
        client.submit(tessera::TaskOptions{.workers = {rank}}, placement_offers, rank).result();
  }
  return offered;
}

}  // namespace

TEST_CASE("mpi: tasks pinned to a worker rank run there") {
  auto client = tessera::get_client();
  for (int rank = 1; rank < ranks(); ++rank) {
    INFO("rank " << rank);
    auto where = client.gather(client.map(placement_rank, items(12), {.workers = {rank}}));
    CHECK(std::all_of(where.begin(), where.end(), [&](int r) { return r == rank; }));
    // A pinned task reading the result of an unpinned one.
    auto unpinned = client.submit(placement_inc, 1);
    CHECK(
        client.submit(tessera::TaskOptions{.workers = {rank}}, placement_rank, unpinned).result() ==
        rank);
  }
}

TEST_CASE("mpi: tasks allowed on a set of ranks run only on those") {
  auto client = tessera::get_client();
  const std::vector<int> allowed{1, ranks() - 1};
  auto where = client.gather(client.map(placement_rank, items(40), {.workers = allowed}));
  for (int rank : where) {
    INFO("ran on rank " << rank);
    CHECK(std::find(allowed.begin(), allowed.end(), rank) != allowed.end());
  }
}

TEST_CASE("mpi: a task pinned to a rank that is not a worker fails, naming the ranks") {
  auto client = tessera::get_client();
  for (int rank : {0, ranks(), ranks() + 7}) {
    INFO("workers = {" << rank << "}");
    auto error =
        task_error_of(client.submit(tessera::TaskOptions{.workers = {rank}}, placement_inc, 1));
    CHECK_THAT(error.original_message(), Catch::Contains("workers " + std::to_string(rank)) &&
                                             Catch::Contains("no worker can run this task"));
  }
  CHECK(client.submit(placement_inc, 1).result() == 2);
}

TEST_CASE("mpi: a resource no worker offers fails the task with a message naming it") {
  auto client = tessera::get_client();
  const auto key = tessera::unique_key("placement-unobtainium");
  auto needy = tessera::delayed(placement_inc, {.key = key, .resources = {{"UNOBTAINIUM", 1}}})(1);
  auto both = client.compute(std::vector{needy, tessera::delayed(placement_inc)(needy)});
  auto error = task_error_of(both[0]);
  CHECK(error.key() == key);
  CHECK_THAT(error.original_message(),
             Catch::Contains("UNOBTAINIUM") && Catch::Contains("TESSERA_RESOURCES"));
  // Its dependent is skipped with the same report.
  auto skipped = task_error_of(both[1]);
  CHECK(skipped.key() == key);
  CHECK_THAT(skipped.original_message(), Catch::Contains("UNOBTAINIUM"));
}

// Under the default settings no worker offers a GPU, and the task fails with a clear message.
// With ranks started with TESSERA_RESOURCES=GPU=1 (run_mpi.cmake's GPU_RANKS), GPU tasks run
// only there and never two at once on one worker.
TEST_CASE("mpi: GPU tasks run only where a GPU is offered, one at a time per GPU") {
  auto client = tessera::get_client();
  std::set<int> gpu_ranks;
  for (const auto& [rank, offered] : offers(client)) {
    if (offered.find("GPU=") != std::string::npos) gpu_ranks.insert(rank);
  }
  if (gpu_ranks.empty()) {
    auto error = task_error_of(
        client.submit(tessera::TaskOptions{.resources = {{"GPU", 1}}}, placement_inc, 1));
    CHECK_THAT(error.original_message(), Catch::Contains("GPU") &&
                                             Catch::Contains("no worker can run this task") &&
                                             Catch::Contains("TESSERA_RESOURCES"));
    return;
  }
  std::vector<tessera::Future<std::vector<double>>> held;
  for (std::size_t i = 0; i < 3 * gpu_ranks.size(); ++i) {
    held.push_back(
        client.submit(tessera::TaskOptions{.resources = {{"GPU", 1}}}, placement_hold, 50));
  }
  std::map<int, std::vector<std::pair<double, double>>> by_rank;
  for (const auto& result : client.gather(held)) {
    const int rank = static_cast<int>(result[0]);
    CHECK(gpu_ranks.count(rank) == 1);
    by_rank[rank].emplace_back(result[1], result[2]);
  }
  for (auto& [rank, spans] : by_rank) {
    std::sort(spans.begin(), spans.end());
    for (std::size_t i = 1; i < spans.size(); ++i) {
      INFO("rank " << rank);
      CHECK(spans[i].first >= spans[i - 1].second);
    }
  }
  // More than any worker offers.
  auto error = task_error_of(
      client.submit(tessera::TaskOptions{.resources = {{"GPU", 1000}}}, placement_inc, 1));
  CHECK_THAT(error.original_message(), Catch::Contains("GPU"));
}

TEST_CASE("mpi: workers take no more threads than the CPUs they are bound to") {
  auto client = tessera::get_client();
  int cpus = 0;
  for (int rank = 1; rank < ranks(); ++rank) {
    const int mine =
        client.submit(tessera::TaskOptions{.workers = {rank}}, placement_cpus, rank).result();
    INFO("rank " << rank);
    REQUIRE(mine >= 1);
    cpus += mine;
  }
  // Oversubscribed workers share their CPUs but each keeps one thread.
  CHECK(client.threads() >= static_cast<std::uint32_t>(ranks() - 1));
  CHECK(client.threads() <= static_cast<std::uint32_t>(std::max(cpus, ranks() - 1)));
}
