// tessera::performance_report: one HTML file for the computations of its scope, with their
// tasks and prefixes, the settings and the version; bad paths; the file in headless Chromium.

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "browser_support.hpp"
#include "tessera/client.hpp"
#include "tessera/config.hpp"
#include "tessera/delayed.hpp"
#include "tessera/errors.hpp"
#include "tessera/events.hpp"
#include "tessera/performance_report.hpp"
#include "tessera/task.hpp"
#include "test_support.hpp"

namespace {

using nlohmann::json;
using tessera_test::ConfigReset;
using tessera_test::make_client;

long report_leaf(long x) { return x * 2; }
long report_pair(long a, long b) { return a + b; }
long report_before(long x) { return x; }
TESSERA_TASK(report_leaf);
TESSERA_TASK(report_pair);
TESSERA_TASK(report_before);

// n leaves and a pairwise tree over them: 2n - 1 tasks.
tessera::Delayed<long> tree(long n) {
  std::vector<tessera::Delayed<long>> level;
  for (long i = 0; i < n; ++i) level.push_back(tessera::delayed(report_leaf)(i));
  while (level.size() > 1) {
    std::vector<tessera::Delayed<long>> next;
    for (std::size_t i = 0; i + 1 < level.size(); i += 2)
      next.push_back(tessera::delayed(report_pair)(level[i], level[i + 1]));
    if (level.size() % 2) next.push_back(level.back());
    level = std::move(next);
  }
  return level.front();
}

// Where tests leave files for a person to look at: TESSERA_TEST_OUTPUT, else ./test-output.
std::filesystem::path output_directory() {
  const char* set = std::getenv("TESSERA_TEST_OUTPUT");
  auto dir =
      set && *set ? std::filesystem::path(set) : std::filesystem::current_path() / "test-output";
  std::filesystem::create_directories(dir);
  return dir;
}

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The data the report's page is drawn from.
json report_json(const std::string& html) {
  const std::string start = "window.TESSERA_DATA = ";
  const auto begin = html.find(start);
  REQUIRE(begin != std::string::npos);
  const auto end = html.find(";</script>", begin);
  REQUIRE(end != std::string::npos);
  return json::parse(html.substr(begin + start.size(), end - begin - start.size()));
}

std::filesystem::path temp_file(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("tessera-report-" + std::to_string(::getpid()) + "-" + name);
}

}  // namespace

TEST_CASE("a performance report holds the tasks of its scope, their prefixes, settings, version") {
  ConfigReset reset;
  auto client = make_client("threads", 2);
  client.compute(tessera::delayed(report_before)(1)).result();  // before: not in the report
  const auto file = temp_file("scope.html");
  const long n = 16;
  {
    auto report = tessera::performance_report(file.string());
    CHECK(report.path() == file.string());
    CHECK(client.compute(tree(n)).result() == n * (n - 1));
    tessera::log_event("report-test", "inside the report");
  }
  REQUIRE(std::filesystem::exists(file));
  const auto html = read(file);
  // Nothing is fetched from anywhere: no script, style sheet, image or font comes from a URL.
  for (const char* link : {"src=", "href=", "url(", "<link", "import "}) {
    INFO(link);
    CHECK(html.find(link) == std::string::npos);
  }
  const auto data = report_json(html);
  CHECK(data["mode"] == "report");
  CHECK_THAT(data["version"].get<std::string>(), Catch::Matches("[0-9]+\\.[0-9]+\\.[0-9]+"));
  CHECK(data["report"]["stop"].get<double>() >= data["report"]["start"].get<double>());
  std::map<std::string, int> by_prefix;
  for (const auto& task : data["tasks"]["tasks"]) ++by_prefix[task["p"].get<std::string>()];
  CHECK(by_prefix == std::map<std::string, int>{{"report_leaf", n}, {"report_pair", n - 1}});
  CHECK(data["snapshot"]["tasks"]["completed"] == 2 * n - 1);
  CHECK(data["snapshot"]["prefixes"]["report_pair"]["done"] == n - 1);
  CHECK(data["settings"]["scheduler"] == "threads");
  CHECK(data["settings"].contains("dashboard_address"));
  bool logged = false;
  for (const auto& event : data["events"]["events"])
    logged |= event["message"] == "inside the report";
  CHECK(logged);
  // The dashboard was off: the report says what it lacks and how to get it.
  REQUIRE(data["report"]["notes"].size() == 1);
  CHECK_THAT(data["report"]["notes"][0].get<std::string>(), Catch::Contains("dashboard_address"));
  std::filesystem::remove(file);
}

TEST_CASE("with the dashboard's metrics on, a performance report counts only its own tasks") {
  ConfigReset reset;
  tessera::config::set("dashboard_address", "127.0.0.1:0");
  auto client = make_client("threads", 2);
  client.compute(tree(8)).result();
  const auto file = temp_file("metrics.html");
  {
    auto report = tessera::performance_report(file.string());
    client.compute(tree(32)).result();
  }
  const auto data = report_json(read(file));
  CHECK(data["report"]["notes"].empty());
  CHECK(data["snapshot"]["tasks"]["submitted"] == 63);
  CHECK(data["snapshot"]["tasks"]["completed"] == 63);
  CHECK(data["snapshot"]["prefixes"]["report_leaf"]["total"] == 32);
  CHECK(data["tasks"]["tasks"].size() == 63);
  std::filesystem::remove(file);
}

TEST_CASE("a performance report to a path that cannot be written says so, naming the path") {
  ConfigReset reset;
  CHECK_THROWS_AS(tessera::performance_report("/nonexistent-dir/report.html"), tessera::IoError);
  CHECK_THROWS_WITH(
      tessera::performance_report("/nonexistent-dir/report.html"),
      Catch::Contains("/nonexistent-dir/report.html") && Catch::Contains("does not exist"));
  CHECK_THROWS_WITH(tessera::performance_report(""), Catch::Contains("empty"));
  CHECK_THROWS_WITH(tessera::performance_report(std::filesystem::temp_directory_path().string()),
                    Catch::Contains("is a directory"));

  // The directory goes away while the report is open: close() throws, naming the file...
  const auto dir = temp_file("gone");
  std::filesystem::create_directories(dir);
  {
    auto report = tessera::performance_report((dir / "r.html").string());
    std::filesystem::remove_all(dir);
    CHECK_THROWS_WITH(report.close(), Catch::Contains((dir / "r.html").string()));
    CHECK_NOTHROW(report.close());  // once
  }
  // ... and a destructor says it on standard error instead of throwing.
  std::filesystem::create_directories(dir);
  const auto said = temp_file("stderr.txt");
  const int saved = ::dup(STDERR_FILENO);
  const int into = ::open(said.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(into, STDERR_FILENO);
  {
    auto report = tessera::performance_report((dir / "r.html").string());
    std::filesystem::remove_all(dir);
  }
  ::dup2(saved, STDERR_FILENO);
  ::close(into);
  ::close(saved);
  CHECK_THAT(read(said), Catch::Contains("tessera: performance_report: cannot write") &&
                             Catch::Contains((dir / "r.html").string()));
  std::filesystem::remove(said);
}

TEST_CASE("a performance report opens offline in headless Chromium without errors") {
  ConfigReset reset;
  if (browser_test::chromium().empty()) {
    WARN("skipped: chromium is not installed (Debian: apt-get install chromium)");
    return;
  }
  const auto dir = output_directory();
  const auto file = dir / "performance-report.html";
  const auto screenshot = dir / "performance-report.png";
  std::filesystem::remove(screenshot);
  auto client = make_client("threads", 2);
  {
    auto report = tessera::performance_report(file.string());
    client.compute(tree(64)).result();
  }
  const auto url = "file://" + std::filesystem::absolute(file).string();
  auto load = browser_test::load_page(url, 1000);
  INFO("Chromium said:\n" << load.log);
  REQUIRE(load.status == 0);
  CHECK(load.console == std::vector<std::string>{});
  CHECK(browser_test::text_of(load.dom, "errors").empty());
  CHECK(load.dom.find("data-ready=\"1\"") != std::string::npos);
  CHECK(browser_test::attribute_of(load.dom, "stream", "data-tasks") == "127");
  CHECK(load.dom.find("id=\"prefix-table\"") != std::string::npos);
  CHECK(load.dom.find(">report_leaf<") != std::string::npos);
  CHECK(load.dom.find("Worker profiles") != std::string::npos);

  auto shot = browser_test::load_page(url, 1000, screenshot.string());
  CHECK(shot.console == std::vector<std::string>{});
  REQUIRE(std::filesystem::exists(screenshot));
  CHECK(std::filesystem::file_size(screenshot) > 10000);
  CHECK(read(screenshot).substr(1, 3) == "PNG");
}
