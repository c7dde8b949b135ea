// Structured events, and the settings of tessera (defaults, set, environment, errors).

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tessera/client.hpp"
#include "tessera/config.hpp"
#include "tessera/delayed.hpp"
#include "tessera/errors.hpp"
#include "tessera/events.hpp"
#include "test_support.hpp"

namespace {

using tessera_test::ConfigReset;
using tessera_test::EnvGuard;

// A fresh topic name per call, so that tests do not see each other's events.
std::string fresh_topic(const std::string& prefix) { return tessera::unique_key(prefix); }

}  // namespace

using tessera_test::contains;
using tessera_test::make_client;

TEST_CASE("events of a topic come back in the order they were logged") {
  const auto topic = fresh_topic("test-order");
  const auto other = fresh_topic("test-other");
  const double before = tessera::wall_time();
  tessera::log_event(topic, "first");
  tessera::log_event(other, "elsewhere");
  tessera::log_event(topic, "second");
  tessera::log_event(topic, R"({"step": 3})");
  const double after = tessera::wall_time();

  const auto events = tessera::get_events(topic);
  REQUIRE(events.size() == 3);
  CHECK(events[0].message == "first");
  CHECK(events[1].message == "second");
  CHECK(events[2].message == R"({"step": 3})");
  for (const auto& event : events) {
    CHECK(event.topic == topic);
    CHECK(event.source == "client");
    CHECK(event.time >= before);
    CHECK(event.time <= after);
  }
  CHECK(events[0].time <= events[1].time);
  CHECK(events[1].time <= events[2].time);

  const auto elsewhere = tessera::get_events(other);
  REQUIRE(elsewhere.size() == 1);
  CHECK(elsewhere[0].message == "elsewhere");
  CHECK(tessera::get_events(fresh_topic("never-logged")).empty());
}

TEST_CASE("events logged inside pool tasks name the thread that logged them") {
  auto client = make_client("threads", 3);
  const auto topic = fresh_topic("test-in-task");
  auto log = tessera::delayed([topic](int i) {
    tessera::log_event(topic, std::to_string(i));
    return i;
  });
  std::vector<tessera::Delayed<int>> calls;
  for (int i = 0; i < 100; ++i) calls.push_back(log(i));
  (void)tessera::compute(calls);

  const auto events = tessera::get_events(topic);
  REQUIRE(events.size() == 100);
  std::set<std::string> messages;
  for (const auto& event : events) {
    CAPTURE(event.source);
    messages.insert(event.message);
    CHECK((event.source == "thread 0" || event.source == "thread 1" || event.source == "thread 2"));
  }
  CHECK(messages.size() == 100);

  // The client thread is still "client".
  tessera::log_event(topic, "after");
  CHECK(tessera::get_events(topic).back().source == "client");
}

TEST_CASE("each topic keeps its newest events_limit events") {
  ConfigReset reset;
  tessera::config::set("events_limit", "3");
  const auto topic = fresh_topic("test-limit");
  for (int i = 0; i < 10; ++i) tessera::log_event(topic, std::to_string(i));
  const auto events = tessera::get_events(topic);
  REQUIRE(events.size() == 3);
  CHECK(events[0].message == "7");
  CHECK(events[2].message == "9");
}

TEST_CASE("settings have documented defaults") {
  ConfigReset reset;
  EnvGuard scheduler("TESSERA_SCHEDULER", nullptr);
  EnvGuard threads("TESSERA_NUM_THREADS", nullptr);
  EnvGuard stream("TESSERA_TASK_STREAM_LIMIT", nullptr);
  EnvGuard events("TESSERA_EVENTS_LIMIT", nullptr);
  EnvGuard dashboard("TESSERA_DASHBOARD_ADDRESS", nullptr);
  EnvGuard role("TESSERA_ROLE", nullptr);
  EnvGuard file("TESSERA_SCHEDULER_FILE", nullptr);

  CHECK(tessera::config::get("scheduler") == "threads");
  CHECK(tessera::config::get("num_threads") == "0");
  CHECK(tessera::config::get_int("num_threads") == 0);
  CHECK(tessera::config::get_int("task_stream_limit") == 100000);
  CHECK(tessera::config::get_int("events_limit") == 100000);

  auto names = tessera::config::names();
  // The core's settings only; test_config.cpp defines "test_..." ones as a module would.
  std::erase_if(names, [](const std::string& name) { return name.starts_with("test_"); });
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"dashboard_address",
                                          "events_limit",
                                          "num_threads",
                                          "progress",
                                          "progress_interval",
                                          "resources",
                                          "role",
                                          "scheduler",
                                          "scheduler_file",
                                          "scheduler_port",
                                          "spill_directory",
                                          "task_stream_limit",
                                          "transport",
                                          "worker_death_timeout",
                                          "worker_lifetime",
                                          "worker_lifetime_stagger",
                                          "worker_memory_limit",
                                          "worker_memory_pause",
                                          "worker_memory_spill",
                                          "worker_replica_memory",
                                          "worker_threads",
                                          "worker_timeout"});
  CHECK(tessera::config::get_bytes("worker_memory_limit") == 0);
  CHECK(tessera::config::get_bytes("worker_replica_memory") == 1ull << 30);
  CHECK(tessera::config::get("dashboard_address").empty());
  CHECK(tessera::config::get_double("worker_memory_spill") == 0.6);
  CHECK(tessera::config::get_double("worker_timeout") == 60.0);
  CHECK_THROWS_AS(tessera::config::set("worker_timeout", "-1"), tessera::ConfigError);
  CHECK(tessera::config::get("role") == "auto");
  CHECK(tessera::config::get("scheduler_file").empty());
  CHECK_THROWS_AS(tessera::config::set("role", "scheduler"), tessera::ConfigError);
  CHECK_THROWS_AS(tessera::config::set("scheduler_file", "/no/such/directory/scheduler.json"),
                  tessera::ConfigError);
  CHECK_THROWS_AS(tessera::config::set("scheduler_port", "70000"), tessera::ConfigError);
  CHECK_THROWS_AS(tessera::config::set("worker_death_timeout", "0"), tessera::ConfigError);
  for (const auto& name : names) CHECK_NOTHROW(tessera::config::get(name));
}

TEST_CASE("config: sizes, fractions, resources and transports are checked") {
  ConfigReset reset;
  tessera::config::set("worker_memory_limit", "2GiB");
  CHECK(tessera::config::get_bytes("worker_memory_limit") == (std::uint64_t{2} << 30));
  tessera::config::set("worker_memory_limit", "512MB");
  CHECK(tessera::config::get_bytes("worker_memory_limit") == 512000000);
  CHECK_THROWS_WITH(tessera::config::set("worker_memory_limit", "lots"),
                    Catch::Contains("a size such as 4GiB"));
  CHECK_THROWS_WITH(tessera::config::set("worker_memory_spill", "1.5"),
                    Catch::Contains("a fraction"));
  tessera::config::set("resources", "GPU=1,MEMORY=64e9");
  CHECK_THROWS_WITH(tessera::config::set("resources", "GPU"), Catch::Contains("NAME=amount"));
  CHECK_THROWS_WITH(tessera::config::set("transport", "carrier-pigeon"), Catch::Contains("ucx"));
}

TEST_CASE("config::set changes a setting until config::reset") {
  ConfigReset reset;
  EnvGuard threads("TESSERA_NUM_THREADS", nullptr);
  EnvGuard scheduler("TESSERA_SCHEDULER", nullptr);

  tessera::config::set("num_threads", "3");
  CHECK(tessera::config::get("num_threads") == "3");
  CHECK(tessera::config::get_int("num_threads") == 3);
  tessera::config::set("num_threads", "5");  // the newest value wins
  CHECK(tessera::config::get_int("num_threads") == 5);
  {
    tessera::Client client({.scheduler = "threads"});
    CHECK(client.threads() == 5);
  }

  tessera::config::set("scheduler", "sync");
  {
    tessera::Client client;
    CHECK(std::string(client.scheduler()) == "sync");
    tessera::Client explicit_threads({.scheduler = "threads", .threads = 2});
    CHECK(std::string(explicit_threads.scheduler()) == "threads");  // options win
    CHECK(explicit_threads.threads() == 2);
  }

  tessera::config::reset();
  CHECK(tessera::config::get("num_threads") == "0");
  CHECK(tessera::config::get("scheduler") == "threads");
}

TEST_CASE("a bad setting value is a ConfigError naming the setting and the value") {
  ConfigReset reset;
  struct Bad {
    const char* name;
    const char* value;
  };
  const Bad bad = GENERATE(Bad{"num_threads", "-1"}, Bad{"num_threads", "four"},
                           Bad{"num_threads", ""}, Bad{"scheduler", "gpu"},
                           Bad{"task_stream_limit", "1.5"}, Bad{"events_limit", "10k"});
  CAPTURE(bad.name, bad.value);
  const std::string before = tessera::config::get(bad.name);
  try {
    tessera::config::set(bad.name, bad.value);
    FAIL("no ConfigError");
  } catch (const tessera::ConfigError& error) {
    CHECK(contains(error.what(), bad.name));
    CHECK(contains(error.what(), std::string("\"") + bad.value + "\""));
  }
  CHECK(tessera::config::get(bad.name) == before);  // unchanged
}

TEST_CASE("an unknown setting is a ConfigError naming it") {
  CHECK_THROWS_AS(tessera::config::get("num_thread"), tessera::ConfigError);
  CHECK_THROWS_WITH(tessera::config::get("num_thread"), Catch::Contains("num_thread"));
  CHECK_THROWS_AS(tessera::config::set("colour", "blue"), tessera::ConfigError);
  CHECK_THROWS_WITH(tessera::config::set("colour", "blue"), Catch::Contains("colour"));
  CHECK_THROWS_AS(tessera::config::get_int("colour"), tessera::ConfigError);
  // A setting that is not an integer cannot be read as one.
  CHECK_THROWS_WITH(tessera::config::get_int("scheduler"), Catch::Contains("scheduler"));
}

TEST_CASE("TESSERA_NUM_THREADS sets the threads of a client that does not choose") {
  ConfigReset reset;
  EnvGuard env("TESSERA_NUM_THREADS", "3");
  CHECK(tessera::config::get_int("num_threads") == 3);
  {
    tessera::Client client({.scheduler = "threads"});
    CHECK(client.threads() == 3);
    CHECK(client.submit([](int v) { return v + 1; }, 1).result() == 2);
  }
  {
    tessera::Client client({.scheduler = "threads", .threads = 2});
    CHECK(client.threads() == 2);  // the option wins
  }
  tessera::config::set("num_threads", "1");  // config::set wins over the environment
  {
    tessera::Client client({.scheduler = "threads"});
    CHECK(client.threads() == 1);
  }
  tessera::config::reset();
  CHECK(tessera::config::get("num_threads") == "3");
}

TEST_CASE("TESSERA_SCHEDULER chooses the scheduler of a default client") {
  ConfigReset reset;
  EnvGuard env("TESSERA_SCHEDULER", "sync");
  tessera::Client client;
  CHECK(std::string(client.scheduler()) == "sync");
}

TEST_CASE("a bad environment value is a ConfigError naming the variable") {
  ConfigReset reset;
  EnvGuard env("TESSERA_NUM_THREADS", "lots");
  CHECK_THROWS_AS(tessera::config::get("num_threads"), tessera::ConfigError);
  CHECK_THROWS_WITH(tessera::config::get("num_threads"),
                    Catch::Contains("TESSERA_NUM_THREADS") && Catch::Contains("lots"));
  CHECK_THROWS_AS(tessera::Client({.scheduler = "threads"}), tessera::ConfigError);
  tessera::config::set("num_threads", "2");  // a set value hides the bad one
  CHECK(tessera::config::get_int("num_threads") == 2);
}

TEST_CASE("task_stream_limit bounds the task stream of new clients") {
  ConfigReset reset;
  EnvGuard env("TESSERA_TASK_STREAM_LIMIT", nullptr);
  const std::string scheduler = GENERATE(as<std::string>{}, "sync", "threads");
  CAPTURE(scheduler);

  SECTION("a limit keeps the newest records") {
    tessera::config::set("task_stream_limit", "5");
    auto client = make_client(scheduler);
    for (int i = 0; i < 20; ++i) {
      tessera::delayed([](int v) { return v; }, {.key = "record-" + std::to_string(i)})(i)
          .compute();
    }
    const auto stream = client.task_stream();
    REQUIRE(stream.size() == 5);
    CHECK(stream.front().key == "record-15");
    CHECK(stream.back().key == "record-19");
  }
  SECTION("zero turns it off") {
    tessera::config::set("task_stream_limit", "0");
    auto client = make_client(scheduler);
    CHECK(tessera::delayed([](int v) { return v; })(4).compute() == 4);
    CHECK(client.task_stream().empty());
  }
}
