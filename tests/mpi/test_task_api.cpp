// The task API on MPI workers: std::vector arguments of Delayeds and Futures (each element
// an input), functions registered under chosen names and as template instantiations, and
// the worker's check of the arguments it receives.

#include <catch2/catch.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "support.hpp"
#include "tessera/tessera.hpp"

namespace {

template <class T>
T task_api_sum(std::vector<T> xs) {
  return std::accumulate(xs.begin(), xs.end(), T{});
}
double task_api_half(int i) { return i * 0.5; }
int task_api_inc(int x) { return x + 1; }
int task_api_scaled_sum(int scale, std::vector<int> xs) {
  return scale * std::accumulate(xs.begin(), xs.end(), 0);
}
int task_api_add(int a, int b) { return a + b; }

}  // namespace

TESSERA_TASK(task_api_sum<double>);
TESSERA_TASK(task_api_sum<int>);
TESSERA_TASK_NAMED("tests.mpi.half", task_api_half);
TESSERA_TASK(task_api_inc);
TESSERA_TASK(task_api_scaled_sum);
TESSERA_TASK(task_api_add);

using mpi_test::task_error_of;

TEST_CASE("mpi: a task with 100,000 inputs from tasks on every worker") {
  auto client = tessera::get_client();
  REQUIRE(std::string(client.scheduler()) == "mpi");
  constexpr int inputs = 100'000;
  std::vector<tessera::Delayed<double>> parts;
  parts.reserve(inputs);
  auto half = tessera::delayed(task_api_half);
  for (int i = 0; i < inputs; ++i) parts.push_back(half(i));
  auto total = tessera::delayed(task_api_sum<double>)(parts);
  CHECK(total.key().rfind("task_api_sum<double>-", 0) == 0);
  CHECK(client.compute(total).result() == Approx(0.5 * (inputs - 1.0) * inputs / 2));
}

TEST_CASE("mpi: a std::vector of futures and one of Delayeds, beside other arguments") {
  auto client = tessera::get_client();
  std::vector<tessera::Future<int>> futures;
  for (int i = 0; i < 50; ++i) futures.push_back(client.submit(task_api_inc, i));  // 1..50
  CHECK(client.submit(task_api_scaled_sum, 2, futures).result() == 2 * 1275);
  std::vector<tessera::Delayed<int>> parts;
  for (int i = 0; i < 4; ++i) parts.push_back(tessera::delayed(task_api_inc)(i));
  parts.push_back(tessera::delayed_value(100));
  CHECK(tessera::delayed(task_api_scaled_sum)(3, parts).compute() == 3 * 110);
  // A tree reduction with fan-in 8, as collections build them.
  std::vector<tessera::Delayed<int>> level;
  for (int i = 0; i < 1000; ++i) level.push_back(tessera::delayed(task_api_inc)(i));
  while (level.size() > 1) {
    std::vector<tessera::Delayed<int>> next;
    for (std::size_t i = 0; i < level.size(); i += 8) {
      std::vector<tessera::Delayed<int>> group(
          level.begin() + static_cast<std::ptrdiff_t>(i),
          level.begin() + static_cast<std::ptrdiff_t>(std::min(i + 8, level.size())));
      next.push_back(tessera::delayed(task_api_sum<int>)(group));
    }
    level = std::move(next);
  }
  CHECK(level[0].compute() == 1000 * 1001 / 2);
}

TEST_CASE("mpi: functions registered under a chosen name run on the workers") {
  auto d = tessera::delayed(task_api_half)(8);
  CHECK(d.key().rfind("tests.mpi.half-", 0) == 0);
  CHECK(d.compute() == 4.0);
}

TEST_CASE("mpi: arguments of the wrong type are a TaskError naming the function and types") {
  auto client = tessera::get_client();
  tessera::Graph g;
  g.add("wrong", "task_api_add", {tessera::Value(1), tessera::Value(std::string("two"))});
  g.add_value("doubles", std::vector<double>{1.5});
  g.add("wrong-vector", "task_api_sum<int>", {tessera::ref("doubles")});
  auto futures = client.get(g, {"wrong", "wrong-vector"});
  auto error = task_error_of(tessera::Future<int>(futures[0]));
  CHECK(error.key() == "wrong");
  CHECK(error.original_type() == "tessera::TypeError");
  CHECK_THAT(error.original_message(), Catch::Contains("'task_api_add' (int, int)") &&
                                           Catch::Contains("argument 1 is a std::string") &&
                                           Catch::Contains("takes int"));
  error = task_error_of(tessera::Future<int>(futures[1]));
  CHECK(error.key() == "wrong-vector");
  CHECK_THAT(error.original_message(), Catch::Contains("'task_api_sum<int>'") &&
                                           Catch::Contains("argument 0 is a std::vector<double") &&
                                           Catch::Contains("takes std::vector<int"));
}

TEST_CASE("mpi: a Graph task reads a std::vector of Refs, each an input from any worker") {
  auto client = tessera::get_client();
  tessera::Graph graph;
  std::vector<tessera::Key> parts;
  for (int i = 0; i < 1000; ++i) {
    const auto key = "mpi-part-" + std::to_string(i);
    graph.add(key, "task_api_inc", {tessera::Value(i)});
    parts.push_back(key);
  }
  graph.add("mpi-total", "task_api_scaled_sum", {tessera::Value(2), tessera::refs(parts)});
  CHECK(client.compute(graph.delayed<int>("mpi-total")).result() == 2 * 500500);
}
