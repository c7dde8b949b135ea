// The task API that collections build on: std::vector arguments of Delayeds and Futures,
// registration under chosen names and of function templates, empty Delayeds, the check of
// received arguments, and graphs deep enough to have crashed on release.

#include <catch2/catch.hpp>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "tessera/tessera.hpp"
#include "test_support.hpp"

namespace {

template <class T>
T api_sum_of(std::vector<T> xs) {
  return std::accumulate(xs.begin(), xs.end(), T{});
}
int api_inc(int x) { return x + 1; }
long api_weighted(int scale, std::vector<int> xs, std::vector<int> ys, int offset) {
  long total = offset;
  for (int x : xs) total += static_cast<long>(scale) * x;
  for (int y : ys) total -= y;
  return total;
}
std::size_t api_count(const std::vector<std::string>& words) { return words.size(); }
int api_named(int x) { return 2 * x; }
int api_twice_named(int x) { return 3 * x; }
int api_runtime_registered(int x) { return 4 * x; }
int api_first(int a, double) { return a; }

}  // namespace

TESSERA_TASK(api_sum_of<int>);
TESSERA_TASK(api_sum_of<double>);
TESSERA_TASK(api_inc);
TESSERA_TASK(api_weighted);
TESSERA_TASK(api_count);
TESSERA_TASK_NAMED("tests.api.named", api_named);
TESSERA_TASK(api_twice_named);
TESSERA_TASK(api_first);

using tessera::Delayed;
using tessera::delayed;
using tessera_test::contains;
using tessera_test::make_client;

// ---------------------------------------------------------------------------------------------
// A std::vector parameter fed by Delayeds or Futures

TEST_CASE("a std::vector<Delayed<T>> argument makes each element an input of the task") {
  for (const char* scheduler : {"sync", "threads"}) {
    auto client = make_client(scheduler);
    std::vector<Delayed<int>> parts;
    for (int i = 0; i < 10; ++i) parts.push_back(delayed(api_inc)(i));
    auto total = delayed(api_sum_of<int>)(parts);
    CHECK(client.compute(total).result() == 55);  // 1 + ... + 10
    CHECK(total.key().rfind("api_sum_of<int>-", 0) == 0);
  }
}

TEST_CASE("a task with a hundred thousand inputs runs on both schedulers") {
  for (const char* scheduler : {"sync", "threads"}) {
    auto client = make_client(scheduler);
    std::vector<Delayed<double>> parts;
    parts.reserve(100'000);
    auto half = delayed([](int i) { return i * 0.5; });
    for (int i = 0; i < 100'000; ++i) parts.push_back(half(i));
    CHECK(client.compute(delayed(api_sum_of<double>)(parts)).result() ==
          Approx(0.5 * 99'999.0 * 100'000.0 / 2));
  }
}

TEST_CASE("a std::vector<Future<T>> argument waits for every future") {
  auto client = make_client("threads");
  std::vector<tessera::Future<int>> futures;
  for (int i = 0; i < 100; ++i) futures.push_back(client.submit(api_inc, i));
  CHECK(client.submit(api_sum_of<int>, futures).result() == 5050);
  CHECK(delayed(api_sum_of<int>)(futures).compute() == 5050);
}

TEST_CASE("vector arguments mix with other arguments, literal vectors and empty vectors") {
  auto client = make_client("sync");
  std::vector<Delayed<int>> xs{delayed(api_inc)(1), delayed(api_inc)(2)};  // 2, 3
  std::vector<Delayed<int>> none;
  CHECK(client.compute(delayed(api_weighted)(10, xs, std::vector<int>{1, 2}, 7)).result() ==
        7 + 50 - 3);
  CHECK(client.compute(delayed(api_weighted)(10, none, xs, 0)).result() == -5);
  CHECK(client.compute(delayed(api_weighted)(1, none, none, 4)).result() == 4);
  CHECK(client.compute(delayed(api_sum_of<int>)(tessera::delayed_value(std::vector<int>{4, 5})))
            .result() == 9);
  // A delayed_value among the elements is a literal input.
  std::vector<Delayed<int>> with_value{tessera::delayed_value(40), delayed(api_inc)(1)};
  CHECK(client.compute(delayed(api_sum_of<int>)(with_value)).result() == 42);
}

TEST_CASE("a generic lambda and a non-trivial element type take vectors of Delayeds") {
  auto client = make_client("threads");
  std::vector<Delayed<std::string>> words;
  for (const char* word : {"a", "bb", "ccc"})
    words.push_back(tessera::delayed_value(std::string(word)));
  auto joined = delayed([](const auto& parts) {
    std::string all;
    for (const auto& part : parts) all += part;
    return all;
  })(words);
  CHECK(client.compute(joined).result() == "abbccc");
  CHECK(client.compute(delayed(api_count)(words)).result() == 3);
}

TEST_CASE("pure calls with vector arguments share a key only when their inputs are the same") {
  std::vector<Delayed<int>> parts{delayed(api_inc)(1), delayed(api_inc)(2)};
  auto sum = delayed(api_sum_of<int>, {.pure = true});
  CHECK(sum(parts).key() == sum(parts).key());
  auto other = parts;
  std::swap(other[0], other[1]);
  CHECK(sum(parts).key() != sum(other).key());
  CHECK(sum(parts).key() != sum(std::vector<Delayed<int>>{parts[0]}).key());
}

// ---------------------------------------------------------------------------------------------
// Registration

TEST_CASE("function templates register one name per instantiation") {
  auto client = make_client("sync");
  CHECK(tessera::detail::find_function("api_sum_of<int>").callable ==
        reinterpret_cast<const void*>(&api_sum_of<int>));
  CHECK(tessera::detail::find_function("api_sum_of<double>").callable ==
        reinterpret_cast<const void*>(&api_sum_of<double>));
  CHECK(
      delayed(api_sum_of<double>)(std::vector<double>{1.5}).key().rfind("api_sum_of<double>-", 0) ==
      0);
  tessera::Graph g;
  g.add_value("xs", std::vector<int>{1, 2, 3});
  g.add("total", "api_sum_of<int>", {tessera::ref("xs")});
  CHECK(tessera::Future<int>(client.get(g, {"total"})[0]).result() == 6);
}

TEST_CASE("a function registers under a chosen name, in a macro or at run time") {
  CHECK(delayed(api_named)(5).key().rfind("tests.api.named-", 0) == 0);
  CHECK(delayed(api_named)(5).compute() == 10);
  tessera::register_task<&api_runtime_registered>("tests.api.runtime");
  tessera::register_task<&api_runtime_registered>("tests.api.runtime");  // again: harmless
  CHECK(delayed(api_runtime_registered)(1).key().rfind("tests.api.runtime-", 0) == 0);
}

TEST_CASE("a function under two names, or two functions under one name, is a RegistryError") {
  try {
    tessera::register_task<&api_twice_named>("tests.api.other_name");
    FAIL("no RegistryError");
  } catch (const tessera::RegistryError& error) {
    CHECK(contains(error.what(), "'api_twice_named'"));
    CHECK(contains(error.what(), "'tests.api.other_name'"));
  }
  try {
    tessera::register_task<&api_twice_named>("tests.api.named");
    FAIL("no RegistryError");
  } catch (const tessera::RegistryError& error) {
    CHECK(contains(error.what(), "'tests.api.named'"));
  }
  CHECK_THROWS_AS(tessera::detail::find_function("tests.api.other_name"), tessera::RegistryError);
}

// ---------------------------------------------------------------------------------------------
// Empty Delayeds

TEST_CASE("an empty Delayed throws a clear error wherever it is used") {
  Delayed<int> empty;
  CHECK_FALSE(empty.valid());
  auto is_empty_delayed = [](const tessera::Error& error) {
    return contains(error.what(), "an empty Delayed<int> (default-constructed)");
  };
  CHECK_THROWS_MATCHES(empty.compute(), tessera::Error,
                       Catch::Predicate<tessera::Error>(is_empty_delayed));
  CHECK_THROWS_MATCHES(empty.key(), tessera::Error,
                       Catch::Predicate<tessera::Error>(is_empty_delayed));
  CHECK_THROWS_MATCHES(empty.persist(), tessera::Error,
                       Catch::Predicate<tessera::Error>(is_empty_delayed));
  CHECK_THROWS_MATCHES(empty.to_dot(), tessera::Error,
                       Catch::Predicate<tessera::Error>(is_empty_delayed));
  CHECK_THROWS_MATCHES(delayed(api_inc)(empty), tessera::Error,
                       Catch::Predicate<tessera::Error>(is_empty_delayed));
  std::vector<Delayed<int>> parts{delayed(api_inc)(1), empty};
  try {
    delayed(api_sum_of<int>)(parts);
    FAIL("no Error");
  } catch (const tessera::Error& error) {
    CHECK(is_empty_delayed(error));
    CHECK(contains(error.what(), "std::vector"));
  }
  CHECK_THROWS_AS(tessera::compute(std::vector<Delayed<int>>{empty}), tessera::Error);
  empty = delayed(api_inc)(1);  // assigned later, it works
  CHECK(empty.compute() == 2);
}

TEST_CASE("an empty Future as an argument throws instead of crashing") {
  tessera::Future<int> none;
  CHECK_THROWS_WITH(delayed(api_inc)(none), Catch::Contains("an empty Future<int>"));
  CHECK_THROWS_WITH(delayed(api_sum_of<int>)(std::vector<tessera::Future<int>>(2)),
                    Catch::Contains("an empty Future<int>"));
  CHECK_THROWS_WITH(Delayed<int>(none), Catch::Contains("empty Future"));
}

// ---------------------------------------------------------------------------------------------
// The check of received arguments (what MPI workers do before a call)

TEST_CASE("received arguments are checked against the registered function, naming it") {
  const auto& first = tessera::detail::find_function("api_first");
  tessera::Value one(1);
  tessera::Value half(0.5);
  tessera::Value text(std::string("x"));
  std::vector<const tessera::Value*> fitting{&one, &half};
  CHECK(tessera::detail::argument_problem(first, fitting.data(), fitting.size()).empty());

  std::vector<const tessera::Value*> too_many{&one, &half, &half};
  auto problem = tessera::detail::argument_problem(first, too_many.data(), too_many.size());
  CHECK(contains(problem, "'api_first' (int, double) takes 2 arguments, but received 3"));
  problem = tessera::detail::argument_problem(first, fitting.data(), 1);
  CHECK(contains(problem, "takes 2 arguments, but received 1"));

  std::vector<const tessera::Value*> wrong_type{&one, &text};
  problem = tessera::detail::argument_problem(first, wrong_type.data(), wrong_type.size());
  CHECK(contains(problem, "'api_first'"));
  CHECK(contains(problem, "argument 1 is a std::string, but the function takes double"));

  const auto& sum = tessera::detail::find_function("api_sum_of<int>");
  tessera::Value header(tessera::detail::PackHeader{2});
  std::vector<const tessera::Value*> pack{&header, &one, &one};
  CHECK(tessera::detail::argument_problem(sum, pack.data(), pack.size()).empty());
  std::vector<const tessera::Value*> bad_element{&header, &one, &half};
  problem = tessera::detail::argument_problem(sum, bad_element.data(), bad_element.size());
  CHECK(contains(problem, "element 1 of argument 0 is a double"));
  problem = tessera::detail::argument_problem(sum, pack.data(), 2);
  CHECK(contains(problem, "received 2 values"));
}

TEST_CASE("a Graph task takes a std::vector of Refs for a std::vector parameter") {
  for (const char* scheduler : {"sync", "threads"}) {
    auto client = make_client(scheduler);
    tessera::Graph graph;
    std::vector<tessera::Key> parts;
    for (int i = 0; i < 100; ++i) {
      const auto key = "part-" + std::to_string(i);
      graph.add(key, api_inc, i);
      parts.push_back(key);
    }
    graph.add("by-name", "api_sum_of<int>", {tessera::refs(parts)});
    graph.add("typed", api_weighted, 2, tessera::refs({"part-0", "part-1"}), tessera::refs({}), 7);
    graph.add("total", "api_sum_of<int>", {tessera::refs({"by-name", "part-99"})});
    CHECK(client.compute(graph.delayed<int>("by-name")).result() == 5050);
    CHECK(client.compute(graph.delayed<long>("typed")).result() == 2 * (1 + 2) + 7);
    CHECK(client.compute(graph.delayed<int>("total")).result() == 5050 + 100);

    graph.add("missing", "api_sum_of<int>", {tessera::refs({"part-0", "nowhere"})});
    CHECK_THROWS_WITH(graph.delayed<int>("missing"),
                      Catch::Contains("depends on key 'nowhere', which is not in the graph"));
    graph.add("loop-a", "api_sum_of<int>", {tessera::refs({"part-0", "loop-b"})});
    graph.add("loop-b", "api_sum_of<int>", {tessera::refs({"loop-a"})});
    CHECK_THROWS_WITH(graph.delayed<int>("loop-a"), Catch::Contains("the tasks form a cycle"));
  }
}

TEST_CASE("a local task given an argument of the wrong type fails naming the function") {
  for (const char* scheduler : {"sync", "threads"}) {
    auto client = make_client(scheduler);
    tessera::Graph graph;
    graph.add("bad", "api_first", {tessera::Value(1), tessera::Value(std::string("x"))});
    try {
      client.compute(graph.delayed<int>("bad")).result();
      FAIL("the task ran with a std::string for a double");
    } catch (const tessera::TaskError& error) {
      CHECK(contains(error.what(), "'api_first'"));
      CHECK(contains(error.what(), "argument 1 is a std::string, but the function takes double"));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Deep graphs

TEST_CASE("a chain of a million Delayeds builds, computes and is released") {
  for (const char* scheduler : {"sync", "threads"}) {
    auto client = make_client(scheduler);
    constexpr int depth = 1'000'000;
    auto chain = delayed(api_inc)(0);
    for (int i = 1; i < depth; ++i) chain = delayed(api_inc)(chain);
    CHECK(client.compute(chain).result() == depth);
    chain = Delayed<int>();  // releases the chain: used to overflow the stack
  }
}

// Each task reads the one before twice (as a stencil's edge column reads itself as its
// clamped neighbour): the node then holds its input twice, and releasing the graph recursed
// once per level and overflowed the stack (found with tessera_bench_stencil --steps 300000).
int api_mean_of_two(int a, int b) { return (a + b) / 2 + 1; }

TEST_CASE("a deep graph whose tasks read the same input twice is released") {
  auto client = make_client("sync");
  constexpr int depth = 300'000;
  auto level = delayed(api_inc)(0);
  for (int i = 1; i < depth; ++i) level = delayed(api_mean_of_two)(level, level);
  CHECK(client.compute(level).result() == depth);
  level = Delayed<int>();
}

// "k<i>", built without operator+ (GCC 12's -Wrestrict misfires on "k" + std::to_string(i)).
std::string chain_key(int i) {
  std::string key = "k";
  key += std::to_string(i);
  return key;
}

TEST_CASE("a chain of 300 thousand Graph keys computes and is released") {
  auto client = make_client("threads");
  tessera::Graph g;
  g.add_value("k0", 0);
  constexpr int depth = 300'000;
  for (int i = 1; i <= depth; ++i) g.add(chain_key(i), "api_inc", {tessera::ref(chain_key(i - 1))});
  auto last = g.delayed<int>(chain_key(depth));
  CHECK(client.compute(last).result() == depth);
}
