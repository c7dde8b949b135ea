// Exceptions in tasks: what the caller sees, what happens to dependents, retries.

#include <atomic>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "tessera/client.hpp"
#include "tessera/delayed.hpp"
#include "tessera/errors.hpp"
#include "tessera/events.hpp"
#include "tessera/graph.hpp"
#include "test_support.hpp"

namespace {

namespace science {
struct DivergedError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
}  // namespace science

int errors_fail(int x) { throw std::runtime_error("cannot handle " + std::to_string(x)); }

std::atomic<int> flaky_attempts{0};
// Fails on its first two attempts, then returns x.
int errors_flaky(int x) {
  if (flaky_attempts.fetch_add(1) < 2) throw std::runtime_error("flaky");
  return x;
}

}  // namespace

TESSERA_TASK(errors_fail);
TESSERA_TASK(errors_flaky);

using tessera_test::contains;
using tessera_test::make_client;

TEST_CASE("a task's exception reaches result() with its key") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  auto f = client.submit(errors_fail, 7);
  try {
    f.result();
    FAIL("no TaskError");
  } catch (const tessera::TaskError& error) {
    CHECK(error.key() == f.key());
    CHECK(error.key().rfind("errors_fail-", 0) == 0);
    CHECK(error.original_type() == "std::runtime_error");
    CHECK(error.original_message() == "cannot handle 7");
    CHECK_FALSE(error.worker().empty());
    CHECK(contains(error.what(), f.key()));
    CHECK(contains(error.what(), "cannot handle 7"));
  }
  CHECK(std::string(f.status()) == "error");
  CHECK(f.exception() != nullptr);
  CHECK_THROWS_AS(f.result(), tessera::Error);  // every read rethrows

  // Delayed::compute rethrows it the same way.
  auto d = tessera::delayed(errors_fail, {.key = "fails-on-compute"})(3);
  CHECK_THROWS_MATCHES(
      d.compute(), tessera::TaskError,
      Catch::Predicate<tessera::TaskError>(
          [](const tessera::TaskError& e) { return e.key() == "fails-on-compute"; },
          "key is fails-on-compute"));
}

TEST_CASE("a TaskError names the original exception's type") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  auto original_type = [&client](auto thrower) {
    try {
      client.submit(thrower).result();
    } catch (const tessera::TaskError& error) {
      return error.original_type();
    }
    return std::string("nothing thrown");
  };
  CHECK(original_type([]() -> int { throw std::invalid_argument("x"); }) ==
        "std::invalid_argument");
  CHECK(original_type([]() -> int { throw std::out_of_range("x"); }) == "std::out_of_range");
  CHECK(original_type([]() -> int { throw science::DivergedError("x"); }) ==
        "(anonymous namespace)::science::DivergedError");
  CHECK(original_type([]() -> int { throw 42; }) == "unknown exception");
}

TEST_CASE("dependents of a failed task do not run and report the original failing key") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  std::atomic<int> dependent_calls{0};
  auto count = tessera::delayed([&dependent_calls](int v) {
    ++dependent_calls;
    return v;
  });
  auto bad = tessera::delayed(errors_fail, {.key = "bad-input"})(1);
  auto middle = count(bad);
  auto top = count(middle);
  auto good = tessera::delayed([](int v) { return v * 2; })(21);

  try {
    top.compute();
    FAIL("no TaskError");
  } catch (const tessera::TaskError& error) {
    CHECK(error.key() == "bad-input");
    CHECK(error.original_message() == "cannot handle 1");
  }
  CHECK(dependent_calls == 0);

  // Several outputs at once: each failed one names the original key; the unrelated one is fine.
  auto futures = client.compute(std::vector<tessera::Delayed<int>>{middle, top, good});
  CHECK(futures[2].result() == 42);
  for (std::size_t i = 0; i < 2; ++i) {
    try {
      futures[i].result();
      FAIL("no TaskError");
    } catch (const tessera::TaskError& error) {
      CHECK(error.key() == "bad-input");
    }
  }
  CHECK(std::string(futures[1].status()) == "error");
  CHECK(dependent_calls == 0);
}

TEST_CASE("a task given a failed future fails with the original key") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  auto bad = client.submit(tessera::TaskOptions{.key = "first-failure"}, errors_fail, 1);
  std::atomic<int> calls{0};
  auto next = client.submit(
      [&calls](int v) {
        ++calls;
        return v;
      },
      bad);
  CHECK_THROWS_MATCHES(next.result(), tessera::TaskError,
                       Catch::Predicate<tessera::TaskError>(
                           [](const tessera::TaskError& e) { return e.key() == "first-failure"; },
                           "key is first-failure"));
  CHECK(calls == 0);
}

TEST_CASE("a task waiting inside on a failed task reports that task's key") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  auto outer = client.submit([] {
    auto inner =
        tessera::get_client().submit(tessera::TaskOptions{.key = "inner-failure"}, errors_fail, 2);
    return inner.result() + 1;
  });
  try {
    outer.result();
    FAIL("no TaskError");
  } catch (const tessera::TaskError& error) {
    CHECK(error.key() == "inner-failure");
    CHECK(error.original_message() == "cannot handle 2");
  }
}

TEST_CASE("the client stays usable after a task fails") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);

  for (int round = 0; round < 3; ++round) {
    CHECK_THROWS_AS(client.submit(errors_fail, round).result(), tessera::TaskError);
    CHECK(client.submit([](int v) { return v + 1; }, round).result() == round + 1);
  }

  // One failing item of a map does not disturb the others.
  std::vector<int> items;
  for (int i = 0; i < 20; ++i) items.push_back(i);
  auto futures = client.map(
      [](int v) {
        if (v == 7) throw std::runtime_error("seven");
        return v;
      },
      items);
  for (int i = 0; i < 20; ++i) {
    CAPTURE(i);
    if (i == 7) {
      CHECK_THROWS_AS(futures[7].result(), tessera::TaskError);
    } else {
      CHECK(futures[static_cast<std::size_t>(i)].result() == i);
    }
  }
}

TEST_CASE("a task with retries runs again when it throws") {
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);
  auto client = make_client(scheduler);
  std::atomic<int> attempts{0};
  auto flaky = [&attempts](int v) {
    if (attempts.fetch_add(1) < 2) throw std::runtime_error("not yet");
    return v;
  };

  SECTION("two failures and retries=2 succeed") {
    const auto logged_before = tessera::get_events("retries").size();
    auto f = client.submit(tessera::TaskOptions{.key = "flaky-two", .retries = 2}, flaky, 5);
    CHECK(f.result() == 5);
    CHECK(attempts == 3);
    const auto events = tessera::get_events("retries");
    REQUIRE(events.size() >= logged_before + 2);
    int about_this_task = 0;
    for (auto i = logged_before; i < events.size(); ++i) {
      about_this_task += contains(events[i].message, "flaky-two") ? 1 : 0;
    }
    CHECK(about_this_task == 2);
    CHECK(events.back().topic == "retries");
  }
  SECTION("two failures and retries=1 fail") {
    auto f = client.submit(tessera::TaskOptions{.key = "flaky-one", .retries = 1}, flaky, 5);
    CHECK_THROWS_MATCHES(f.result(), tessera::TaskError,
                         Catch::Predicate<tessera::TaskError>(
                             [](const tessera::TaskError& e) {
                               return e.key() == "flaky-one" && e.original_message() == "not yet";
                             },
                             "flaky-one failed with its own message"));
    CHECK(attempts == 2);
  }
  SECTION("no retries by default") {
    CHECK_THROWS_AS(client.submit(flaky, 5).result(), tessera::TaskError);
    CHECK(attempts == 1);
  }
  SECTION("a retried task that depends on another task") {
    auto input = tessera::delayed([](int v) { return v; })(6);
    auto retried = tessera::delayed(flaky, {.retries = 2})(input);
    CHECK(retried.compute() == 6);
    CHECK(attempts == 3);
  }
  SECTION("retries apply to delayed calls and graph tasks") {
    flaky_attempts = 0;
    CHECK(tessera::delayed(errors_flaky, {.retries = 3})(8).compute() == 8);
    CHECK(flaky_attempts == 3);

    flaky_attempts = 0;
    tessera::Graph g;
    g.add("retried", "errors_flaky", {tessera::Value(9)}, 2);
    CHECK(g.delayed<int>("retried").compute() == 9);
    CHECK(flaky_attempts == 3);
  }
}
