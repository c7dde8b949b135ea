// Graph shapes under mpirun: reductions, diamonds, shared pure keys, graphs written key by
// key and several results computed at once, all run by the worker ranks.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "tessera/tessera.hpp"

namespace {

int shapes_inc(int x) { return x + 1; }
TESSERA_TASK(shapes_inc);
int shapes_double(int x) { return 2 * x; }
TESSERA_TASK(shapes_double);
int shapes_square(int x) { return x * x; }
TESSERA_TASK(shapes_square);
int shapes_add(int a, int b) { return a + b; }
TESSERA_TASK(shapes_add);
std::string shapes_label(int x) { return "x=" + std::to_string(x); }
TESSERA_TASK(shapes_label);
std::vector<double> shapes_chunk(int i) {
  std::vector<double> chunk(1000);
  std::iota(chunk.begin(), chunk.end(), 1000.0 * i);
  return chunk;
}
TESSERA_TASK(shapes_chunk);
std::vector<double> shapes_add_chunks(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> sum(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) sum[i] = a[i] + b[i];
  return sum;
}
TESSERA_TASK(shapes_add_chunks);
int shapes_rank() { return tessera::this_rank(); }
TESSERA_TASK(shapes_rank);

// How many times the task stream of rank 0 saw `key` run.
std::size_t runs_of(const tessera::Client& client, const tessera::Key& key) {
  const auto stream = client.task_stream();
  return static_cast<std::size_t>(std::count_if(
      stream.begin(), stream.end(), [&](const tessera::TaskRecord& r) { return r.key == key; }));
}

}  // namespace

TEST_CASE("mpi: a tree reduction of vector chunks sums every element") {
  auto client = tessera::get_client();
  constexpr int chunks = 64;
  std::vector<tessera::Delayed<std::vector<double>>> level;
  for (int i = 0; i < chunks; ++i) level.push_back(tessera::delayed(shapes_chunk)(i));
  while (level.size() > 1) {
    std::vector<tessera::Delayed<std::vector<double>>> next;
    for (std::size_t i = 0; i + 1 < level.size(); i += 2) {
      next.push_back(tessera::delayed(shapes_add_chunks)(level[i], level[i + 1]));
    }
    if (level.size() % 2) next.push_back(level.back());
    level = next;
  }
  const auto total = client.compute(level[0]).result();
  REQUIRE(total.size() == 1000);
  // Element j is the sum over i of 1000 i + j.
  for (std::size_t j : {0u, 1u, 500u, 999u}) {
    CHECK(total[j] == 1000.0 * chunks * (chunks - 1) / 2 + static_cast<double>(j) * chunks);
  }
}

TEST_CASE("mpi: a diamond runs its shared top once and joins both branches") {
  auto client = tessera::get_client();
  const auto top_key = tessera::unique_key("shapes-diamond-top");
  auto top = tessera::delayed(shapes_inc, {.key = top_key})(3);  // 4
  auto left = tessera::delayed(shapes_double)(top);              // 8
  auto right = tessera::delayed(shapes_square)(top);             // 16
  auto bottom = tessera::delayed(shapes_add)(left, right);       // 24
  CHECK(client.compute(bottom).result() == 24);
  CHECK(runs_of(client, top_key) == 1);
}

TEST_CASE("mpi: pure calls with equal arguments share one key and one run") {
  auto client = tessera::get_client();
  const int argument = 1234;  // no other test makes pure shapes_square calls
  auto a = tessera::delayed(shapes_square, {.pure = true})(argument);
  auto b = tessera::delayed(shapes_square, {.pure = true})(argument);
  auto c = tessera::delayed(shapes_square, {.pure = true})(argument + 1);
  REQUIRE(a.key() == b.key());
  REQUIRE(a.key() != c.key());
  auto impure1 = tessera::delayed(shapes_square)(argument);
  auto impure2 = tessera::delayed(shapes_square)(argument);
  CHECK(impure1.key() != impure2.key());

  auto results = client.gather(client.compute(
      std::vector{tessera::delayed(shapes_add)(a, b), tessera::delayed(shapes_add)(a, c)}));
  CHECK(results[0] == 2 * argument * argument);
  CHECK(results[1] == argument * argument + (argument + 1) * (argument + 1));
  CHECK(runs_of(client, a.key()) == 1);
  CHECK(runs_of(client, c.key()) == 1);
}

TEST_CASE("mpi: a graph written key by key runs on the workers under its keys") {
  auto client = tessera::get_client();
  const auto prefix = tessera::unique_key("shapes-graph");
  const auto x = prefix + "-x", y = prefix + "-y", z = prefix + "-z", w = prefix + "-w";
  tessera::Graph graph;
  graph.add_value(x, 1);
  graph.add(y, shapes_inc, tessera::ref(x));                                      // 2
  graph.add(z, "shapes_add", {tessera::ref(y), tessera::Value(10)});              // 12
  graph.add(w, "shapes_add", {tessera::ref(z), tessera::ref(y)}, /*retries=*/1);  // 14

  auto futures = client.get(graph, {w, y});
  REQUIRE(futures.size() == 2);
  CHECK(tessera::Future<int>(futures[0]).result() == 14);
  CHECK(tessera::Future<int>(futures[1]).result() == 2);
  CHECK(graph.delayed<int>(z).compute() == 12);

  for (const auto& key : {y, z, w}) {
    INFO(key);
    CHECK(runs_of(client, key) >= 1);
  }
  for (const auto& record : client.task_stream()) {
    if (record.key == w) CHECK(record.worker.rfind("worker rank ", 0) == 0);
  }
  CHECK_THROWS_AS(client.get(graph, {prefix + "-missing"}), tessera::GraphError);
}

TEST_CASE("mpi: a graph argument of the wrong type fails on the worker with a TypeError") {
  auto client = tessera::get_client();
  tessera::Graph graph;
  const auto key = tessera::unique_key("shapes-bad-arg");
  graph.add(key, "shapes_inc", {tessera::Value(std::string("not an int"))});
  auto future = tessera::Future<int>(client.get(graph, {key})[0]);
  try {
    future.result();
    FAIL("a string passed to an int parameter should fail");
  } catch (const tessera::TaskError& error) {
    CHECK(error.key() == key);
    CHECK(error.original_type() == "tessera::TypeError");
    CHECK_THAT(error.original_message(), Catch::Contains("argument 0"));
    CHECK_THAT(error.worker(), Catch::StartsWith("worker rank "));
  }
}

TEST_CASE("mpi: compute of several Delayeds of different types returns a tuple") {
  auto [number, text, rank] =
      tessera::compute(tessera::delayed(shapes_inc)(41), tessera::delayed(shapes_label)(7),
                       tessera::delayed(shapes_rank)());
  CHECK(number == 42);
  CHECK(text == "x=7");
  CHECK(rank >= 1);
  CHECK(rank < tessera::job_size());
}

namespace {
int shapes_fail_at(int x, int at) {
  if (x == at) throw std::runtime_error("link " + std::to_string(at) + " breaks");
  return x + 1;
}
TESSERA_TASK(shapes_fail_at);
}  // namespace

// Links go to a worker ahead of their inputs (the scheduler's assign_ahead), more than one
// batch of them; a failing link skips the links the worker already holds after it.
TEST_CASE("mpi: a long chain runs link after link, and a broken link skips the rest") {
  auto client = tessera::get_client();
  constexpr int links = 3000;
  auto chain = tessera::delayed(shapes_inc)(0);
  for (int i = 1; i < links; ++i) chain = tessera::delayed(shapes_inc)(chain);
  CHECK(client.compute(chain).result() == links);

  auto broken = tessera::delayed(shapes_fail_at)(0, 1500);
  for (int i = 1; i < links; ++i) broken = tessera::delayed(shapes_fail_at)(broken, 1500);
  try {
    client.compute(broken).result();
    FAIL("the chain should have failed");
  } catch (const tessera::TaskError& error) {
    CHECK(error.original_message() == "link 1500 breaks");
  }
  // The cluster still works.
  CHECK(client.compute(chain).result() == links);
}
