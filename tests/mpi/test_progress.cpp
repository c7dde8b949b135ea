// Progress under mpirun: rank 0 draws the bar of a computation that the workers run, from
// what the scheduler hears of its tasks; workers never draw, even when a task asks.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support.hpp"
#include "tessera/progress.hpp"
#include "tessera/tessera.hpp"

using namespace mpi_test;

namespace {

long progress_leaf(long x) { return x + 1; }
TESSERA_TASK(progress_leaf);

long progress_slow_leaf(long x) {
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  return x + 1;
}
TESSERA_TASK(progress_slow_leaf);

long progress_fifths_fail(long x) {
  if (x % 5 == 0) throw std::runtime_error("no multiples of 5");
  return x;
}
TESSERA_TASK(progress_fifths_fail);

long progress_total(std::vector<long> xs) { return std::accumulate(xs.begin(), xs.end(), 0L); }
TESSERA_TASK(progress_total);

// Runs a nested compute that asks for a progress bar, with this rank's standard output sent to
// `path`; returns this rank, the result and what was written there.
std::string progress_nested(std::string path) {
  std::cout.flush();
  std::fflush(stdout);
  const int saved = ::dup(STDOUT_FILENO);
  const int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::dup2(file, STDOUT_FILENO);
  ::close(file);
  long value = -1;
  try {
    auto inner = tessera::delayed(progress_leaf)(41L);
    value = tessera::get_client().compute(inner, tessera::progress).result();
  } catch (...) {
  }
  std::cout.flush();
  std::fflush(stdout);
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);
  std::ifstream written(path);
  const std::string text{std::istreambuf_iterator<char>(written), std::istreambuf_iterator<char>()};
  return std::to_string(tessera::this_rank()) + ":" + std::to_string(value) + ":" + text;
}
TESSERA_TASK(progress_nested);

tessera::Delayed<long> fan_in(long n, long (*leaf)(long)) {
  std::vector<tessera::Delayed<long>> leaves;
  for (long i = 0; i < n; ++i) leaves.push_back(tessera::delayed(leaf)(i));
  return tessera::delayed(progress_total)(leaves);
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

}  // namespace

TEST_CASE("under MPI, rank 0 draws a computation's progress as the workers run it") {
  auto client = tessera::get_client();
  REQUIRE(std::string(client.scheduler()) == "mpi");
  std::ostringstream out;
  auto future = client.compute(fan_in(20, progress_slow_leaf), lines_to(out, 0.05));
  CHECK(future.done());
  CHECK(future.result() == 20 * 21 / 2);
  const auto lines = lines_of(out.str());
  REQUIRE(lines.size() >= 2);
  CHECK(lines.back().starts_with("progress: 21/21 tasks (100%) | "));
  // The counts move while the workers run, not only at the end.
  bool partial = false;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    partial = partial ||
              (!lines[i].starts_with("progress: 0/") && !lines[i].starts_with("progress: 21/"));
  }
  CHECK(partial);
}

TEST_CASE("under MPI, the progress bar counts failed tasks and those skipped after them") {
  auto client = tessera::get_client();
  std::ostringstream out;
  // Leaves 0, 5 and 10 of 15 fail; the sum after them is skipped.
  auto future = client.compute(fan_in(15, progress_fifths_fail), lines_to(out));
  CHECK_THROWS_AS(future.result(), tessera::TaskError);
  const auto lines = lines_of(out.str());
  REQUIRE(!lines.empty());
  CHECK(lines.back().starts_with("progress: 16/16 tasks (100%) | 4 failed | "));
}

TEST_CASE("under mpirun, the bar is redrawn in place only if mpirun's own output is a terminal") {
  // Open MPI gives rank 0 a pseudo-terminal as standard output, whatever mpirun writes to (a
  // batch job's log, or ctest's pipe): the terminal that counts is mpirun's, its parent.
  bool mpirun_on_terminal = false;
  const std::string parent_stdout = "/proc/" + std::to_string(::getppid()) + "/fd/1";
  if (const int fd = ::open(parent_stdout.c_str(), O_RDONLY | O_NOCTTY | O_NONBLOCK); fd >= 0) {
    mpirun_on_terminal = ::isatty(fd) == 1;
    ::close(fd);
  }
  const bool launched_by_mpirun = std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr;
  const bool expected = ::isatty(STDOUT_FILENO) == 1 && (!launched_by_mpirun || mpirun_on_terminal);
  CHECK(tessera::ProgressBar().terminal() == expected);
}

TEST_CASE("under MPI, workers draw no progress bar, even when a task asks for one") {
  auto client = tessera::get_client();
  std::vector<Scratch> files(static_cast<std::size_t>(ranks() - 1));
  std::vector<tessera::Future<std::string>> reports;
  for (int rank = 1; rank < ranks(); ++rank) {
    tessera::TaskOptions on_rank;
    on_rank.workers = {rank};
    reports.push_back(
        client.submit(on_rank, progress_nested, files[static_cast<std::size_t>(rank - 1)].path));
  }
  for (int rank = 1; rank < ranks(); ++rank) {
    CHECK(reports[static_cast<std::size_t>(rank - 1)].result(std::chrono::seconds(30)) ==
          std::to_string(rank) + ":42:");
  }
}
