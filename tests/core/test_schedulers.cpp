// The two local schedulers: where tasks run, in what order, how much they keep in memory,
// the task stream they record, and how they hold up under load and concurrency.

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <mutex>
#include <numeric>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tessera/client.hpp"
#include "tessera/delayed.hpp"
#include "tessera/errors.hpp"
#include "tessera/events.hpp"
#include "tessera/runtime.hpp"
#include "test_support.hpp"

namespace {

long sched_inc(long x) { return x + 1; }
long sched_add(long a, long b) { return a + b; }
long sched_mod(long x) { return x % 1000003; }
long sched_sum(const std::vector<long>& parts, long offset) {
  return std::accumulate(parts.begin(), parts.end(), offset);
}

// Counts live instances and remembers the most that were alive at once.
struct Tracked {
  static inline std::atomic<int> live{0};
  static inline std::atomic<int> peak{0};
  static void born() {
    const int now = ++live;
    int seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
  }
  static void reset() {
    live = 0;
    peak = 0;
  }

  long value = 0;
  explicit Tracked(long v) : value(v) { born(); }
  Tracked(const Tracked& other) : value(other.value) { born(); }
  Tracked(Tracked&& other) noexcept : value(other.value) { born(); }
  Tracked& operator=(const Tracked&) = default;
  Tracked& operator=(Tracked&&) noexcept = default;
  ~Tracked() { --live; }
};

Tracked sched_make(long v) { return Tracked(v); }
long sched_read(const Tracked& t) { return t.value * 2; }

// A pairwise tree reduction of inc(0), ..., inc(n - 1); keys given when `keyed`.
tessera::Delayed<long> tree_sum(long n, bool keyed = false) {
  std::vector<tessera::Delayed<long>> level;
  level.reserve(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i) {
    tessera::TaskOptions options;
    if (keyed) options.key = "inc-" + std::to_string(i);
    level.push_back(tessera::delayed(sched_inc, options)(i));
  }
  int depth = 0;
  while (level.size() > 1) {
    ++depth;
    std::vector<tessera::Delayed<long>> next;
    for (std::size_t i = 0; i + 1 < level.size(); i += 2) {
      tessera::TaskOptions options;
      if (keyed) options.key = "add-" + std::to_string(depth) + "-" + std::to_string(i / 2);
      next.push_back(tessera::delayed(sched_add, options)(level[i], level[i + 1]));
    }
    if (level.size() % 2) next.push_back(level.back());
    level = std::move(next);
  }
  return level.front();
}

long expected_tree_sum(long n) { return n * (n - 1) / 2 + n; }

std::size_t position(const std::vector<tessera::TaskRecord>& stream, const std::string& key) {
  for (std::size_t i = 0; i < stream.size(); ++i) {
    if (stream[i].key == key) return i;
  }
  return stream.size();
}

}  // namespace

TESSERA_TASK(sched_inc);
TESSERA_TASK(sched_add);
TESSERA_TASK(sched_make);
TESSERA_TASK(sched_read);

using tessera_test::contains;
using tessera_test::make_client;

TEST_CASE("a client reports its scheduler and thread count") {
  auto sync = make_client("sync", 8);
  CHECK(std::string(sync.scheduler()) == "sync");
  CHECK(sync.threads() == 1);

  auto threads = make_client("threads", 3);
  CHECK(std::string(threads.scheduler()) == "threads");
  CHECK(threads.threads() == 3);

  try {
    tessera::Client bad({.scheduler = "gpu-cluster"});
    FAIL("no ConfigError");
  } catch (const tessera::ConfigError& error) {
    CHECK(contains(error.what(), "gpu-cluster"));
  }
}

TEST_CASE("the sync scheduler runs tasks on the calling thread, threads on its own threads") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler, 4);

  std::mutex mutex;
  std::set<std::thread::id> ids;
  auto where = tessera::delayed([&mutex, &ids](int i) {
    std::lock_guard lock(mutex);
    ids.insert(std::this_thread::get_id());
    return i;
  });
  std::vector<tessera::Delayed<int>> calls;
  for (int i = 0; i < 64; ++i) calls.push_back(where(i));
  (void)tessera::compute(calls);

  REQUIRE_FALSE(ids.empty());
  if (scheduler == "sync") {
    CHECK(ids == std::set<std::thread::id>{std::this_thread::get_id()});
  } else {
    CHECK(ids.count(std::this_thread::get_id()) == 0);
    CHECK(ids.size() <= 4);
  }
}

TEST_CASE("the sync scheduler runs a tree reduction depth first") {
  auto client = make_client("sync");
  auto total = tree_sum(8, true);
  CHECK(total.compute() == expected_tree_sum(8));

  const auto stream = client.task_stream();
  REQUIRE(stream.size() == 15);
  std::vector<std::string> order;
  for (const auto& record : stream) order.push_back(record.key);
  CAPTURE(order);

  // add(inc(0), inc(1)) runs right after its two inputs, before the other leaves.
  CHECK(position(stream, "inc-0") < position(stream, "add-1-0"));
  CHECK(position(stream, "inc-1") < position(stream, "add-1-0"));
  CHECK(position(stream, "add-1-0") < position(stream, "inc-2"));
  CHECK(position(stream, "add-1-0") < position(stream, "inc-7"));
  // And the left half is reduced before the right half starts.
  CHECK(position(stream, "add-2-0") < position(stream, "inc-4"));
  CHECK(position(stream, "add-3-0") == 14);
}

TEST_CASE("independent chains keep few intermediate results alive at once") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler, 2);
  constexpr long chains = 400;

  std::vector<tessera::Delayed<long>> ends;
  for (long i = 0; i < chains; ++i) {
    ends.push_back(tessera::delayed(sched_read)(tessera::delayed(sched_make)(i)));
  }
  Tracked::reset();
  const auto results = tessera::compute(ends);
  REQUIRE(results.size() == static_cast<std::size_t>(chains));
  for (long i = 0; i < chains; ++i) CHECK(results[static_cast<std::size_t>(i)] == 2 * i);
  CHECK(Tracked::live == 0);  // every intermediate was freed
  CAPTURE(Tracked::peak.load());
  if (scheduler == "sync") {
    CHECK(Tracked::peak <= 4);
  } else {
    CHECK(Tracked::peak <= chains / 4);
  }
}

TEST_CASE("the task stream records every task of a compute") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler, 2);
  CHECK(client.task_stream().empty());

  const double before = tessera::wall_time();
  auto total = tree_sum(16, true);
  CHECK(total.compute() == expected_tree_sum(16));
  const double after = tessera::wall_time();

  const auto stream = client.task_stream();
  REQUIRE(stream.size() == 31);
  std::set<std::string> keys;
  for (const auto& record : stream) {
    CAPTURE(record.key);
    keys.insert(record.key);
    CHECK(record.worker.rfind("thread ", 0) == 0);
    CHECK(record.start <= record.stop);
    CHECK(record.start >= before);
    CHECK(record.stop <= after);
  }
  CHECK(keys.size() == 31);
  CHECK(keys.count("inc-15") == 1);
  CHECK(keys.count("add-4-0") == 1);
  for (std::size_t i = 1; i < stream.size(); ++i) CHECK(stream[i - 1].start <= stream[i].start);

  // A second compute appends to it.
  CHECK(tessera::delayed(sched_inc, {.key = "one-more"})(1).compute() == 2);
  const auto longer = client.task_stream();
  REQUIRE(longer.size() == 32);
  CHECK(longer.back().key == "one-more");
}

TEST_CASE("a run with more tasks than the task stream holds keeps its newest, in time order") {
  tessera_test::ConfigReset reset;
  tessera_test::EnvGuard env("TESSERA_TASK_STREAM_LIMIT", nullptr);
  tessera::config::set("task_stream_limit", "40");
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler, 4);
  auto total = tree_sum(512, true);  // each of 4 threads records more than 40 tasks
  CHECK(total.compute() == expected_tree_sum(512));
  const auto stream = client.task_stream();
  REQUIRE(stream.size() == 40);
  std::set<std::string> keys;
  for (const auto& record : stream) keys.insert(record.key);
  CHECK(keys.size() == 40);
  for (std::size_t i = 1; i < stream.size(); ++i) CHECK(stream[i - 1].start <= stream[i].start);
  CHECK(stream.back().key == "add-9-0");  // the root runs last
  CHECK(keys.count("inc-0") == 0);        // the first leaf is long gone
}

TEST_CASE("a 200k-task tree reduction gives the exact sum") {
  const std::string scheduler = GENERATE(as<std::string>{}, "threads", "sync");
  CAPTURE(scheduler);
  auto client = make_client(scheduler, 4);
  constexpr long n = 100000;  // n incs and n - 1 adds
  auto total = tree_sum(n);
  CHECK(client.compute(total).result() == expected_tree_sum(n));
}

TEST_CASE("a task reads many inputs, and a task with several arguments reads each") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler, 2);
  for (long count : {1L, 7L, 8L, 9L, 40L}) {  // arguments beyond a few are looked up apart
    std::vector<tessera::Delayed<long>> parts;
    for (long i = 0; i < count; ++i) parts.push_back(tessera::delayed(sched_inc)(i));
    auto total = tessera::delayed(sched_sum)(parts, 1000);
    CHECK(client.compute(total).result() == 1000 + count * (count + 1) / 2);
  }
}

TEST_CASE("a thousand small computes in a row all give their result") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler, 2);
  long wrong = 0;
  for (long i = 0; i < 1000; ++i) {
    auto d = tessera::delayed(sched_add)(tessera::delayed(sched_inc)(i), i);
    wrong += d.compute() == 2 * i + 1 ? 0 : 1;
  }
  CHECK(wrong == 0);
}

TEST_CASE("a stencil whose every step hands a task to the idle thread gives the exact result") {
  // Width 2: each step's two tasks read both of the step before, so the thread that finishes
  // last makes both ready and hands one to the other thread, spinning for it, at every step.
  const unsigned threads = GENERATE(2u, 4u);
  CAPTURE(threads);
  auto client = make_client("threads", threads);
  constexpr long steps = 300;
  for (long round = 0; round < 20; ++round) {
    tessera::Delayed<long> left = tessera::delayed(sched_inc)(round);
    tessera::Delayed<long> right = tessera::delayed(sched_inc)(round + 1);
    long expected_left = round + 1;
    long expected_right = round + 2;
    for (long step = 0; step < steps; ++step) {
      auto next_left = tessera::delayed(sched_add)(left, right);
      right = tessera::delayed(sched_add)(right, tessera::delayed(sched_inc)(left));
      left = next_left;
      const long sum = expected_left + expected_right;
      expected_right = (expected_right + expected_left + 1) % 1000003;
      expected_left = sum % 1000003;
      left = tessera::delayed(sched_mod)(left);
      right = tessera::delayed(sched_mod)(right);
    }
    auto results = client.compute(std::vector{left, right});
    CHECK(results[0].result() == expected_left);
    CHECK(results[1].result() == expected_right);
  }
}

TEST_CASE("independent outputs finishing together on many threads are all delivered") {
  // Many runs whose last tasks complete at the same moment on different threads.
  auto client = make_client("threads", 4);
  long wrong = 0;
  for (long round = 0; round < 2000; ++round) {
    std::vector<tessera::Delayed<long>> outputs;
    for (long k = 0; k < 4; ++k) outputs.push_back(tessera::delayed(sched_inc)(round + k));
    auto futures = client.compute(outputs);
    for (long k = 0; k < 4; ++k) {
      wrong += futures[static_cast<std::size_t>(k)].result() == round + k + 1 ? 0 : 1;
    }
  }
  CHECK(wrong == 0);
}

TEST_CASE("computes from several threads on one client all give their results") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler, 4);
  std::atomic<long> wrong{0};
  std::atomic<long> done{0};
  std::vector<std::thread> users;
  for (long t = 0; t < 4; ++t) {
    users.emplace_back([&, t] {
      for (long i = 0; i < 200; ++i) {
        const long base = t * 1000 + i;
        auto d = tessera::delayed(sched_add)(tessera::delayed(sched_inc)(base),
                                             tessera::delayed(sched_inc)(base));
        wrong += client.compute(d).result() == 2 * base + 2 ? 0 : 1;
        ++done;
      }
      wrong += client.compute(tree_sum(500)).result() == expected_tree_sum(500) ? 0 : 1;
    });
  }
  for (auto& user : users) user.join();
  CHECK(done == 800);
  CHECK(wrong == 0);
}

namespace {

// Several threads computing on one client, each graph waiting for a future that completes
// later. Heap-allocated so that threads that never return can be left behind (detached)
// without touching freed memory: a hang fails the test instead of hanging the suite.
struct SharedClientScenario {
  static constexpr int users = 4;
  explicit SharedClientScenario(const std::string& scheduler) : client(make_client(scheduler, 2)) {}

  tessera_test::Gate gates[users];
  tessera::Client producer = make_client("threads", 2);
  tessera::Client client;
  std::vector<tessera::Future<long>> inputs;
  std::atomic<int> returned{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
};

}  // namespace

TEST_CASE("computes from several threads on one client whose inputs arrive later all return") {
  using namespace std::chrono_literals;
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);

  static auto* left_behind = new std::vector<SharedClientScenario*>();
  for (int round = 0; round < 3; ++round) {
    auto* s = new SharedClientScenario(scheduler);
    for (int i = 0; i < SharedClientScenario::users; ++i) {
      s->inputs.push_back(
          s->producer.submit([gate = &s->gates[i], i]() -> long { return gate->wait() ? i : -1; }));
    }
    for (int i = 0; i < SharedClientScenario::users; ++i) {
      s->threads.emplace_back([s, i] {
        const long result =
            s->client.submit(sched_add, s->inputs[static_cast<std::size_t>(i)], 100L).result();
        s->wrong += result == i + 100 ? 0 : 1;
        ++s->returned;
      });
    }
    std::this_thread::sleep_for(50ms);  // every user is now waiting for its input
    for (auto& gate : s->gates) {
      gate.open();
      std::this_thread::sleep_for(10ms);
    }
    const bool all_returned = tessera_test::eventually(
        [s] { return s->returned.load() == SharedClientScenario::users; }, 3s);
    CAPTURE(round, s->returned.load());
    CHECK(all_returned);
    CHECK(s->wrong == 0);
    if (!all_returned) {
      for (auto& thread : s->threads) thread.detach();
      left_behind->push_back(s);  // still in use by the threads that never returned
      break;
    }
    for (auto& thread : s->threads) thread.join();
    delete s;
  }
}

TEST_CASE("a Runtime started without a launcher is a local threads client on rank 0 of 1") {
  tessera::Runtime runtime;
  CHECK_FALSE(runtime.distributed());
  CHECK(runtime.ranks() == 1);
  CHECK(tessera::this_rank() == 0);
  CHECK(tessera::job_size() == 1);
  auto future = runtime.client().submit(sched_inc, 41L);
  CHECK(future.result() == 42);
  CHECK(runtime.client().submit([] { return tessera::this_rank(); }).result() == 0);
}
