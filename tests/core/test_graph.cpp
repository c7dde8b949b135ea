// Graphs written key by key, their errors, and the optimizations applied to every graph
// before it runs: culling, sharing by key, fusion of linear chains (seen through to_dot).

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/client.hpp"
#include "tessera/delayed.hpp"
#include "tessera/errors.hpp"
#include "tessera/graph.hpp"
#include "test_support.hpp"

namespace {

std::atomic<int> left_calls{0};
std::atomic<int> right_calls{0};

int graph_inc(int x) { return x + 1; }
int graph_add(int a, int b) { return a + b; }
int graph_left(int x) {
  ++left_calls;
  return x * 2;
}
int graph_right(int x) {
  ++right_calls;
  return x * 3;
}
std::string graph_describe(const std::string& label, int value) {
  return label + "=" + std::to_string(value);
}

}  // namespace

TESSERA_TASK(graph_inc);
TESSERA_TASK(graph_add);
TESSERA_TASK(graph_left);
TESSERA_TASK(graph_right);
TESSERA_TASK(graph_describe);

using tessera::ref;
using tessera_test::contains;
using tessera_test::make_client;

TEST_CASE("a graph of values, calls and calls by registered name computes") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  tessera::Graph g;
  g.add_value("x", 1);
  g.add("y", graph_inc, ref("x"));                          // y = inc(x)
  g.add("z", "graph_add", {ref("y"), tessera::Value(10)});  // z = add(y, 10)
  g.add("w", graph_add, ref("z"), 5);                       // literal converted
  g.add("s", "graph_describe", {tessera::Value(std::string("w")), ref("w")});
  g.add(
      "l", [](int v) { return v * 100; }, ref("x"));
  CHECK(g.size() == 6);
  CHECK(g.contains("z"));
  CHECK_FALSE(g.contains("nope"));

  CHECK(g.delayed<int>("y").compute() == 2);
  CHECK(g.delayed<int>("z").compute() == 12);
  CHECK(g.delayed<int>("w").compute() == 17);
  CHECK(g.delayed<std::string>("s").compute() == "w=17");
  CHECK(g.delayed<int>("l").compute() == 100);
  CHECK(g.delayed<int>("x").compute() == 1);  // a value key computes to itself

  // The key of a graph task is the graph's key.
  CHECK(g.delayed<int>("z").key() == "z");
}

TEST_CASE("client.get runs the keys asked for; one future per key, in order") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  tessera::Graph g;
  g.add_value("a", 3);
  g.add("b", graph_inc, ref("a"));
  g.add("c", graph_add, ref("a"), ref("b"));
  g.add("d", graph_add, ref("c"), ref("c"));

  auto states = client.get(g, {"d", "b", "a", "c"});
  REQUIRE(states.size() == 4);
  CHECK(tessera::Future<int>(states[0]).result() == 14);
  CHECK(tessera::Future<int>(states[1]).result() == 4);
  CHECK(tessera::Future<int>(states[2]).result() == 3);
  CHECK(tessera::Future<int>(states[3]).result() == 7);
  CHECK(tessera::Future<int>(states[0]).key() == "d");
}

TEST_CASE("a graph's Delayed is the argument of delayed calls") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  tessera::Graph g;
  g.add_value("x", 20);
  g.add("y", graph_inc, ref("x"));
  auto total = tessera::delayed(graph_add)(g.delayed<int>("y"), g.delayed<int>("x"));
  CHECK(total.compute() == 41);
}

TEST_CASE("a reference to a missing key is a GraphError naming both keys") {
  tessera::Graph g;
  g.add("needs", graph_inc, ref("missing-input"));
  try {
    (void)g.delayed<int>("needs");
    FAIL("no GraphError");
  } catch (const tessera::GraphError& error) {
    CHECK(contains(error.what(), "needs"));
    CHECK(contains(error.what(), "missing-input"));
  }

  auto client = make_client("sync");
  CHECK_THROWS_AS(client.get(g, {"needs"}), tessera::GraphError);
  CHECK_THROWS_AS(client.get(g, {"not-a-key"}), tessera::GraphError);
  CHECK_THROWS_WITH(g.to_dot({"not-a-key"}), Catch::Contains("not-a-key"));
}

TEST_CASE("a cycle is a GraphError naming the keys on it") {
  tessera::Graph g;
  g.add_value("start", 0);
  g.add("a", graph_add, ref("start"), ref("c"));
  g.add("b", graph_inc, ref("a"));
  g.add("c", graph_inc, ref("b"));
  g.add("out", graph_inc, ref("c"));

  try {
    (void)g.delayed<int>("out");
    FAIL("no GraphError");
  } catch (const tessera::GraphError& error) {
    const std::string message = error.what();
    CHECK(contains(message, "cycle"));
    CHECK((contains(message, "a ->") || contains(message, "-> a")));
    CHECK(contains(message, "b"));
    CHECK(contains(message, "c"));
  }

  tessera::Graph self;
  self.add("loop", graph_inc, ref("loop"));
  CHECK_THROWS_AS(self.delayed<int>("loop"), tessera::GraphError);
  CHECK_THROWS_WITH(self.delayed<int>("loop"), Catch::Contains("loop"));

  auto client = make_client("threads");
  CHECK_THROWS_AS(client.get(g, {"out"}), tessera::GraphError);
}

TEST_CASE("a call to an unregistered function name is a RegistryError naming it") {
  tessera::Graph g;
  g.add_value("x", 1);
  try {
    g.add("y", "no_such_function_anywhere", {ref("x")});
    FAIL("no RegistryError");
  } catch (const tessera::RegistryError& error) {
    CHECK(contains(error.what(), "no_such_function_anywhere"));
  }
  CHECK_FALSE(g.contains("y"));
}

TEST_CASE("a name taken by another function cannot be registered again") {
  try {
    tessera::detail::register_function<&graph_right>("graph_left");
    FAIL("no RegistryError");
  } catch (const tessera::RegistryError& error) {
    CHECK(contains(error.what(), "graph_left"));
  }
  // Registering the same function under its own name again is harmless.
  const auto& entry = tessera::detail::find_function(std::string_view("graph_left"));
  CHECK(&tessera::detail::register_function<&graph_left>("graph_left") == &entry);
  CHECK(tessera::detail::parameter_list(entry) == "int");
}

TEST_CASE("a call by name with the wrong number of arguments is a GraphError") {
  tessera::Graph g;
  g.add_value("x", 1);
  try {
    g.add("y", "graph_add", {ref("x")});
    FAIL("no GraphError");
  } catch (const tessera::GraphError& error) {
    CHECK(contains(error.what(), "y"));
    CHECK(contains(error.what(), "graph_add"));
  }
  CHECK_THROWS_AS(g.add("z", "graph_inc", {ref("x"), ref("x")}), tessera::GraphError);
  CHECK_FALSE(g.contains("z"));
}

TEST_CASE("adding a key twice is a GraphError") {
  tessera::Graph g;
  g.add_value("x", 1);
  CHECK_THROWS_AS(g.add_value("x", 2), tessera::GraphError);
  CHECK_THROWS_AS(g.add("x", graph_inc, 1), tessera::GraphError);
  CHECK_THROWS_WITH(g.add("x", "graph_inc", {tessera::Value(1)}), Catch::Contains("'x'"));
  CHECK(g.size() == 1);
  CHECK(g.delayed<int>("x").compute() == 1);  // the first definition stays
}

TEST_CASE("a reference whose result has the wrong type fails the task with a TypeError") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  tessera::Graph g;
  g.add_value("text", std::string("not an int"));
  g.add("y", graph_inc, ref("text"));
  g.add("by-name", "graph_inc", {ref("text")});
  g.add("literal", "graph_inc", {tessera::Value(2.5)});

  for (const char* key : {"y", "by-name", "literal"}) {
    CAPTURE(key);
    try {
      g.delayed<int>(key).compute();
      FAIL("no TaskError");
    } catch (const tessera::TaskError& error) {
      CHECK(error.key() == key);
      CHECK(error.original_type() == "tessera::TypeError");
      CHECK(contains(error.original_message(), "int"));
    }
  }
}

TEST_CASE("reading a result as the wrong type is a TypeError naming both types") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);
  tessera::Graph g;
  g.add_value("x", 1);
  g.add("y", graph_inc, ref("x"));
  try {
    g.delayed<std::string>("y").compute();
    FAIL("no TypeError");
  } catch (const tessera::TypeError& error) {
    CHECK(contains(error.what(), "int"));
    CHECK(contains(error.what(), "string"));
  }
}

TEST_CASE("computing one output does not run tasks only other outputs need") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);
  left_calls = 0;
  right_calls = 0;

  SECTION("in a Graph") {
    tessera::Graph g;
    g.add_value("x", 5);
    g.add("left", graph_left, ref("x"));
    g.add("right", graph_right, ref("x"));
    g.add("both", graph_add, ref("left"), ref("right"));
    CHECK(g.delayed<int>("left").compute() == 10);
    CHECK(left_calls == 1);
    CHECK(right_calls == 0);
    CHECK(tessera::Future<int>(client.get(g, {"both"}).front()).result() == 25);
    CHECK(left_calls == 2);
    CHECK(right_calls == 1);
  }
  SECTION("in delayed calls") {
    auto x = tessera::delayed(graph_inc)(4);
    auto left = tessera::delayed(graph_left)(x);
    auto right = tessera::delayed(graph_right)(x);
    auto both = tessera::delayed(graph_add)(left, right);
    CHECK(left.compute() == 10);
    CHECK(right_calls == 0);
    CHECK(both.compute() == 25);
    CHECK(left_calls == 2);
    CHECK(right_calls == 1);
  }
}

TEST_CASE("tasks of the same key are the same work") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);
  left_calls = 0;

  tessera::Graph g;
  g.add_value("x", 1);
  g.add("l", graph_left, ref("x"));
  g.add("a", graph_inc, ref("l"));
  g.add("b", graph_add, ref("l"), ref("l"));
  auto states = client.get(g, {"a", "b", "l", "a"});
  CHECK(tessera::Future<int>(states[0]).result() == 3);
  CHECK(tessera::Future<int>(states[1]).result() == 4);
  CHECK(tessera::Future<int>(states[2]).result() == 2);
  CHECK(tessera::Future<int>(states[3]).result() == 3);
  CHECK(left_calls == 1);

  // Delayeds from two separate calls of g.delayed share the graph's keys too.
  left_calls = 0;
  auto [a, b] = tessera::compute(g.delayed<int>("a"), g.delayed<int>("b"));
  CHECK(a == 3);
  CHECK(b == 4);
  CHECK(left_calls == 1);
}

TEST_CASE("to_dot shows the tasks, their edges and fused chains") {
  tessera::Graph g;
  g.add_value("x", 1);
  g.add("chain-1", graph_inc, ref("x"));
  g.add("chain-2", graph_inc, ref("chain-1"));
  g.add("chain-3", graph_inc, ref("chain-2"));
  g.add("other", graph_inc, ref("x"));
  g.add("total", graph_add, ref("chain-3"), ref("other"));
  g.add("unused", graph_inc, ref("total"));

  const std::string dot = g.to_dot({"total"});
  CAPTURE(dot);
  CHECK(dot.rfind("digraph", 0) == 0);
  CHECK(dot.find('{') != std::string::npos);
  CHECK(dot.back() == '\n');
  CHECK(dot.find_last_of('}') != std::string::npos);
  for (const char* key : {"chain-1", "chain-2", "chain-3", "other", "total"}) {
    CAPTURE(key);
    CHECK(contains(dot, std::string("\"") + key + "\""));
  }
  CHECK_FALSE(contains(dot, "unused"));  // culled
  CHECK(contains(dot, "->"));
  CHECK(contains(dot, "cluster"));

  // Edges: 2 in the chain, chain-3 -> total, other -> total.
  std::size_t edges = 0;
  for (auto at = dot.find("->"); at != std::string::npos; at = dot.find("->", at + 2)) ++edges;
  CHECK(edges == 4);

  // Braces balance.
  CHECK(std::count(dot.begin(), dot.end(), '{') == std::count(dot.begin(), dot.end(), '}'));
}

TEST_CASE("to_dot of a Delayed shows its graph; independent tasks are not fused") {
  auto a = tessera::delayed(graph_inc, {.key = "leaf-a"})(1);
  auto b = tessera::delayed(graph_inc, {.key = "leaf-b"})(2);
  auto sum = tessera::delayed(graph_add, {.key = "sum-ab"})(a, b);
  const std::string dot = sum.to_dot();
  CAPTURE(dot);
  CHECK(dot.rfind("digraph", 0) == 0);
  CHECK(contains(dot, "\"leaf-a\""));
  CHECK(contains(dot, "\"leaf-b\""));
  CHECK(contains(dot, "\"sum-ab\""));
  CHECK_FALSE(contains(dot, "cluster"));  // a diamond has no linear chain

  auto chain = tessera::delayed(graph_inc, {.key = "step-3"})(tessera::delayed(
      graph_inc, {.key = "step-2"})(tessera::delayed(graph_inc, {.key = "step-1"})(0)));
  const std::string chain_dot = chain.to_dot();
  CAPTURE(chain_dot);
  CHECK(contains(chain_dot, "cluster"));
  CHECK(contains(chain_dot, "\"step-1\""));
  CHECK(contains(chain_dot, "\"step-3\""));
}
