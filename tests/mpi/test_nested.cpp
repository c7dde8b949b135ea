// Tasks that submit tasks under mpirun: inside a task, tessera::get_client() is a client of
// the same cluster, and a task that waits on the futures it made must not stall its worker.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "support.hpp"
#include "tessera/tessera.hpp"

using namespace mpi_test;

using namespace std::chrono_literals;

namespace {

// Waits inside tasks are bounded, so that a deadlock shows as a failed task (TimeoutError)
// instead of hanging the job.
constexpr auto nested_wait = 2s;

int nested_rank() { return tessera::this_rank(); }

int nested_square(int x) { return x * x; }
TESSERA_TASK(nested_square);

int nested_add(int a, int b) { return a + b; }
TESSERA_TASK(nested_add);

int nested_fail(int x) { throw std::domain_error("child " + std::to_string(x) + " failed"); }
TESSERA_TASK(nested_fail);

std::string nested_scheduler() { return tessera::get_client().scheduler(); }
TESSERA_TASK(nested_scheduler);

// Submits squares of 0..n-1 to rank `children_on` (0: anywhere), sums them in a nested task
// that reads the children's futures, and returns {its own rank, the sum}.
std::vector<int> nested_parent(int n, int children_on) {
  auto client = tessera::get_client();
  tessera::TaskOptions options;
  if (children_on > 0) options.workers = {children_on};
  std::vector<tessera::Future<int>> children;
  for (int i = 0; i < n; ++i) children.push_back(client.submit(options, nested_square, i));
  int sum = 0;
  for (const auto& child : children) sum += child.result(nested_wait);
  // Futures made here are inputs of tasks submitted here too.
  auto pair = client.submit(options, nested_add, children.front(), children.back());
  if (pair.result(nested_wait) != (n - 1) * (n - 1)) return {nested_rank(), -1};
  return {nested_rank(), sum};
}
TESSERA_TASK(nested_parent);

// Submits a failing child (key `child_key`) and reads it: the child's TaskError propagates.
int nested_failing_parent(std::string child_key, int children_on) {
  auto client = tessera::get_client();
  return client
      .submit(tessera::TaskOptions{.key = child_key, .workers = {children_on}}, nested_fail, 7)
      .result(nested_wait);
}
TESSERA_TASK(nested_failing_parent);

int sum_of_squares(int n) { return (n - 1) * n * (2 * n - 1) / 6; }

}  // namespace

TEST_CASE("mpi: inside a task, get_client() is a client of the MPI cluster") {
  auto client = tessera::get_client();
  CHECK(client.submit(nested_scheduler).result() == "mpi");
}

TEST_CASE("mpi: a task submits tasks to another worker and reads their results") {
  auto client = tessera::get_client();
  const int parent_on = 1;
  const int children_on = ranks() - 1;  // another worker, or rank 1's other thread with -n 2
  auto result =
      client.submit(tessera::TaskOptions{.workers = {parent_on}}, nested_parent, 10, children_on)
          .result();
  REQUIRE(result.size() == 2);
  CHECK(result[0] == parent_on);
  CHECK(result[1] == sum_of_squares(10));
}

TEST_CASE("mpi: a nested child's failure reaches rank 0 with the child's key and worker") {
  auto client = tessera::get_client();
  const auto child_key = tessera::unique_key("nested-child");
  const int children_on = ranks() - 1;
  auto parent = client.submit(tessera::TaskOptions{.workers = {1}}, nested_failing_parent,
                              child_key, children_on);
  try {
    parent.result();
    FAIL("the child's failure should reach rank 0");
  } catch (const tessera::TaskError& error) {
    CHECK(error.key() == child_key);
    CHECK(error.original_type() == "std::domain_error");
    CHECK(error.original_message() == "child 7 failed");
    CHECK_THAT(error.worker(),
               Catch::StartsWith("worker rank " + std::to_string(children_on) + " thread "));
  }
}

// A task thread waiting on a future runs other tasks meanwhile. With one thread per worker
// (the default with 3 or more ranks on a 2-core machine) the children often go to the
// parent's own worker, and would otherwise wait behind the parent forever.
TEST_CASE("mpi: a task that waits on its children lets its worker run them meanwhile") {
  auto client = tessera::get_client();
  auto result = client.submit(nested_parent, 6, 0).result(10s);
  REQUIRE(result.size() == 2);
  CHECK(result[1] == sum_of_squares(6));
}

// The same, on every rank count: as many waiting parents as there are worker threads.
TEST_CASE("mpi: as many waiting parents as worker threads do not stall the cluster") {
  auto client = tessera::get_client();
  std::vector<tessera::Future<std::vector<int>>> parents;
  for (std::uint32_t i = 0; i < client.threads(); ++i) {
    parents.push_back(client.submit(nested_parent, 4, 0));
  }
  for (auto& parent : parents) CHECK(parent.result(10s).at(1) == sum_of_squares(4));
}
