// Futures: submit, map, gather, scatter, as_completed, wait, timeouts, cancel, release,
// fire_and_forget, and tasks that submit tasks.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tessera/client.hpp"
#include "tessera/delayed.hpp"
#include "tessera/errors.hpp"
#include "tessera/future.hpp"
#include "test_support.hpp"

namespace {

int future_inc(int x) { return x + 1; }
int future_add(int a, int b) { return a + b; }

long nested_fib(int n) {
  if (n < 2) return n;
  auto client = tessera::get_client();
  auto a = client.submit(nested_fib, n - 1);
  auto b = client.submit(nested_fib, n - 2);
  return a.result() + b.result();
}

}  // namespace

TESSERA_TASK(future_inc);
TESSERA_TASK(future_add);
TESSERA_TASK(nested_fib);

using namespace std::chrono_literals;
using tessera_test::eventually;
using tessera_test::Gate;
using tessera_test::make_client;

TEST_CASE("submit runs a task now and its future holds the result") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  std::atomic<int> calls{0};
  auto f = client.submit(
      [&calls](int v) {
        ++calls;
        return v * 2;
      },
      21);
  CHECK(f.valid());
  CHECK(f.result() == 42);
  CHECK(calls == 1);  // without anything asking for it but the future
  CHECK(f.done());
  CHECK(std::string(f.status()) == "finished");
  CHECK(f.exception() == nullptr);
  CHECK(f.result() == 42);  // reading it again does not rerun it
  CHECK(calls == 1);
}

TEST_CASE("submit takes values, futures and delayeds as arguments") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  auto from_value = client.submit(future_inc, 1);
  auto from_future = client.submit(future_inc, from_value);
  auto lazy = tessera::delayed(future_add)(from_future, 10);
  auto from_delayed = client.submit(future_add, lazy, from_future);
  CHECK(from_value.result() == 2);
  CHECK(from_future.result() == 3);
  CHECK(from_delayed.result() == 16);

  // A Delayed may use a Future too, and the client computes it into a Future.
  auto computed = client.compute(tessera::delayed(future_add)(from_value, from_future));
  CHECK(computed.result() == 5);

  // Options apply to submitted tasks.
  auto keyed = client.submit(tessera::TaskOptions{.key = "submitted-7"}, future_inc, 6);
  CHECK(keyed.key() == "submitted-7");
  CHECK(keyed.result() == 7);
}

TEST_CASE("map returns one future per item, in the items' order") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler, 4);

  std::vector<int> items;
  for (int i = 0; i < 100; ++i) items.push_back(i);
  auto futures = client.map([](int v) { return v * v; }, items);
  REQUIRE(futures.size() == items.size());
  for (int i = 0; i < 100; ++i) CHECK(futures[static_cast<std::size_t>(i)].result() == i * i);

  auto names = client.map([](const std::string& s) { return s + "!"; },
                          std::vector<std::string>{"a", "b", "c"});
  CHECK(client.gather(names) == std::vector<std::string>{"a!", "b!", "c!"});
}

TEST_CASE("gather returns the results in order and rethrows the first error") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  std::vector<tessera::Future<int>> futures;
  for (int i = 0; i < 10; ++i) futures.push_back(client.submit(future_inc, i));
  CHECK(client.gather(futures) == std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});

  futures.push_back(client.submit([](int) -> int { throw std::runtime_error("gather me"); }, 0));
  CHECK_THROWS_AS(client.gather(futures), tessera::TaskError);
}

TEST_CASE("scatter puts a value in memory as a finished future that tasks take as input") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  auto data = client.scatter(std::vector<double>{1.0, 2.0, 3.5});
  CHECK(data.done());
  CHECK(std::string(data.status()) == "finished");
  CHECK(data.result() == std::vector<double>{1.0, 2.0, 3.5});

  auto sum = [](const std::vector<double>& v) {
    double total = 0;
    for (double x : v) total += x;
    return total;
  };
  std::vector<tessera::Future<double>> sums;
  for (int i = 0; i < 8; ++i) sums.push_back(client.submit(sum, data));
  for (auto& s : sums) CHECK(s.result() == 6.5);
  CHECK(tessera::delayed(sum)(data).compute() == 6.5);
}

TEST_CASE("as_completed yields every future exactly once") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  std::vector<tessera::Future<int>> futures;
  for (int i = 0; i < 20; ++i) futures.push_back(client.submit(future_inc, i));
  std::multiset<int> seen;
  for (const auto& f : tessera::as_completed(futures)) {
    CHECK(f.done());
    seen.insert(f.result());
  }
  std::multiset<int> expected;
  for (int i = 1; i <= 20; ++i) expected.insert(i);
  CHECK(seen == expected);

  auto none = tessera::as_completed(std::vector<tessera::Future<int>>{});
  CHECK_FALSE(none.next().has_value());
}

TEST_CASE("as_completed yields a short task before a long one on threads") {
  auto client = make_client("threads", 2);
  auto sleeper = [](int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return ms;
  };
  std::vector<tessera::Future<int>> futures{client.submit(sleeper, 400), client.submit(sleeper, 5)};
  auto completed = tessera::as_completed(futures);
  auto first = completed.next();
  auto second = completed.next();
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  CHECK(first->result() == 5);
  CHECK(second->result() == 400);
  CHECK_FALSE(completed.next().has_value());
}

TEST_CASE("wait returns when all futures are done") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  std::vector<tessera::Future<int>> futures;
  for (int i = 0; i < 10; ++i) {
    futures.push_back(client.submit(
        [](int v) {
          std::this_thread::sleep_for(2ms);
          return v;
        },
        i));
  }
  auto result = tessera::wait(futures);
  CHECK(result.done.size() == 10);
  CHECK(result.not_done.empty());
  for (const auto& f : futures) CHECK(f.done());

  // A failed task counts as completed; wait does not throw its error.
  std::vector<tessera::Future<int>> failing{
      client.submit([]() -> int { throw std::runtime_error("no"); })};
  auto failed = tessera::wait(failing, 5s);
  CHECK(failed.done.size() == 1);
  CHECK(std::string(failing[0].status()) == "error");
}

TEST_CASE("wait with first_completed returns as soon as one future is done") {
  Gate gate;
  auto client = make_client("threads", 2);

  auto slow = client.submit([&gate] { return gate.wait() ? 1 : -1; });
  auto quick = client.submit(future_inc, 1);
  std::vector<tessera::Future<int>> futures{slow, quick};
  auto result = tessera::wait(futures, 5s, tessera::ReturnWhen::first_completed);
  REQUIRE(result.done.size() == 1);
  REQUIRE(result.not_done.size() == 1);
  CHECK(result.done[0].key() == quick.key());
  CHECK(result.not_done[0].key() == slow.key());

  gate.open();
  CHECK(slow.result() == 1);
  auto all = tessera::wait(futures, std::nullopt, tessera::ReturnWhen::first_completed);
  CHECK(all.done.size() == 2);
}

TEST_CASE("wait and result(timeout) throw TimeoutError when a task is too slow") {
  Gate gate;
  auto client = make_client("threads", 2);
  auto slow = client.submit([&gate] { return gate.wait() ? 1 : -1; });
  std::vector<tessera::Future<int>> futures{slow};

  auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(tessera::wait(futures, 50ms), tessera::TimeoutError);
  CHECK_THROWS_AS(tessera::wait(futures, 50ms, tessera::ReturnWhen::first_completed),
                  tessera::TimeoutError);
  CHECK_THROWS_AS(slow.result(30ms), tessera::TimeoutError);
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  CHECK_FALSE(slow.done());
  CHECK(std::string(slow.status()) == "pending");

  try {
    slow.result(10ms);
    FAIL("result(timeout) returned before the task finished");
  } catch (const tessera::TimeoutError& error) {
    CHECK(tessera_test::contains(error.what(), slow.key()));
  }

  gate.open();
  CHECK(slow.result(5s) == 1);
}

TEST_CASE("cancelling a future whose task has not finished makes result() throw CancelledError") {
  Gate gate;
  auto client = make_client("threads", 2);
  std::atomic<bool> started{false};
  auto blocked = client.submit([&gate, &started] {
    started = true;
    return gate.wait() ? 1 : -1;
  });
  REQUIRE(eventually([&] { return started.load(); }));

  CHECK(blocked.cancel());
  CHECK(blocked.done());
  CHECK(std::string(blocked.status()) == "cancelled");
  CHECK_THROWS_AS(blocked.result(), tessera::CancelledError);
  CHECK(blocked.exception() != nullptr);
  CHECK_FALSE(blocked.cancel());  // already done

  gate.open();
  // The task's late result does not undo the cancellation.
  CHECK_THROWS_AS(client.submit(future_add, blocked, 1).result(5s), tessera::CancelledError);
  CHECK(std::string(blocked.status()) == "cancelled");
}

TEST_CASE("a task waiting for a cancelled future is cancelled and never runs") {
  Gate gate;
  auto client = make_client("threads", 2);
  auto blocked = client.submit([&gate] { return gate.wait() ? 1 : -1; });
  std::atomic<int> dependent_calls{0};
  auto dependent = client.submit(
      [&dependent_calls](int v) {
        ++dependent_calls;
        return v;
      },
      blocked);

  blocked.cancel();
  CHECK_THROWS_AS(dependent.result(5s), tessera::CancelledError);
  CHECK(std::string(dependent.status()) == "cancelled");
  gate.open();
  std::this_thread::sleep_for(20ms);
  CHECK(dependent_calls == 0);
}

TEST_CASE("cancel of a finished future changes nothing") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);
  auto f = client.submit(future_inc, 1);
  CHECK(f.result() == 2);
  CHECK_FALSE(f.cancel());
  CHECK(std::string(f.status()) == "finished");
  CHECK(f.result() == 2);
}

TEST_CASE("a released future is invalid and its accessors throw tessera::Error") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);
  auto f = client.submit(future_inc, 1);
  auto copy = f;
  f.release();
  CHECK_FALSE(f.valid());
  CHECK_THROWS_AS(f.key(), tessera::Error);
  CHECK_THROWS_AS(f.result(), tessera::Error);
  CHECK_THROWS_AS(f.done(), tessera::Error);
  f.release();                // twice is harmless
  CHECK(copy.result() == 2);  // other handles keep the result

  tessera::Future<int> empty;
  CHECK_FALSE(empty.valid());
  CHECK_THROWS_AS(empty.status(), tessera::Error);
}

TEST_CASE("a fire-and-forget task runs to completion after its last handle goes") {
  Gate gate;
  auto client = make_client("threads", 2);
  std::atomic<int> effect{0};
  {
    auto blocker = client.submit([&gate] { return gate.wait() ? 1 : -1; });
    auto f = client.submit(
        [&effect](int v) {
          effect = v + 41;
          return 0;
        },
        blocker);
    tessera::fire_and_forget(f);
  }  // both handles go while the task still waits for its input
  gate.open();
  CHECK(eventually([&] { return effect.load() == 42; }));
}

TEST_CASE("a future dropped before its task started is not run") {
  Gate gate;
  auto client = make_client("threads", 2);
  std::atomic<bool> blocker_done{false};
  std::atomic<int> effect{0};
  auto blocker = client.submit([&gate, &blocker_done] {
    const bool opened = gate.wait();
    blocker_done = true;
    return opened ? 1 : -1;
  });
  auto dropped = client.submit(
      [&effect](int v) {
        effect = v;
        return v;
      },
      blocker);
  // A task needing the blocker that is kept runs: the dropped one is skipped alone.
  auto kept = client.submit(future_inc, blocker);

  dropped.release();
  blocker.release();
  gate.open();
  CHECK(kept.result(5s) == 2);
  REQUIRE(eventually([&] { return blocker_done.load(); }));
  std::this_thread::sleep_for(50ms);
  CHECK(effect == 0);
}

namespace {

// x = inc(blocker) and y = 10 * x, computed as one batch, while blocker waits for `gate`.
struct BlockedBatch {
  Gate gate;  // first member, so it outlives the client whose task waits on it
  tessera::Client client = make_client("threads", 2);
  tessera::Future<int> blocker = client.submit([this] { return gate.wait() ? 1 : -1; });
  tessera::Delayed<int> x = tessera::delayed(future_inc)(blocker);
  tessera::Delayed<int> y = tessera::delayed([](int v) { return v * 10; })(x);
  std::vector<tessera::Future<int>> futures = client.compute(std::vector{x, y});
};

}  // namespace

TEST_CASE("releasing one future of a batch does not cancel a task another future needs") {
  // future.hpp: the unstarted task of a future is dropped when its last handle goes "and
  // no other task needs it". Here y needs x, so x must still run.
  BlockedBatch batch;
  auto& futures = batch.futures;
  futures[0].release();
  batch.gate.open();
  CHECK(futures[1].result(5s) == 20);
}

TEST_CASE("get_client() inside a task is the client running it") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler, 3);
  auto other = make_client(scheduler == "sync" ? "threads" : "sync");  // now the default one

  auto seen = client.submit([] { return std::string(tessera::get_client().scheduler()); });
  CHECK(seen.result() == scheduler);
  CHECK(std::string(tessera::get_client().scheduler()) == other.scheduler());
}

TEST_CASE("tasks that submit tasks and wait for them do not deadlock a small pool") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler, 2);

  auto outer = [](int i) {
    auto inner = tessera::get_client();
    auto a = inner.submit(future_inc, i);
    auto b = inner.submit(future_add, i, 100);
    auto c = inner.submit(future_add, a, b);
    return a.result() + b.result() + c.result();
  };
  std::vector<int> items;
  for (int i = 0; i < 50; ++i) items.push_back(i);
  auto futures = client.map(outer, items);
  auto results = client.gather(futures);
  REQUIRE(results.size() == 50);
  for (int i = 0; i < 50; ++i) {
    const int a = i + 1;
    const int b = i + 100;
    CHECK(results[static_cast<std::size_t>(i)] == a + b + (a + b));
  }
}

TEST_CASE("recursive fibonacci through nested submit gives the right number") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler, 2);
  CHECK(client.submit(nested_fib, 12).result() == 144);
  CHECK(nested_fib(10) == 55);  // from the client thread too
}

TEST_CASE("a future of a void task completes with no value") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);
  std::atomic<int> effect{0};
  tessera::Future<void> f = client.submit([&effect](int v) { effect = v; }, 9);
  f.result();
  CHECK(f.done());
  CHECK(std::string(f.status()) == "finished");
  CHECK(effect == 9);
}

TEST_CASE("cancelling one of several outputs leaves the others alone") {
  Gate gate;
  auto client = make_client("threads", 2);
  auto blocker = client.submit([&gate] { return gate.wait() ? 1 : -1; });
  std::atomic<int> cancelled_calls{0};
  auto cancelled = tessera::delayed([&cancelled_calls](int v) {
    ++cancelled_calls;
    return v;
  })(blocker);
  auto kept = tessera::delayed([](int v) { return v + 1; })(blocker);
  auto futures = client.compute(std::vector<tessera::Delayed<int>>{cancelled, kept});

  CHECK(futures[0].cancel());
  gate.open();
  CHECK(futures[1].result(5s) == 2);
  CHECK_THROWS_AS(futures[0].result(), tessera::CancelledError);
  CHECK(cancelled_calls == 0);
}

TEST_CASE("cancelling a future cancels the tasks of its batch that depend on it") {
  Gate gate;
  auto client = make_client("threads", 2);
  auto blocker = client.submit([&gate] { return gate.wait() ? 1 : -1; });
  std::atomic<int> dependent_calls{0};
  auto x = tessera::delayed(future_inc)(blocker);
  auto y = tessera::delayed([&dependent_calls](int v) {
    ++dependent_calls;
    return v * 10;
  })(x);
  auto futures = client.compute(std::vector<tessera::Delayed<int>>{x, y});

  CHECK(futures[0].cancel());
  gate.open();
  CHECK_THROWS_AS(futures[1].result(5s), tessera::CancelledError);
  CHECK(std::string(futures[1].status()) == "cancelled");
  CHECK(blocker.result(5s) == 1);
  CHECK(dependent_calls == 0);
}

TEST_CASE("cancelling a future cancels its dependents at once, without waiting for its inputs") {
  // As for a dependent submitted separately (see "a task waiting for a cancelled future is
  // cancelled and never runs"), and as in Dask: nothing can make y succeed any more, so it
  // must not stay pending until x's own inputs arrive (they may never come).
  BlockedBatch batch;
  auto& futures = batch.futures;

  CHECK(futures[0].cancel());
  CHECK_THROWS_AS(futures[1].result(1s), tessera::CancelledError);
  CHECK(std::string(futures[1].status()) == "cancelled");
  batch.gate.open();
}

TEST_CASE("waiting inside a task with wait, as_completed and a big map does not deadlock") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler, 2);

  auto outer = [](int i) {
    auto inner = tessera::get_client();
    std::vector<tessera::Future<int>> parts;
    for (int k = 0; k < 5; ++k) parts.push_back(inner.submit(future_add, i, k));
    auto waited = tessera::wait(parts);
    int total = static_cast<int>(waited.done.size()) * 1000;
    for (const auto& f : tessera::as_completed(parts)) total += f.result();
    std::vector<int> items(40, i);  // more roots than a pool thread takes at once
    for (int v : inner.gather(inner.map(future_inc, items))) total += v;
    return total;
  };
  std::vector<int> items{0, 1, 2, 3, 4, 5, 6, 7};
  auto results = client.gather(client.map(outer, items));
  for (int i = 0; i < 8; ++i) {
    CAPTURE(i);
    CHECK(results[static_cast<std::size_t>(i)] == 5000 + (5 * i + 10) + 40 * (i + 1));
  }
}
