// Errors under mpirun: a task's exception reaches rank 0 with where it happened, skips what
// depends on it, may be retried, and leaves the cluster working. Code that cannot run on
// workers is refused at submit with a message that says what to do.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"
#include "tessera/tessera.hpp"

using namespace mpi_test;

using namespace std::chrono_literals;

namespace {

int errors_inc(int x) { return x + 1; }
TESSERA_TASK(errors_inc);

int errors_fail(int x) { throw std::invalid_argument("bad input " + std::to_string(x)); }
TESSERA_TASK(errors_fail);

// Throws once the file `gate` exists (at most 10 s): a failure that comes later.
int errors_fail_at(std::string gate, int x) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!std::filesystem::exists(gate) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(2ms);
  }
  throw std::invalid_argument("bad input " + std::to_string(x));
}
TESSERA_TASK(errors_fail_at);

int errors_throw_int(int x) { throw x; }
TESSERA_TASK(errors_throw_int);

// Fails its first `failures` attempts; the attempts so far are counted in the file `path`
// (tasks run in worker processes: a counter on rank 0 would not see them). Returns the
// attempt that succeeded.
int errors_flaky(std::string path, int failures) {
  int attempts = 0;
  std::ifstream(path) >> attempts;
  ++attempts;
  std::ofstream(path) << attempts;
  if (attempts <= failures)
    throw std::runtime_error("attempt " + std::to_string(attempts) + " failed");
  return attempts;
}
TESSERA_TASK(errors_flaky);

// A result type that cannot be serialized (not trivially copyable, no serialize()).
struct ErrorsOpaque {
  std::string text;
};
ErrorsOpaque errors_make_opaque(std::string text) { return ErrorsOpaque{std::move(text)}; }
TESSERA_TASK(errors_make_opaque);
std::size_t errors_read_opaque(const ErrorsOpaque& opaque) { return opaque.text.size(); }
TESSERA_TASK(errors_read_opaque);

// Not registered with TESSERA_TASK.
int errors_unregistered(int x) { return x; }

}  // namespace

TEST_CASE("mpi: a task's exception reaches result() as a TaskError with key, rank and type") {
  auto client = tessera::get_client();
  for (int rank = 1; rank < ranks(); ++rank) {
    INFO("rank " << rank);
    const auto key = tessera::unique_key("errors-fail");
    auto future =
        client.submit(tessera::TaskOptions{.key = key, .workers = {rank}}, errors_fail, rank);
    auto error = task_error_of(future);
    CHECK(error.key() == key);
    CHECK_THAT(error.worker(),
               Catch::StartsWith("worker rank " + std::to_string(rank) + " thread "));
    CHECK(error.original_type() == "std::invalid_argument");
    CHECK(error.original_message() == "bad input " + std::to_string(rank));
    CHECK_THAT(error.what(), Catch::Contains(key) && Catch::Contains("bad input"));
    CHECK(std::string(future.status()) == "error");
    CHECK(future.exception() != nullptr);
  }
}

TEST_CASE("mpi: an exception that is not a std::exception is reported as unknown") {
  auto client = tessera::get_client();
  auto error = task_error_of(client.submit(errors_throw_int, 3));
  CHECK(error.original_type() == "unknown exception");
  CHECK_THAT(error.worker(), Catch::StartsWith("worker rank "));
}

TEST_CASE("mpi: dependents of a failed task are skipped and report the original key") {
  auto client = tessera::get_client();
  const auto key = tessera::unique_key("errors-root");

  SECTION("in the same graph") {
    auto failing = tessera::delayed(errors_fail, {.key = key})(1);
    auto chain = tessera::delayed(errors_inc)(tessera::delayed(errors_inc)(failing));
    auto error = task_error_of(client.compute(chain));
    CHECK(error.key() == key);
    CHECK(error.original_message() == "bad input 1");
  }
  SECTION("in a later submit that reads the future, made before it failed") {
    Scratch gate;
    auto failing = client.submit(tessera::TaskOptions{.key = key}, errors_fail_at, gate.path, 2);
    auto reader = client.submit(errors_inc, failing);
    std::ofstream(gate.path) << "go";
    auto error = task_error_of(reader);
    CHECK(error.key() == key);
    CHECK(error.original_type() == "std::invalid_argument");
    CHECK_THROWS_AS(client.gather(std::vector{failing, reader}), tessera::TaskError);
  }
  // The cluster still works.
  auto items = std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  auto results = client.gather(client.map(errors_inc, items));
  CHECK(results.front() == 2);
  CHECK(results.back() == 11);
}

// The scheduler keeps the failure of an output while the client holds its future, so that a
// later reader reports the original failure, not "no longer held in the cluster".
TEST_CASE("mpi: a failed future read by a submit made after the failure reports the failure") {
  auto client = tessera::get_client();
  SECTION("the task threw") {
    const auto key = tessera::unique_key("errors-failed-first");
    auto failing = client.submit(tessera::TaskOptions{.key = key}, errors_fail, 3);
    REQUIRE(failing.exception() != nullptr);  // waits: the failure is known on rank 0
    auto error = task_error_of(client.submit(errors_inc, failing));
    CHECK(error.key() == key);
    CHECK(error.original_message() == "bad input 3");
  }
  SECTION("no worker can run the task: it fails at once, before the reader is submitted") {
    const auto key = tessera::unique_key("errors-unrunnable");
    auto unrunnable = client.submit(
        tessera::TaskOptions{.key = key, .resources = {{"UNOBTAINIUM", 1}}}, errors_inc, 1);
    auto error = task_error_of(client.submit(errors_inc, unrunnable));  // no wait in between
    CHECK(error.key() == key);
    CHECK_THAT(error.original_message(), Catch::Contains("UNOBTAINIUM"));
  }
}

TEST_CASE("mpi: a task that fails its first attempts succeeds within its retries") {
  auto client = tessera::get_client();
  SECTION("enough retries") {
    Scratch attempts;
    const auto key = tessera::unique_key("errors-flaky");
    auto future = client.submit(tessera::TaskOptions{.key = key, .retries = 2}, errors_flaky,
                                attempts.path, 2);
    CHECK(future.result(10s) == 3);
    // The worker logs each retry to rank 0.
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    std::size_t retries = 0;
    while (retries < 2 && std::chrono::steady_clock::now() < deadline) {
      retries = 0;
      for (const auto& event : tessera::get_events("retries")) {
        if (event.message.find("'" + key + "'") != std::string::npos) ++retries;
      }
      if (retries < 2) std::this_thread::sleep_for(5ms);
    }
    CHECK(retries == 2);
  }
  SECTION("too few retries") {
    Scratch attempts;
    auto future = client.submit(tessera::TaskOptions{.retries = 1}, errors_flaky, attempts.path, 5);
    auto error = task_error_of(future);
    CHECK(error.original_type() == "std::runtime_error");
    CHECK(error.original_message() == "attempt 2 failed");
  }
  SECTION("no retries") {
    Scratch attempts;
    auto error = task_error_of(client.submit(errors_flaky, attempts.path, 1));
    CHECK(error.original_message() == "attempt 1 failed");
  }
  SECTION("retries of a graph task written by name") {
    Scratch attempts;
    tessera::Graph graph;
    const auto key = tessera::unique_key("errors-graph-flaky");
    graph.add(key, "errors_flaky", {tessera::Value(attempts.path), tessera::Value(1)},
              /*retries=*/3);
    CHECK(graph.delayed<int>(key).compute() == 2);
  }
}

TEST_CASE("mpi: an unregistered function or lambda is refused at submit, naming TESSERA_TASK") {
  auto client = tessera::get_client();
  auto check_refused = [](auto&& submit) {
    try {
      submit();
      FAIL("an unregistered callable should be refused");
    } catch (const tessera::TaskError&) {
      FAIL("the refusal should come at submit, not as a task failure");
    } catch (const tessera::Error& error) {
      CHECK_THAT(error.what(),
                 Catch::Contains("not registered") && Catch::Contains("TESSERA_TASK"));
    }
  };
  check_refused([&] { client.submit([](int x) { return x + 1; }, 1); });
  check_refused([&] { client.submit(errors_unregistered, 1); });
  check_refused([&] { client.map([](int x) { return x; }, std::vector<int>{1, 2}); });
  check_refused([&] {  // a lambda deep inside a graph of registered tasks
    auto inner = tessera::delayed([](int x) { return 2 * x; })(3);
    client.compute(tessera::delayed(errors_inc)(inner));
  });
  // Nothing was left behind.
  CHECK(client.submit(errors_inc, 1).result() == 2);
}

TEST_CASE(
    "mpi: a result that cannot be serialized is used where it is, and says why it cannot move") {
  auto client = tessera::get_client();
  auto opaque =
      client.submit(tessera::TaskOptions{.workers = {1}}, errors_make_opaque, std::string("four"));
  // Read on the worker that holds it: no transfer, no serialization.
  CHECK(client.submit(tessera::TaskOptions{.workers = {1}}, errors_read_opaque, opaque).result() ==
        4);
  // Brought to rank 0: an error that names the type.
  try {
    opaque.result();
    FAIL("the result cannot come to rank 0");
  } catch (const tessera::Error& error) {
    CHECK_THAT(error.what(), Catch::Contains("ErrorsOpaque") &&
                                 Catch::Contains("cannot be serialized") &&
                                 Catch::Contains("worker rank 1"));
  }
  // Read on another worker: the reader fails, naming the type.
  if (ranks() > 2) {
    auto error = task_error_of(
        client.submit(tessera::TaskOptions{.workers = {2}}, errors_read_opaque, opaque));
    CHECK_THAT(error.original_message(), Catch::Contains("ErrorsOpaque"));
    CHECK_THAT(error.worker(), Catch::StartsWith("worker rank 2"));
  }
  CHECK(client.submit(errors_inc, 1).result() == 2);
}

// future.hpp (RemoteResult::fetch) promises a TaskError naming the key when a result cannot
// be brought to the caller.
TEST_CASE("mpi: a result that cannot be brought to rank 0 fails with a TaskError naming its key") {
  auto client = tessera::get_client();
  const auto key = tessera::unique_key("errors-opaque");
  auto opaque =
      client.submit(tessera::TaskOptions{.key = key}, errors_make_opaque, std::string("four"));
  try {
    opaque.result();
    FAIL("the result cannot come to rank 0");
  } catch (const tessera::TaskError& error) {
    CHECK(error.key() == key);
  } catch (const tessera::Error& error) {
    CHECK_THAT(error.what(), Catch::Contains(key));
    FAIL("a plain tessera::Error, not a TaskError: " << error.what());
  }
}
