// Futures under mpirun: submit, map, gather, persist, as_completed, wait, cancel, release
// and fire_and_forget, with the tasks running on the worker ranks.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"
#include "tessera/tessera.hpp"

using namespace mpi_test;

using namespace std::chrono_literals;

namespace {

int futures_inc(int x) { return x + 1; }
TESSERA_TASK(futures_inc);
int futures_add(int a, int b) { return a + b; }
TESSERA_TASK(futures_add);
int futures_square(int x) { return x * x; }
TESSERA_TASK(futures_square);
// One count at the index of the rank that ran it.
std::vector<int> futures_rank_count(int) {
  std::vector<int> counts(static_cast<std::size_t>(tessera::job_size()));
  counts[static_cast<std::size_t>(tessera::this_rank())] = 1;
  return counts;
}
TESSERA_TASK(futures_rank_count);
std::vector<int> futures_add_counts(const std::vector<int>& a, const std::vector<int>& b) {
  std::vector<int> sum(a);
  for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += b[i];
  return sum;
}
TESSERA_TASK(futures_add_counts);

// Returns `value` once the file `path` exists (at most 10 s, so that a lost test does not
// keep a worker thread forever).
int futures_block(std::string path, int value) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!std::filesystem::exists(path) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(2ms);
  }
  return value;
}
TESSERA_TASK(futures_block);

// Leaves a trace that the task ran: the file `path`.
int futures_mark(int x, std::string path) {
  std::ofstream(path) << x;
  return x;
}
TESSERA_TASK(futures_mark);

// Logs an event under `topic` (reaches rank 0's get_events).
int futures_announce(std::string topic, int x) {
  tessera::log_event(topic, "ran " + std::to_string(x));
  return x;
}
TESSERA_TASK(futures_announce);

std::size_t runs_of(const tessera::Client& client, const tessera::Key& key) {
  const auto stream = client.task_stream();
  return static_cast<std::size_t>(std::count_if(
      stream.begin(), stream.end(), [&](const tessera::TaskRecord& r) { return r.key == key; }));
}

// Occupies every thread of worker rank 1 until `gate` exists; tasks pinned to rank 1 and
// submitted afterwards wait in its queue meanwhile.
std::vector<tessera::Future<int>> block_rank_1(tessera::Client& client, const Scratch& gate) {
  const auto threads_per_worker = client.threads() / static_cast<std::uint32_t>(ranks() - 1);
  std::vector<tessera::Future<int>> blockers;
  for (std::uint32_t t = 0; t < threads_per_worker; ++t) {
    blockers.push_back(client.submit(tessera::TaskOptions{.workers = {1}}, futures_block, gate.path,
                                     static_cast<int>(t)));
  }
  return blockers;
}

}  // namespace

TEST_CASE("mpi: submit, map and gather return every result in order") {
  auto client = tessera::get_client();
  REQUIRE(std::string(client.scheduler()) == "mpi");
  REQUIRE(client.threads() >= static_cast<std::uint32_t>(ranks() - 1));

  auto one = client.submit(futures_inc, 41);
  CHECK(one.result() == 42);
  CHECK(std::string(one.status()) == "finished");

  std::vector<int> items(200);
  for (int i = 0; i < 200; ++i) items[static_cast<std::size_t>(i)] = i;
  auto futures = client.map(futures_square, items);
  REQUIRE(futures.size() == items.size());
  auto results = client.gather(futures);
  for (int i = 0; i < 200; ++i) CHECK(results[static_cast<std::size_t>(i)] == i * i);
}

TEST_CASE("mpi: several threads of rank 0 submit and gather at once") {
  auto client = tessera::get_client();
  std::vector<std::vector<int>> results(4);
  std::vector<std::string> errors(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      try {
        std::vector<tessera::Future<int>> firsts, futures;
        for (int i = 0; i < 50; ++i) {
          firsts.push_back(client.submit(futures_inc, 100 * t + i));
          futures.push_back(client.submit(futures_add, firsts.back(), firsts.back()));
        }
        results[static_cast<std::size_t>(t)] = client.gather(futures);
      } catch (const std::exception& error) {
        errors[static_cast<std::size_t>(t)] = error.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) {
    REQUIRE(errors[static_cast<std::size_t>(t)].empty());
    REQUIRE(results[static_cast<std::size_t>(t)].size() == 50);
    for (int i = 0; i < 50; ++i) {
      CHECK(results[static_cast<std::size_t>(t)][static_cast<std::size_t>(i)] ==
            2 * (100 * t + i + 1));
    }
  }
}

TEST_CASE("mpi: a map of many small tasks spreads over the workers and finishes") {
  auto client = tessera::get_client();
  std::vector<int> items(5000);
  for (int i = 0; i < 5000; ++i) items[static_cast<std::size_t>(i)] = i;
  auto futures = client.map(futures_rank_count, items);
  tessera::wait(futures, std::chrono::seconds(10));
  // Counted on the workers by a tree of additions (gather would bring 5000 results here).
  std::vector<tessera::Delayed<std::vector<int>>> level;
  for (const auto& f : futures) level.emplace_back(f);
  while (level.size() > 1) {
    std::vector<tessera::Delayed<std::vector<int>>> next;
    for (std::size_t i = 0; i + 1 < level.size(); i += 2) {
      next.push_back(tessera::delayed(futures_add_counts)(level[i], level[i + 1]));
    }
    if (level.size() % 2) next.push_back(level.back());
    level = std::move(next);
  }
  const auto per_rank = level[0].compute();
  REQUIRE(per_rank.size() == static_cast<std::size_t>(ranks()));
  CHECK(per_rank[0] == 0);
  int total = 0;
  for (int rank = 1; rank < ranks(); ++rank) {
    INFO("rank " << rank << " ran " << per_rank[static_cast<std::size_t>(rank)]);
    CHECK(per_rank[static_cast<std::size_t>(rank)] > 0);
    total += per_rank[static_cast<std::size_t>(rank)];
  }
  CHECK(total == 5000);
}

// gather() asks for every result at once (its speed: tessera_bench_tasks --workload gather).
TEST_CASE("mpi: gather brings 1000 results from every worker, in order") {
  auto client = tessera::get_client();
  std::vector<int> items(1000);
  for (int i = 0; i < 1000; ++i) items[static_cast<std::size_t>(i)] = i;
  auto squares = client.gather(client.map(futures_square, items));
  REQUIRE(squares.size() == 1000);
  for (int i = 0; i < 1000; ++i) CHECK(squares[static_cast<std::size_t>(i)] == i * i);
}

TEST_CASE("mpi: futures are inputs of later submits, even when held on other workers") {
  auto client = tessera::get_client();
  const int last = ranks() - 1;
  auto a = client.submit(tessera::TaskOptions{.workers = {1}}, futures_inc, 1);        // 2
  auto b = client.submit(tessera::TaskOptions{.workers = {last}}, futures_add, a, a);  // 4
  auto c = client.submit(futures_add, b, a);                                           // 6
  auto d = client.submit(tessera::TaskOptions{.workers = {1}}, futures_add, c, b);     // 10
  CHECK(d.result() == 10);
  CHECK(c.result() == 6);
  CHECK(tessera::delayed(futures_add)(a, 10).compute() == 12);
  // A future read many times by one graph.
  std::vector<tessera::Delayed<int>> sums;
  for (int i = 0; i < 20; ++i) sums.push_back(tessera::delayed(futures_add)(d, i));
  auto totals = tessera::compute(sums);
  for (int i = 0; i < 20; ++i) CHECK(totals[static_cast<std::size_t>(i)] == 10 + i);
}

TEST_CASE("mpi: persist computes once and later graphs read the held result") {
  auto client = tessera::get_client();
  const auto key = tessera::unique_key("futures-persisted");
  auto square = tessera::delayed(futures_square, {.key = key})(7);
  auto held = client.persist(square);
  CHECK(tessera::delayed(futures_add)(held, held).compute() == 98);
  CHECK(tessera::delayed(futures_inc)(held).compute() == 50);
  CHECK(held.compute() == 49);
  CHECK(runs_of(client, key) == 1);

  auto member = tessera::delayed(futures_inc)(1).persist();
  CHECK(tessera::delayed(futures_add)(member, member).compute() == 4);
}

TEST_CASE("mpi: as_completed yields a finished future before a blocked one") {
  auto client = tessera::get_client();
  Scratch gate;
  auto fast = client.submit(futures_inc, 1);
  auto slow = client.submit(futures_block, gate.path, 7);
  std::vector<tessera::Key> order;
  int sum = 0;
  for (const auto& future : tessera::as_completed(std::vector{slow, fast})) {
    REQUIRE(future.done());
    order.push_back(future.key());
    sum += future.result();
    gate.create();  // the blocked task may finish only after the first one came out
  }
  REQUIRE(order.size() == 2);
  CHECK(order[0] == fast.key());
  CHECK(order[1] == slow.key());
  CHECK(sum == 9);
}

TEST_CASE("mpi: wait with first_completed returns the finished future; a timeout throws") {
  auto client = tessera::get_client();
  Scratch gate;
  auto fast = client.submit(futures_inc, 1);
  auto slow = client.submit(futures_block, gate.path, 7);
  auto first = tessera::wait(std::vector{slow, fast}, std::chrono::seconds(10),
                             tessera::ReturnWhen::first_completed);
  REQUIRE(first.done.size() == 1);
  REQUIRE(first.not_done.size() == 1);
  CHECK(first.done[0].key() == fast.key());
  CHECK(first.not_done[0].key() == slow.key());
  CHECK_THROWS_AS(tessera::wait(std::vector{slow}, std::chrono::milliseconds(100)),
                  tessera::TimeoutError);
  CHECK_THROWS_AS(slow.result(50ms), tessera::TimeoutError);
  gate.create();
  auto all = tessera::wait(std::vector{slow, fast}, std::chrono::seconds(10));
  CHECK(all.done.size() == 2);
  CHECK(all.not_done.empty());
  CHECK(slow.result() == 7);
}

TEST_CASE("mpi: cancelling a slow task cancels its dependents, which never run") {
  auto client = tessera::get_client();
  Scratch gate, marker_other_run, marker_same_run;
  auto slow = client.submit(futures_block, gate.path, 1);
  auto dependent = client.submit(futures_mark, slow, marker_other_run.path);
  auto blocked = tessera::delayed(futures_block)(gate.path, 2);
  auto pair = client.compute(
      std::vector{blocked, tessera::delayed(futures_mark)(blocked, marker_same_run.path)});

  CHECK(slow.cancel());
  CHECK(std::string(slow.status()) == "cancelled");
  CHECK_THROWS_AS(slow.result(), tessera::CancelledError);
  CHECK_THROWS_AS(dependent.result(10s), tessera::CancelledError);
  CHECK(pair[0].cancel());
  CHECK_THROWS_AS(pair[1].result(10s), tessera::CancelledError);

  // Cancelling is asynchronous, as in Dask: give the messages time to reach the worker, where
  // the same-run dependent already waits for its input (it went ahead of it).
  std::this_thread::sleep_for(200ms);
  gate.create();
  std::this_thread::sleep_for(300ms);  // time for a wrongly started dependent to leave a trace
  CHECK_FALSE(marker_other_run.exists());
  CHECK_FALSE(marker_same_run.exists());

  auto done = client.submit(futures_inc, 1);
  CHECK(done.result() == 2);
  CHECK_FALSE(done.cancel());  // finished: nothing to cancel
  CHECK(done.result() == 2);
}

// future.hpp promises that a cancelled task that has not started is not run, also when it
// already waits in a worker's queue.
TEST_CASE("mpi: a cancelled task that has not started never runs") {
  auto client = tessera::get_client();
  Scratch gate, marker;
  auto blockers = block_rank_1(client, gate);
  auto queued = client.submit(tessera::TaskOptions{.workers = {1}}, futures_mark, 1, marker.path);
  std::this_thread::sleep_for(50ms);  // assigned to rank 1, behind the blockers
  CHECK(queued.cancel());
  // Cancelling is asynchronous, as in Dask: give the message time to reach rank 1.
  std::this_thread::sleep_for(200ms);
  gate.create();
  for (auto& blocker : blockers) blocker.result();
  // Anything queued on rank 1 behind the cancelled task has run once this has.
  CHECK(client.submit(tessera::TaskOptions{.workers = {1}}, futures_inc, 1).result() == 2);
  CHECK_FALSE(marker.exists());
}

TEST_CASE("mpi: release empties the handle; a copy still reads the result") {
  auto client = tessera::get_client();
  auto future = client.submit(futures_inc, 1);
  auto copy = future;
  future.release();
  CHECK_FALSE(future.valid());
  CHECK_THROWS_AS(future.result(), tessera::Error);
  CHECK(copy.result() == 2);
  copy.release();
  // Released results are forgotten on the workers; the cluster goes on.
  std::vector<int> items{1, 2, 3, 4, 5, 6, 7, 8};
  for (int round = 0; round < 20; ++round) {
    auto futures = client.map(futures_square, items);
    for (auto& f : futures) f.release();
  }
  CHECK(client.gather(client.map(futures_square, items)).back() == 64);
}

// Releasing the last handle of an unfinished future cancels its task only if no other task
// reads it.
TEST_CASE("mpi: a released future's task still runs for the later task that reads it") {
  auto client = tessera::get_client();
  Scratch gate;
  auto slow = client.submit(futures_block, gate.path, 5);
  auto reader = client.submit(futures_inc, slow);
  slow.release();
  gate.create();
  CHECK(reader.result(10s) == 6);
}

// The same, as most programs meet it: the inner future is a temporary.
TEST_CASE("mpi: a temporary future passed to submit is kept for the task that reads it") {
  auto client = tessera::get_client();
  Scratch gate;
  auto reader = client.submit(futures_inc, client.submit(futures_block, gate.path, 5));
  gate.create();
  CHECK(reader.result(10s) == 6);
}

TEST_CASE("mpi: fire_and_forget runs a task whose future was dropped") {
  auto client = tessera::get_client();
  Scratch gate;
  const auto topic = tessera::unique_key("futures-fire-and-forget");
  auto blockers = block_rank_1(client, gate);
  {
    auto future = client.submit(tessera::TaskOptions{.workers = {1}}, futures_announce, topic, 3);
    tessera::fire_and_forget(future);
  }  // the only handle goes while the task waits behind the blockers
  gate.create();
  auto events = events_of(topic, 1);
  REQUIRE(events.size() == 1);
  CHECK(events[0].message == "ran 3");
  CHECK_THAT(events[0].source, Catch::StartsWith("worker rank 1 thread "));
}
