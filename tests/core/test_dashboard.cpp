// The dashboard's /metrics: off unless asked for, the numbers of a computation on the local
// schedulers (during it and after), the text format (our checker, and Prometheus' promtool),
// and a real Prometheus server scraping it.

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "browser_support.hpp"
#include "metrics_support.hpp"
#include "tessera/client.hpp"
#include "tessera/config.hpp"
#include "tessera/dashboard.hpp"
#include "tessera/delayed.hpp"
#include "test_support.hpp"

extern char** environ;

namespace {

using metrics_test::http_get;
using metrics_test::read_exposition;
using tessera_test::ConfigReset;
using tessera_test::eventually;
using tessera_test::make_client;
using namespace std::chrono_literals;

// Opened by a test to let the gate tasks finish; they give up after 20 s.
std::atomic<bool> dashboard_open{false};

long dashboard_leaf(long x) { return x + 1; }
long dashboard_fail(long) { throw std::runtime_error("this task fails"); }
long dashboard_wait(long x) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!dashboard_open.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  return x;
}
long dashboard_after(long gate, long i) { return gate + i; }
long dashboard_sum(std::vector<long> xs) {
  long total = 0;
  for (auto x : xs) total += x;
  return total;
}

// Two tasks that wait for the gate (returning 0 and 1), n tasks after each, and the sum of
// them all: 2n + 3 tasks, whose result is n * n + 1.
tessera::Delayed<long> gated_graph(long n) {
  std::vector<tessera::Delayed<long>> parts;
  for (long g = 0; g < 2; ++g) {
    auto gate = tessera::delayed(dashboard_wait)(g);
    for (long i = 0; i < n; ++i) parts.push_back(tessera::delayed(dashboard_after)(gate, i));
    parts.push_back(gate);
  }
  return tessera::delayed(dashboard_sum)(parts);
}

metrics_test::Exposition scrape() {
  const auto url = tessera::dashboard_url();
  REQUIRE_FALSE(url.empty());
  auto text = http_get(url, "/metrics");
  REQUIRE(text);
  auto exposition = read_exposition(*text);
  INFO(*text);
  CHECK(exposition.problems == std::vector<std::string>{});
  return exposition;
}

// Runs `argv` with its output in `log`; returns its pid.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int error = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return error == 0 ? pid : -1;
}

int exit_status_of(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t size = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace

TEST_CASE("no dashboard is served unless dashboard_address is set") {
  ConfigReset reset;
  auto client = make_client("threads");
  CHECK(client.compute(tessera::delayed(dashboard_leaf)(1)).result() == 2);
  CHECK(tessera::dashboard_url().empty());
}

TEST_CASE("a bad dashboard_address is refused naming the setting") {
  ConfigReset reset;
  for (const char* bad : {"8787", "localhost:", "localhost:http", "127.0.0.1:65536", ":80"}) {
    INFO(bad);
    CHECK_THROWS_WITH(tessera::config::set("dashboard_address", bad),
                      Catch::Contains("dashboard_address") && Catch::Contains("HOST:PORT"));
  }
  tessera::config::set("dashboard_address", "[::1]:0");
}

TEST_CASE(
    "/metrics counts a computation's tasks while it runs and after, on both local schedulers") {
  ConfigReset reset;
  tessera::config::set("dashboard_address", "127.0.0.1:0");
  const long n = 50;
  const double tasks = 2 * n + 3;
  SECTION("threads") {
    dashboard_open = false;
    auto client = make_client("threads", 2);
    const auto url = tessera::dashboard_url();
    REQUIRE_THAT(url, Catch::Matches("http://127\\.0\\.0\\.1:[0-9]+/"));
    auto future = client.compute(gated_graph(n));
    // Both gate tasks hold a thread: processing 2, and the tasks after them wait.
    CHECK(eventually([&] { return scrape().value("tessera_tasks{state=\"processing\"}") == 2; },
                     10s));
    auto during = scrape();
    CHECK(during.value("tessera_tasks_submitted_total") == tasks);
    CHECK(during.value("tessera_threads") == 2);
    CHECK(during.value("tessera_tasks_completed_total") +
              during.value("tessera_tasks{state=\"processing\"}") +
              during.value("tessera_tasks{state=\"waiting\"}") ==
          tasks);
    dashboard_open = true;
    CHECK(future.result() == n * n + 1);
    auto after = scrape();
    CHECK(after.value("tessera_tasks_completed_total") == tasks);
    CHECK(after.value("tessera_tasks_failed_total") == 0);
    CHECK(after.value("tessera_task_duration_seconds_count") == tasks);
    CHECK(after.value("tessera_task_duration_seconds_sum") > 0.0);
    CHECK(after.value("tessera_tasks{state=\"waiting\"}") == 0);
    CHECK(after.value("tessera_tasks{state=\"processing\"}") == 0);
  }
  SECTION("sync") {
    auto client = make_client("sync");
    dashboard_open = true;
    client.compute(gated_graph(n)).result();
    auto after = scrape();
    CHECK(after.value("tessera_tasks_completed_total") == tasks);
    CHECK(after.value("tessera_task_duration_seconds_bucket{le=\"+Inf\"}") == tasks);
    CHECK(after.value("tessera_threads") == 1);
  }
  // The server stops with the last client.
  CHECK(tessera::dashboard_url().empty());
}

TEST_CASE("/metrics counts failed tasks and those skipped after them") {
  ConfigReset reset;
  tessera::config::set("dashboard_address", "127.0.0.1:0");
  auto client = make_client("threads", 2);
  // The failing task, the two after it and their sum.
  auto bad = tessera::delayed(dashboard_fail)(1);
  auto graph = tessera::delayed(dashboard_after)(tessera::delayed(dashboard_leaf)(bad),
                                                 tessera::delayed(dashboard_leaf)(bad));
  CHECK_THROWS(client.compute(graph).result());
  auto after = scrape();
  CHECK(after.value("tessera_tasks_failed_total") == 4);
  CHECK(after.value("tessera_tasks_completed_total") == 0);
}

TEST_CASE("/metrics passes Prometheus' own checker (promtool check metrics)") {
  ConfigReset reset;
  const auto promtool = browser_test::find_program("promtool");
  if (promtool.empty()) {
    WARN("skipped: promtool is not installed (Debian: apt-get install prometheus)");
    return;
  }
  tessera::config::set("dashboard_address", "127.0.0.1:0");
  auto client = make_client("threads", 2);
  dashboard_open = true;
  client.compute(gated_graph(10)).result();
  auto text = http_get(tessera::dashboard_url(), "/metrics");
  REQUIRE(text);
  const auto file = std::filesystem::temp_directory_path() /
                    ("tessera-metrics-" + std::to_string(::getpid()) + ".txt");
  std::ofstream(file) << *text;
  const auto out = file.string() + ".out";
  const int status =
      exit_status_of(promtool + " check metrics < " + file.string() + " > " + out + " 2>&1");
  std::ifstream complaints(out);
  const std::string said((std::istreambuf_iterator<char>(complaints)), {});
  INFO(*text << "\npromtool says:\n" << said);
  CHECK(status == 0);
  std::filesystem::remove(file);
  std::filesystem::remove(out);
}

TEST_CASE("a real Prometheus server scrapes /metrics and answers a query for the tasks completed") {
  ConfigReset reset;
  const auto prometheus = browser_test::find_program("prometheus");
  if (prometheus.empty()) {
    WARN("skipped: prometheus is not installed (Debian: apt-get install prometheus)");
    return;
  }
  tessera::config::set("dashboard_address", "127.0.0.1:0");
  auto client = make_client("threads", 2);
  dashboard_open = true;
  const long n = 100;
  client.compute(gated_graph(n)).result();
  const auto target = std::regex_replace(tessera::dashboard_url(), std::regex("^http://|/$"), "");

  const auto dir =
      std::filesystem::temp_directory_path() / ("tessera-prometheus-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "prometheus.yml")
      << "global:\n  scrape_interval: 1s\n"
      << "scrape_configs:\n  - job_name: tessera\n"
      << "    static_configs:\n      - targets: ['" << target << "']\n";
  const auto port = std::to_string(free_port());
  const pid_t pid = spawn(
      {prometheus, "--config.file=" + (dir / "prometheus.yml").string(),
       "--storage.tsdb.path=" + (dir / "data").string(), "--web.listen-address=127.0.0.1:" + port},
      (dir / "prometheus.log").string());
  REQUIRE(pid > 0);

  // Until Prometheus has scraped tessera: the query's value is the number of tasks.
  std::string expected = "\"";  // appended, not literal + string&& (GCC 12's -Wrestrict)
  expected += std::to_string(2 * n + 3);
  expected += "\"]";
  std::string answer;
  const bool answered = eventually(
      [&] {
        auto body = http_get("http://127.0.0.1:" + port,
                             "/api/v1/query?query=tessera_tasks_completed_total");
        if (body) answer = *body;
        return body && answer.find(expected) != std::string::npos;
      },
      60s);
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::ifstream log(dir / "prometheus.log");
  const std::string said((std::istreambuf_iterator<char>(log)), {});
  INFO("last answer: " << answer << "\nprometheus log:\n" << said);
  CHECK(answered);
  CHECK(answer.find("\"job\":\"tessera\"") != std::string::npos);
  std::filesystem::remove_all(dir);
}
