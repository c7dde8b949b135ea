// Progress bars: what they draw, how often, on a terminal and off it, and which computes
// draw one.

#include <poll.h>
#include <pty.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <iostream>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tessera/client.hpp"
#include "tessera/config.hpp"
#include "tessera/delayed.hpp"
#include "tessera/errors.hpp"
#include "tessera/progress.hpp"
#include "test_support.hpp"

namespace {

using tessera_test::ConfigReset;
using tessera_test::contains;
using tessera_test::make_client;

long progress_inc(long x) { return x + 1; }
long progress_sum(std::vector<long> xs) { return std::accumulate(xs.begin(), xs.end(), 0L); }
long progress_fail_fourths(long x) {
  if (x % 4 == 0) throw std::runtime_error("no multiples of 4");
  return x;
}
long progress_slow(long x) {
  std::this_thread::sleep_for(std::chrono::milliseconds(25));
  return x;
}

// leaf(0), ..., leaf(n - 1) and their sum: n + 1 tasks.
tessera::Delayed<long> fan_in(long n, long (*leaf)(long) = progress_inc) {
  std::vector<tessera::Delayed<long>> leaves;
  for (long i = 0; i < n; ++i) leaves.push_back(tessera::delayed(leaf)(i));
  return tessera::delayed(progress_sum)(leaves);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

tessera::ProgressOptions lines_to(std::ostream& out, double interval = 0.0) {
  return {.out = &out, .terminal = false, .interval = interval, .clock = {}};
}

// A clock that the test moves.
struct FakeClock {
  double now = 0.0;
  std::function<double()> reader() {
    return [this] { return now; };
  }
};

// Takes what is written to std::cout while it lives.
class CoutCapture {
 public:
  CoutCapture() : old_(std::cout.rdbuf(text_.rdbuf())) {}
  CoutCapture(const CoutCapture&) = delete;
  CoutCapture& operator=(const CoutCapture&) = delete;
  ~CoutCapture() { std::cout.rdbuf(old_); }
  std::string text() const { return text_.str(); }

 private:
  std::ostringstream text_;
  std::streambuf* old_;
};

// Points file descriptor 1 (standard output) at `fd` while it lives.
class StdoutTo {
 public:
  explicit StdoutTo(int fd) : saved_(::dup(STDOUT_FILENO)) {
    std::cout.flush();
    ::dup2(fd, STDOUT_FILENO);
  }
  StdoutTo(const StdoutTo&) = delete;
  StdoutTo& operator=(const StdoutTo&) = delete;
  ~StdoutTo() {
    std::cout.flush();
    ::dup2(saved_, STDOUT_FILENO);
    ::close(saved_);
  }

 private:
  int saved_;
};

}  // namespace

TEST_CASE("a progress bar reaches the total of a computation's tasks") {
  const std::string scheduler = GENERATE("threads", "sync");
  auto client = make_client(scheduler);
  std::ostringstream out;
  auto future = client.compute(fan_in(50), lines_to(out));
  CHECK(future.done());
  CHECK(future.result() == 50 * 51 / 2);
  const auto lines = lines_of(out.str());
  REQUIRE(!lines.empty());
  CHECK(lines.back().starts_with("progress: 51/51 tasks (100%) | "));
  CHECK(contains(lines.back(), " elapsed"));
  CHECK(!contains(lines.back(), "failed"));
}

TEST_CASE("a progress bar counts the tasks that failed and those skipped after them") {
  const std::string scheduler = GENERATE("threads", "sync");
  auto client = make_client(scheduler);
  std::ostringstream out;
  // Leaves 0, 4 and 8 of 12 fail; the sum after them is skipped.
  auto future = client.compute(fan_in(12, progress_fail_fourths), lines_to(out));
  CHECK(future.done());
  CHECK_THROWS_AS(future.result(), tessera::TaskError);
  const auto lines = lines_of(out.str());
  REQUIRE(!lines.empty());
  CHECK(contains(lines.back(), "13/13 tasks (100%) | 4 failed | "));
}

TEST_CASE("off a terminal, a bar writes a line per interval at most, and always the final one") {
  FakeClock clock;
  std::ostringstream out;
  tessera::ProgressBar bar(
      {.out = &out, .terminal = false, .interval = 5, .clock = clock.reader()});
  CHECK(!bar.terminal());
  for (int step = 0; step <= 120; ++step) {  // 12 seconds, an update every 0.1 s
    clock.now = step / 10.0;
    bar.update({.total = 120, .done = static_cast<std::uint64_t>(step), .failed = 0});
  }
  clock.now = 12.5;
  bar.finish({.total = 120, .done = 120, .failed = 0});
  bar.update({.total = 120, .done = 120, .failed = 0});
  bar.finish({.total = 120, .done = 120, .failed = 0});
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "progress: 50/120 tasks (41%) | 5.0s elapsed | ~7.0s left");
  CHECK(lines[1] == "progress: 100/120 tasks (83%) | 10.0s elapsed | ~2.0s left");
  CHECK(lines[2] == "progress: 120/120 tasks (100%) | 12.5s elapsed");
}

TEST_CASE("a slow computation off a terminal prints a line per interval at most, plus the final") {
  auto client = make_client("threads", 1);
  std::ostringstream out;
  const double interval = 0.1;
  const auto start = std::chrono::steady_clock::now();
  // 12 tasks of 25 ms on one thread: about 0.3 s.
  auto future = client.compute(fan_in(12, progress_slow), lines_to(out, interval));
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(future.result() == 66);
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() >= 2);
  CHECK(static_cast<double>(lines.size() - 1) <= elapsed / interval);
  CHECK(contains(lines.front(), " left"));
  CHECK(lines.back().starts_with("progress: 13/13 tasks (100%)"));
}

TEST_CASE("a run of many tiny tasks on threads has counted all of them when its bar finishes") {
  // Threads count the tasks they run in batches: the last batches must still be counted
  // (within the second that the bar waits for them), or the run never ends.
  auto client = make_client("threads", 2);
  std::ostringstream out;
  auto future = client.compute(fan_in(20000), lines_to(out, 0.05));
  CHECK(future.result() == 20000L * 20001 / 2);
  const auto lines = lines_of(out.str());
  REQUIRE(!lines.empty());
  CHECK(lines.back().starts_with("progress: 20001/20001 tasks (100%)"));
}

TEST_CASE("runs from several threads at once on one threads client each count all their tasks") {
  // The pool's threads take tasks of the runs in turn, and count what they ran of one run
  // before they run another's: every run must still reach its total.
  auto client = make_client("threads", 2);
  constexpr int users = 8;
  std::ostringstream outs[users];
  long results[users] = {};
  std::vector<std::thread> threads;
  for (int u = 0; u < users; ++u) {
    threads.emplace_back([&, u] {
      results[u] = client.compute(fan_in(20000 + u), lines_to(outs[u], 0.05)).result();
    });
  }
  for (auto& thread : threads) thread.join();
  for (int u = 0; u < users; ++u) {
    CAPTURE(u);
    const long n = 20000 + u;
    CHECK(results[u] == n * (n + 1) / 2);
    const auto lines = lines_of(outs[u].str());
    REQUIRE(!lines.empty());
    CHECK(lines.back().starts_with("progress: " + std::to_string(n + 1) + "/" +
                                   std::to_string(n + 1) + " tasks (100%)"));
  }
}

TEST_CASE("on a terminal, the bar is redrawn in place at most ten times a second") {
  FakeClock clock;
  std::ostringstream out;
  tessera::ProgressBar bar({.out = &out, .terminal = true, .interval = 0, .clock = clock.reader()});
  CHECK(bar.terminal());
  CHECK(bar.interval() == Approx(0.1));
  for (int step = 0; step <= 200; ++step) {  // 2 seconds, an update every 10 ms
    clock.now = step / 100.0;
    bar.update({.total = 200, .done = static_cast<std::uint64_t>(step), .failed = 1});
  }
  bar.finish({.total = 200, .done = 200, .failed = 1});
  const std::string text = out.str();
  const auto redraws = std::count(text.begin(), text.end(), '\r');
  CHECK(redraws >= 15);
  CHECK(redraws <= 21);  // 20 in two seconds, and the final one
  CHECK(std::count(text.begin(), text.end(), '\n') == 1);
  CHECK(
      text.ends_with("\r[####################] 200/200 tasks (100%) | 1 failed | 2.0s elapsed"
                     "\x1b[K\n"));
  CHECK(contains(text, "\r[##########          ] "));  // half way
}

TEST_CASE("a progress bar estimates the time left from the pace so far") {
  using tessera::ProgressBar;
  CHECK(ProgressBar::describe({.total = 100, .done = 25, .failed = 0}, 10.0, false) ==
        "25/100 tasks (25%) | 10.0s elapsed | ~30.0s left");
  CHECK(ProgressBar::describe({.total = 100, .done = 0, .failed = 0}, 3.0, false) ==
        "0/100 tasks (0%) | 3.0s elapsed");
  CHECK(ProgressBar::describe({.total = 10, .done = 10, .failed = 3}, 75.0, true) ==
        "10/10 tasks (100%) | 3 failed | 1m15s elapsed");
  CHECK(ProgressBar::describe({.total = 1000, .done = 1, .failed = 0}, 7.2, false) ==
        "1/1000 tasks (0%) | 7.2s elapsed | ~1h59m left");
}

TEST_CASE("a progress bar finds a terminal on standard output, and plain lines elsewhere") {
  int master = -1;
  int slave = -1;
  REQUIRE(::openpty(&master, &slave, nullptr, nullptr, nullptr) == 0);
  bool on_terminal = false;
  {
    StdoutTo redirect(slave);
    tessera::ProgressBar bar;
    on_terminal = bar.terminal();
    bar.finish({.total = 3, .done = 3, .failed = 0});
  }
  ::close(slave);
  CHECK(on_terminal);
  pollfd ready{master, POLLIN, 0};
  REQUIRE(::poll(&ready, 1, 5000) == 1);
  char buffer[512];
  const auto got = ::read(master, buffer, sizeof buffer);
  ::close(master);
  REQUIRE(got > 0);
  const std::string drawn(buffer, static_cast<std::size_t>(got));
  CHECK(drawn.starts_with("\r[####################] 3/3 tasks (100%)"));

  int pipe_ends[2];
  REQUIRE(::pipe(pipe_ends) == 0);
  {
    StdoutTo redirect(pipe_ends[1]);
    CHECK(!tessera::ProgressBar().terminal());
  }
  ::close(pipe_ends[0]);
  ::close(pipe_ends[1]);

  std::ostringstream elsewhere;
  CHECK(!tessera::ProgressBar({.out = &elsewhere, .terminal = {}, .interval = 0, .clock = {}})
             .terminal());
}

TEST_CASE("the progress setting draws a bar for every compute, and only for computes") {
  ConfigReset reset;
  auto client = make_client("threads");
  CoutCapture capture;
  CHECK(client.compute(fan_in(5)).result() == 15);
  CHECK(capture.text().empty());

  tessera::config::set("progress", "1");
  CHECK(client.compute(fan_in(5)).result() == 15);
  CHECK(fan_in(3).compute() == 6);
  CHECK(std::get<0>(tessera::compute(fan_in(2))) == 3);
  CHECK(client.submit(progress_inc, 1).result() == 2);
  CHECK(client.persist(fan_in(4)).compute() == 10);  // persist draws nothing; the compute of
                                                     // the persisted result has no task left
  const auto lines = lines_of(capture.text());
  REQUIRE(lines.size() == 3);
  CHECK(contains(lines[0], "6/6 tasks (100%)"));
  CHECK(contains(lines[1], "4/4 tasks (100%)"));
  CHECK(contains(lines[2], "3/3 tasks (100%)"));
}

TEST_CASE("tasks that compute draw no progress bar") {
  ConfigReset reset;
  tessera::config::set("progress", "1");
  auto client = make_client("threads");
  CoutCapture capture;
  auto outer = tessera::delayed([](long x) {
    return tessera::get_client()
        .compute(tessera::delayed(progress_inc)(x), tessera::progress)
        .result();
  })(1L);
  CHECK(client.compute(outer).result() == 2);
  const auto lines = lines_of(capture.text());
  REQUIRE(lines.size() == 1);
  CHECK(contains(lines[0], "1/1 tasks (100%)"));
}

TEST_CASE("progress settings are checked") {
  ConfigReset reset;
  CHECK(tessera::config::get("progress") == "0");
  CHECK(tessera::config::get("progress_interval") == "5");
  CHECK_THROWS_WITH(tessera::config::set("progress", "yes"),
                    Catch::Contains("\"yes\"") && Catch::Contains("0 (off) or 1"));
  CHECK_THROWS_WITH(tessera::config::set("progress_interval", "0"),
                    Catch::Contains("progress_interval") && Catch::Contains("(0, 86400]"));
  tessera_test::EnvGuard env("TESSERA_PROGRESS_INTERVAL", "soon");
  CHECK_THROWS_AS(tessera::config::validate_all(), tessera::ConfigError);
}
