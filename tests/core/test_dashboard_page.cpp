// The dashboard's pages and their JSON: task prefixes, /api/snapshot, /api/tasks and
// /api/events on the local schedulers, and the page itself in a real headless Chromium.

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "browser_support.hpp"
#include "diagnostics/task_prefix.hpp"
#include "metrics_support.hpp"
#include "tessera/client.hpp"
#include "tessera/config.hpp"
#include "tessera/dashboard.hpp"
#include "tessera/delayed.hpp"
#include "tessera/events.hpp"
#include "tessera/task.hpp"
#include "test_support.hpp"

namespace {

using nlohmann::json;
using tessera_test::ConfigReset;
using tessera_test::eventually;
using tessera_test::make_client;
using namespace std::chrono_literals;

std::atomic<bool> page_open{false};

// Opens the gate when a test leaves, even by a failed REQUIRE, so that its tasks finish.
struct OpenGateOnExit {
  ~OpenGateOnExit() { page_open = true; }
};

// Long enough for a cold Chromium on a loaded CI machine (its load may take up to 120 s):
// the gate must stay shut until the page has seen the tasks that wait on it.
long page_wait(long x) {
  const auto deadline = std::chrono::steady_clock::now() + 150s;
  while (!page_open.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  return x;
}
long page_after(long gate, long i) { return gate + i; }
long page_sum(std::vector<long> xs) {
  long total = 0;
  for (auto x : xs) total += x;
  return total;
}
long page_fail(long) { throw std::runtime_error("this task fails"); }
// Registered, so that their keys carry their names (an unregistered function's are "task-...").
TESSERA_TASK(page_wait);
TESSERA_TASK(page_after);
TESSERA_TASK(page_sum);
TESSERA_TASK(page_fail);

// Two gate tasks, n tasks after each, and their sum: 2n + 3 tasks, whose result is n * n + 1.
tessera::Delayed<long> gated(long n) {
  std::vector<tessera::Delayed<long>> parts;
  for (long g = 0; g < 2; ++g) {
    auto gate = tessera::delayed(page_wait)(g);
    for (long i = 0; i < n; ++i) parts.push_back(tessera::delayed(page_after)(gate, i));
    parts.push_back(gate);
  }
  return tessera::delayed(page_sum)(parts);
}

json get_json(const std::string& path) {
  auto body = metrics_test::http_get(tessera::dashboard_url(), path);
  REQUIRE(body);
  return json::parse(*body);
}

}  // namespace

TEST_CASE("a key's task prefix drops its token and block index") {
  using tessera::detail::task_prefix;
  CHECK(task_prefix("sum-4f1a,(2,3)") == "sum");
  CHECK(task_prefix("inc-1f") == "inc");
  CHECK(task_prefix("x,(2,3)") == "x");
  CHECK(task_prefix("page_after-00ff") == "page_after");
  CHECK(task_prefix("sum-4f1a,(2,3)-x") == "sum");
  CHECK(task_prefix("plain") == "plain");
  CHECK(task_prefix("-1f") == "");
  CHECK(task_prefix("") == "");
  tessera::detail::PrefixTable table;
  CHECK(table.id_of_key("a-1") == 0);
  CHECK(table.id_of_key("b-2") == 1);
  CHECK(table.id_of_key("a-3") == 0);
  CHECK(table.name(1) == "b");
  // The recent prefixes are tried first, but a key that only starts like one is not its.
  CHECK(table.id_of_key("ab-4") == 2);
  CHECK(table.id_of_key("a,(1,2)") == 0);
  CHECK(table.id_of_key("ab,(0)") == 2);
  for (const char* key : {"c-1", "d-1", "e-1", "f-1"}) table.id_of_key(key);
  CHECK(table.id_of_key("a-9") == 0);  // fell out of the recent ones: found by name
  CHECK(table.size() == 7);

  // A caller's own last two prefixes, tried before the table: the same ids, and a key that
  // only starts like one of them is still told apart.
  tessera::detail::PrefixTable::Recent recent;
  CHECK(table.id_of_key("a-10", recent) == 0);
  CHECK(table.id_of_key("b-11", recent) == 1);
  CHECK(table.id_of_key("a-12", recent) == 0);
  CHECK(table.id_of_key("ab-13", recent) == 2);
  CHECK(table.id_of_key("g,(3)", recent) == 7);
  CHECK(table.id_of_key("g", recent) == 7);
  CHECK(table.id_of_key("gg-1", recent) == 8);
  CHECK(table.size() == 9);
}

TEST_CASE("/api/snapshot counts tasks per prefix while a computation runs and after") {
  ConfigReset reset;
  tessera::config::set("dashboard_address", "127.0.0.1:0");
  page_open = false;
  const long n = 20;
  auto client = make_client("threads", 2);
  auto future = client.compute(gated(n));
  OpenGateOnExit open_gate;
  REQUIRE(eventually(
      [&] { return get_json("/api/snapshot")["tasks"]["by_state"]["processing"] == 2; }, 10s));
  auto during = get_json("/api/snapshot");
  CHECK(during["cluster"] == false);
  CHECK(during["tasks"]["submitted"] == 2 * n + 3);
  CHECK(during["prefixes"]["page_wait"]["total"] == 2);
  CHECK(during["prefixes"]["page_wait"]["processing"] == 2);
  CHECK(during["prefixes"]["page_after"]["total"] == 2 * n);
  CHECK(during["prefixes"]["page_after"]["done"] == 0);
  REQUIRE(during["workers"].size() == 1);
  CHECK(during["workers"][0]["name"] == "local");
  CHECK(during["workers"][0]["processing"] == 2);
  page_open = true;
  CHECK(future.result() == n * n + 1);
  auto after = get_json("/api/snapshot");
  CHECK(after["prefixes"]["page_after"]["done"] == 2 * n);
  CHECK(after["prefixes"]["page_sum"]["done"] == 1);
  CHECK(after["tasks"]["completed"] == 2 * n + 3);

  // Failed tasks and those skipped after them count as failed under their own prefixes.
  auto bad = tessera::delayed(page_fail)(1);
  CHECK_THROWS(client.compute(tessera::delayed(page_after)(bad, 1)).result());
  auto failed = get_json("/api/snapshot");
  CHECK(failed["prefixes"]["page_fail"]["failed"] == 1);
  CHECK(failed["prefixes"]["page_after"]["failed"] == 1);
}

TEST_CASE("/api/tasks hands out each task once, newest first when over the limit") {
  ConfigReset reset;
  tessera::config::set("dashboard_address", "127.0.0.1:0");
  page_open = true;
  const long n = 30;
  auto client = make_client("threads", 2);
  auto first = get_json("/api/tasks?since=0");
  CHECK(first["tasks"].empty());
  CHECK(client.compute(gated(n)).result() == n * n + 1);
  auto all = get_json("/api/tasks?since=" + std::to_string(first["now"].get<double>()));
  REQUIRE(all["tasks"].size() == 2 * n + 3);
  std::size_t after = 0;
  for (const auto& task : all["tasks"]) {
    CHECK(task["e"].get<double>() >= task["s"].get<double>());
    CHECK_THAT(task["w"].get<std::string>(), Catch::Matches("thread [01]"));
    after += task["p"] == "page_after";
  }
  CHECK(after == 2 * n);
  // Asked again from this answer's time: nothing new.
  char since[64];
  std::snprintf(since, sizeof since, "%.9f", all["now"].get<double>());
  CHECK(get_json(std::string("/api/tasks?since=") + since)["tasks"].empty());
  auto few = get_json("/api/tasks?since=0&limit=5");
  CHECK(few["tasks"].size() == 5);
  CHECK(few["truncated"] == true);
}

TEST_CASE("/api/events returns the events of every topic logged since a time") {
  ConfigReset reset;
  tessera::config::set("dashboard_address", "127.0.0.1:0");
  auto client = make_client("sync");
  const double before = tessera::wall_time();
  tessera::log_event("page-test-a", "first");
  tessera::log_event("page-test-b", "second");
  auto answer = get_json("/api/events?since=" + std::to_string(before - 1e-3));
  std::vector<std::string> messages;
  for (const auto& event : answer["events"]) {
    if (event["topic"].get<std::string>().starts_with("page-test-"))
      messages.push_back(event["message"]);
  }
  CHECK(messages == std::vector<std::string>{"first", "second"});
  char since[64];
  std::snprintf(since, sizeof since, "%.9f", answer["now"].get<double>());
  CHECK(get_json(std::string("/api/events?since=") + since)["events"].empty());
}

TEST_CASE("the dashboard page shows a running computation in headless Chromium, without errors") {
  ConfigReset reset;
  if (browser_test::chromium().empty()) {
    WARN("skipped: chromium is not installed (Debian: apt-get install chromium)");
    return;
  }
  using browser_test::attribute_of;
  using browser_test::text_of;
  tessera::config::set("dashboard_address", "127.0.0.1:0");
  page_open = false;
  const long n = 40;
  auto client = make_client("threads", 2);
  auto future = client.compute(gated(n));
  OpenGateOnExit open_gate;
  REQUIRE(eventually(
      [&] { return get_json("/api/snapshot")["tasks"]["by_state"]["processing"] == 2; }, 10s));

  auto during = browser_test::load_page(tessera::dashboard_url());
  INFO("Chromium said:\n" << during.log);
  REQUIRE(during.status == 0);
  CHECK(during.console == std::vector<std::string>{});
  CHECK(attribute_of(during.dom, "errors", "id") == "errors");
  CHECK(text_of(during.dom, "errors").empty());
  CHECK(during.dom.find("data-ready=\"1\"") != std::string::npos);
  CHECK(text_of(during.dom, "tasks-submitted") == std::to_string(2 * n + 3));
  CHECK(text_of(during.dom, "tasks-processing") == "2");
  const auto completed_during = std::stol(text_of(during.dom, "tasks-completed"));
  CHECK(completed_during < 2 * n + 3);
  CHECK(during.dom.find(">page_wait<") != std::string::npos);  // its progress row
  // The page polled the server at least once (its timers run in virtual time).
  CHECK(std::stoi("0" + attribute_of(during.dom, "status", "data-polls")) >= 1);

  page_open = true;
  CHECK(future.result() == n * n + 1);
  auto after = browser_test::load_page(tessera::dashboard_url());
  CHECK(after.console == std::vector<std::string>{});
  const auto completed_after = std::stol(text_of(after.dom, "tasks-completed"));
  CHECK(completed_after == 2 * n + 3);
  CHECK(completed_after > completed_during);
  // The task stream drew the tasks, coloured by prefix, with a legend naming them.
  CHECK(std::stoi("0" + attribute_of(after.dom, "stream", "data-tasks")) == 2 * n + 3);
  CHECK(after.dom.find("page_after (" + std::to_string(2 * n) + ")") != std::string::npos);
}
