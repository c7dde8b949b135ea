#pragma once
// What the MPI test files share: the job's size, scratch files, events and task errors.

#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tessera/tessera.hpp"

namespace mpi_test {

/// Ranks in the job (rank 0 and the workers).
inline int ranks() { return tessera::job_size(); }

/// Paths the tests made, removed when rank 0 ends: not before, because a task may wait on a
/// gate file after its test is over (cancelled tasks that started still run to the end).
inline std::vector<std::string>& scratch_paths() {
  static struct Paths {
    std::vector<std::string> all;
    ~Paths() {
      for (const auto& path : all) std::filesystem::remove(path);
    }
  } paths;
  return paths.all;
}

/// A path in /tmp no other test uses; tasks on every rank see it (one node).
struct Scratch {
  std::string path;
  Scratch() {
    static int counter = 0;
    path = "/tmp/tessera-mpi-test-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
    scratch_paths().push_back(path);
  }
  void create() const { std::ofstream(path) << "go"; }
  bool exists() const { return std::filesystem::exists(path); }
};

/// Events of `topic` once there are at least `count` of them, or what arrived in `timeout`.
inline std::vector<tessera::Event> events_of(
    const std::string& topic, std::size_t count,
    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto events = tessera::get_events(topic);
  while (events.size() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    events = tessera::get_events(topic);
  }
  return events;
}

/// The TaskError that `future.result()` throws (fails the test if it throws none).
template <class T>
tessera::TaskError task_error_of(const tessera::Future<T>& future) {
  try {
    future.result(std::chrono::seconds(10));
  } catch (const tessera::TaskError& error) {
    return error;
  }
  FAIL("expected a TaskError from future '" << future.key() << "'");
  throw std::logic_error("unreachable");
}

}  // namespace mpi_test
