// delayed(fn)(args...): recording calls, building graphs from them, and computing them on
// both local schedulers.

#include <atomic>
#include <catch2/catch.hpp>
#include <cstddef>
#include <functional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <vector>

#include "tessera/client.hpp"
#include "tessera/delayed.hpp"
#include "test_support.hpp"

namespace {

std::atomic<int> inc_calls{0};
int delayed_inc(int x) {
  ++inc_calls;
  return x + 1;
}
int delayed_add(int a, int b) { return a + b; }
double delayed_half(double x) { return x / 2; }
std::size_t delayed_length(const std::string& text) { return text.size(); }

std::atomic<int> touched{0};
void delayed_touch(int amount) { touched += amount; }

// Counts its copies, to show that a delayed_value is not copied per task.
struct Payload {
  static inline std::atomic<int> copies{0};
  int value = 0;
  explicit Payload(int v) : value(v) {}
  Payload(const Payload& other) : value(other.value) { ++copies; }
  Payload(Payload&& other) noexcept : value(other.value) {}
  Payload& operator=(const Payload& other) {
    value = other.value;
    ++copies;
    return *this;
  }
  Payload& operator=(Payload&&) noexcept = default;
  ~Payload() = default;
};

}  // namespace

TESSERA_TASK(delayed_inc);
TESSERA_TASK(delayed_add);
TESSERA_TASK(delayed_half);
TESSERA_TASK(delayed_length);
TESSERA_TASK(delayed_touch);

using namespace std::chrono_literals;
using tessera_test::Gate;
using tessera_test::make_client;

TEST_CASE("delayed(fn)(args) records a call that runs only at compute()") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);
  inc_calls = 0;

  auto x = tessera::delayed(delayed_inc)(41);
  STATIC_REQUIRE(std::is_same_v<decltype(x), tessera::Delayed<int>>);
  CHECK(inc_calls == 0);

  CHECK(x.compute() == 42);
  CHECK(inc_calls == 1);
}

TEST_CASE("a registered function's tasks are keyed by its name") {
  auto x = tessera::delayed(delayed_inc)(1);
  auto y = tessera::delayed(delayed_inc)(1);
  CHECK(x.key().rfind("delayed_inc-", 0) == 0);
  CHECK(x.key() != y.key());  // not pure: two calls are two tasks

  auto l = tessera::delayed([](int v) { return v; })(1);
  CHECK(l.key().rfind("lambda-", 0) == 0);
}

TEST_CASE("a Delayed is the argument of another, which runs after it") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  auto x = tessera::delayed(delayed_inc)(1);
  auto y = tessera::delayed(delayed_inc)(2);
  auto total = tessera::delayed(delayed_add)(x, y);
  CHECK(total.compute() == 5);

  auto deeper = tessera::delayed(delayed_add)(total, tessera::delayed(delayed_inc)(total));
  CHECK(deeper.compute() == 11);
}

TEST_CASE("lambdas, capturing lambdas and generic lambdas become tasks") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  auto square = tessera::delayed([](int v) { return v * v; })(7);
  CHECK(square.compute() == 49);

  const int offset = 100;
  std::vector<int> table{1, 2, 3};
  auto shifted = tessera::delayed([offset, table](int i) { return table.at(i) + offset; })(2);
  CHECK(shifted.compute() == 103);

  auto twice = tessera::delayed([](auto v) { return v + v; });
  auto a = twice(21);
  auto b = twice(std::string("ab"));
  STATIC_REQUIRE(std::is_same_v<decltype(a), tessera::Delayed<int>>);
  STATIC_REQUIRE(std::is_same_v<decltype(b), tessera::Delayed<std::string>>);
  CHECK(a.compute() == 42);
  CHECK(b.compute() == "abab");

  // A generic lambda takes a Delayed's value type.
  auto c = twice(tessera::delayed(delayed_inc)(4));
  CHECK(c.compute() == 10);
}

TEST_CASE("a void-returning function runs for its side effect") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);
  touched = 0;

  auto touch = tessera::delayed(delayed_touch)(5);
  STATIC_REQUIRE(std::is_same_v<decltype(touch), tessera::Delayed<void>>);
  CHECK(touched == 0);
  touch.compute();
  CHECK(touched == 5);

  std::atomic<int> calls{0};
  tessera::delayed([&calls] { ++calls; })().compute();
  CHECK(calls == 1);
}

TEST_CASE("literal arguments convert to the parameter's type") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  CHECK(tessera::delayed(delayed_half)(3).compute() == 1.5);         // int -> double
  CHECK(tessera::delayed(delayed_length)("hello").compute() == 5u);  // const char* -> string
  CHECK(tessera::delayed([](long v) { return v * 2; })('a').compute() == 2L * 'a');
}

TEST_CASE("a delayed_value is shared by many tasks without being copied") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  auto shared = tessera::delayed_value(Payload(10));
  Payload::copies = 0;
  auto read = tessera::delayed([](const Payload& p, int i) { return p.value + i; });
  std::vector<tessera::Delayed<int>> uses;
  for (int i = 0; i < 20; ++i) uses.push_back(read(shared, i));

  const auto results = tessera::compute(uses);
  REQUIRE(results.size() == 20);
  for (int i = 0; i < 20; ++i) CHECK(results[static_cast<std::size_t>(i)] == 10 + i);
  CHECK(Payload::copies == 0);

  // A delayed_value alone computes to itself.
  CHECK(tessera::delayed_value(std::string("as is")).compute() == "as is");
}

TEST_CASE("tessera::compute(a, b) runs a subgraph they share once") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  std::atomic<int> shared_calls{0};
  auto shared = tessera::delayed([&shared_calls](int v) {
    ++shared_calls;
    return v * 10;
  })(4);
  auto a = tessera::delayed(delayed_inc)(shared);
  auto b = tessera::delayed(delayed_add)(shared, 2);
  auto c = tessera::delayed([](int v) { return std::to_string(v); })(shared);

  auto [ra, rb, rc] = tessera::compute(a, b, c);
  CHECK(ra == 41);
  CHECK(rb == 42);
  CHECK(rc == "40");
  CHECK(shared_calls == 1);
}

TEST_CASE("compute(vector<Delayed>) returns the results in order and runs shared parts once") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  std::atomic<int> base_calls{0};
  auto base = tessera::delayed([&base_calls] {
    ++base_calls;
    return 1000;
  })();
  std::vector<tessera::Delayed<int>> outputs;
  for (int i = 0; i < 50; ++i) outputs.push_back(tessera::delayed(delayed_add)(base, i));
  outputs.push_back(base);  // the shared task is also an output itself

  const auto results = tessera::compute(outputs);
  REQUIRE(results.size() == 51);
  for (int i = 0; i < 50; ++i) CHECK(results[static_cast<std::size_t>(i)] == 1000 + i);
  CHECK(results.back() == 1000);
  CHECK(base_calls == 1);

  // The same through the client: one future per Delayed, in order.
  auto futures = client.compute(outputs);
  REQUIRE(futures.size() == 51);
  CHECK(futures[7].result() == 1007);
  CHECK(base_calls == 2);
}

TEST_CASE("computing a Delayed twice runs it twice; persist() runs it once") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  std::atomic<int> calls{0};
  auto expensive = tessera::delayed([&calls](int v) {
    ++calls;
    return v * 3;
  })(5);

  SECTION("without persist, each compute recomputes") {
    CHECK(tessera::delayed(delayed_inc)(expensive).compute() == 16);
    CHECK(tessera::delayed(delayed_add)(expensive, 1).compute() == 16);
    CHECK(calls == 2);
  }
  SECTION("a persisted result is reused by later graphs") {
    auto kept = expensive.persist();
    CHECK(tessera::delayed(delayed_inc)(kept).compute() == 16);
    CHECK(tessera::delayed(delayed_add)(kept, 1).compute() == 16);
    CHECK(kept.compute() == 15);
    CHECK(calls == 1);
  }
  SECTION("client.persist does the same") {
    auto kept = client.persist(expensive);
    auto [a, b] = tessera::compute(tessera::delayed(delayed_inc)(kept), kept);
    CHECK(a == 16);
    CHECK(b == 15);
    CHECK(tessera::delayed(delayed_add)(kept, kept).compute() == 30);
    CHECK(calls == 1);
  }
}

TEST_CASE("an explicit key names the task, and tasks with one key run once") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  std::atomic<int> calls{0};
  auto load = [&calls](int v) {
    ++calls;
    return v + 1;
  };
  auto first = tessera::delayed(load, {.key = "load-block-0"})(1);
  auto second = tessera::delayed(load, {.key = "load-block-0"})(1);
  CHECK(first.key() == "load-block-0");
  CHECK(second.key() == "load-block-0");

  auto total = tessera::delayed(delayed_add)(first, second);
  CHECK(total.compute() == 4);
  CHECK(calls == 1);
}

TEST_CASE("pure tasks of identical calls get identical keys and run once") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  std::atomic<int> calls{0};
  auto pure_square = tessera::delayed(
      [&calls](int v) {
        ++calls;
        return v * v;
      },
      {.pure = true});
  auto a = pure_square(6);
  auto b = pure_square(6);
  auto c = pure_square(7);
  CHECK(a.key() == b.key());
  CHECK(a.key() != c.key());

  // A registered pure function: the same arguments give the same key in every call.
  auto p = tessera::delayed(delayed_add, {.pure = true});
  CHECK(p(1, 2).key() == p(1, 2).key());
  CHECK(p(1, 2).key() != p(2, 1).key());
  CHECK(p(1, 2).key().rfind("delayed_add-", 0) == 0);

  auto [ra, rb, rc] = tessera::compute(a, b, c);
  CHECK(ra == 36);
  CHECK(rb == 36);
  CHECK(rc == 49);
  CHECK(calls == 2);  // square(6) once, square(7) once
}

TEST_CASE("pure calls of different functions with the same arguments are different work") {
  // The key of a pure task must depend on the function, not only on its arguments: two
  // different lambdas (or two unregistered functions) called on 1 are not the same task.
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  auto plus_one = tessera::delayed([](int v) { return v + 1; }, {.pure = true})(1);
  auto times_hundred = tessera::delayed([](int v) { return v * 100; }, {.pure = true})(1);
  CHECK(plus_one.key() != times_hundred.key());

  auto [a, b] = tessera::compute(plus_one, times_hundred);
  CHECK(a == 2);
  CHECK(b == 100);
}

TEST_CASE("pure calls with an argument that cannot be hashed are not shared") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  std::atomic<int> calls{0};
  auto call = tessera::delayed(
      [&calls](const std::function<int()>& f) {
        ++calls;
        return f();
      },
      {.pure = true});
  std::function<int()> seven = [] { return 7; };
  auto a = call(seven);
  auto b = call(seven);
  CHECK(a.key() != b.key());  // a std::function does not serialize, so it has no hash
  auto [ra, rb] = tessera::compute(a, b);
  CHECK(ra == 7);
  CHECK(rb == 7);
  CHECK(calls == 2);
}

TEST_CASE("map with pure options runs identical items once") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);
  inc_calls = 0;
  auto futures = client.map(delayed_inc, std::vector<int>{5, 5, 6, 5}, {.pure = true});
  REQUIRE(futures.size() == 4);
  CHECK(client.gather(futures) == std::vector<int>{6, 6, 7, 6});
  CHECK(futures[0].key() == futures[1].key());
  CHECK(futures[0].key() != futures[2].key());
  CHECK(inc_calls == 2);
}

TEST_CASE("unique_key and indexed_key make the keys Dask makes") {
  CHECK(tessera::indexed_key("x", {2, 3}) == "x,(2,3)");
  CHECK(tessera::indexed_key("block", {0}) == "block,(0)");
  CHECK(tessera::indexed_key("neg", {-1, 10, 7}) == "neg,(-1,10,7)");

  const auto key = tessera::unique_key("load");
  CHECK(key.rfind("load-", 0) == 0);
  CHECK(key.size() > 5);
  // "<prefix>-<counter>": the counter in lowercase hex without leading zeros, growing.
  const auto counter_of = [](const tessera::Key& k) {
    const std::string digits = k.substr(k.rfind('-') + 1);
    CHECK(std::regex_match(digits, std::regex("0|[1-9a-f][0-9a-f]*")));
    return std::stoull(digits, nullptr, 16);
  };
  const std::string long_prefix(100, 'p');
  const auto first = tessera::unique_key("a"), second = tessera::unique_key(long_prefix);
  CHECK(second.rfind(long_prefix + "-", 0) == 0);
  CHECK(counter_of(second) > counter_of(first));
  CHECK(counter_of(tessera::unique_key("")) > counter_of(second));

  // Unique across threads too.
  std::vector<std::vector<tessera::Key>> made(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < made.size(); ++t) {
    threads.emplace_back([&made, t] {
      for (int i = 0; i < 5000; ++i) made[t].push_back(tessera::unique_key("k"));
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<tessera::Key> all;
  for (const auto& keys : made) all.insert(keys.begin(), keys.end());
  CHECK(all.size() == 20000);
}

TEST_CASE("tasks with one explicit key run once even when their inputs were built separately") {
  // Same key = same work: the second task's own inputs are not needed by anything, so they
  // must not run either (Dask culls them).
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  static std::atomic<int> input_calls{0};  // static: an unneeded task may run after compute
  input_calls = 0;
  auto input = tessera::delayed([](int v) {
    ++input_calls;
    return v;
  });
  auto first = tessera::delayed(delayed_inc, {.key = "shared-result"})(input(1));
  auto second = tessera::delayed(delayed_inc, {.key = "shared-result"})(input(1));

  auto [a, b] = tessera::compute(first, second);
  CHECK(a == 2);
  CHECK(b == 2);
  std::this_thread::sleep_for(20ms);  // let a stray task of the run finish on the pool
  CHECK(input_calls == 1);
}

TEST_CASE("a Delayed built on a future keeps that future's task running") {
  // The Delayed holds the future as an input: dropping the Future handle must not cancel
  // the task that the Delayed still needs.
  Gate gate;
  auto client = make_client("threads");

  SECTION("a future as an argument of a delayed call") {
    auto pending = client.submit([&gate] { return gate.wait() ? 41 : -1; });
    auto lazy = tessera::delayed(delayed_inc)(pending);
    pending.release();
    gate.open();
    CHECK(lazy.compute() == 42);
  }
  SECTION("a Delayed made from a future") {
    auto pending = client.submit([&gate] { return gate.wait() ? 41 : -1; });
    tessera::Delayed<int> lazy(pending);
    pending.release();
    gate.open();
    CHECK(lazy.compute() == 41);
  }
  SECTION("persist() of a task that is still running") {
    auto kept = tessera::delayed([&gate] { return gate.wait() ? 41 : -1; })().persist();
    gate.open();
    CHECK(tessera::delayed(delayed_inc)(kept).compute() == 42);
  }
}
