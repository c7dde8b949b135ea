#pragma once
// The scheduler's records of runs, tasks and workers: private to the scheduler's sources
// (scheduler.cpp, and scheduler_recovery.cpp for lost workers).

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cluster/scheduler.hpp"
#include "diagnostics/progress_board.hpp"
#include "graph/plan.hpp"

namespace tessera::detail {

enum class TaskState : std::uint8_t { waiting, queued, assigned, done, failed, forgotten };

struct Scheduler::Task {
  std::uint64_t bytes = 0;    // size of the result
  std::uint32_t waiting = 0;  // inputs not yet done
  std::uint32_t uses = 0;     // consumers not yet done, plus the client's hold of an output
  std::int32_t worker = -1;   // where it runs or ran
  TaskState state = TaskState::waiting;
  bool output = false;
  bool held = false;  // the client holds the output
  bool cancelled = false;
};

struct Scheduler::Submission {
  std::uint64_t id = 0;
  std::uint64_t seq = 0;
  int owner = 0;
  std::vector<std::byte> body;            // the submit message; task specs are read from it
  std::vector<std::uint64_t> spec_begin;  // per task + 1: offsets into body
  std::vector<Task> tasks;
  std::vector<std::uint32_t> input_begin;  // per task + 1: offsets into inputs
  std::vector<DataKey> inputs;             // task and external inputs, in argument order
  std::vector<std::uint32_t> dependent_begin;
  std::vector<std::uint32_t> dependents;
  std::vector<std::uint32_t> placement_of;  // per task, index into placements (empty: none)
  std::vector<std::uint32_t> prefix_of;     // per task, its prefix id (once the dashboard asks)
  struct Requirement {
    std::vector<std::pair<std::string, double>> resources;
    std::vector<int> workers;
  };
  std::vector<Requirement> placements;
  std::unordered_map<std::uint32_t, std::vector<DataKey>> external_waiters;
  std::unordered_map<std::uint32_t, Failure> failures;           // failed or skipped tasks
  std::unordered_map<std::uint32_t, std::vector<int>> replicas;  // extra holders (broadcast)
  std::uint32_t remaining = 0;     // tasks not yet done, failed or skipped
  std::uint32_t holding = 0;       // results held on workers
  std::uint32_t held_outputs = 0;  // outputs the client still holds (failed ones too)

  // Set when rank 0's client draws the run's progress: tells it how far the run has got.
  std::shared_ptr<ProgressCounter> progress;
  void report_progress() const {
    if (progress) progress->set(tasks.size() - remaining, failures.size());
  }

  const Requirement* requirement(std::uint32_t task) const {
    if (placement_of.empty() || placement_of[task] == no_task) return nullptr;
    return &placements[placement_of[task]];
  }
};

struct Scheduler::WorkerInfo {
  bool joined = false;
  bool gone = false;  // said goodbye, or was lost
  bool said_goodbye = false;
  bool lost = false;           // without a goodbye (elastic clusters)
  bool retiring = false;       // asked to leave: takes no new work, hands its results over
  bool retire_urgent = false;  // (retiring) its job ends soon: it does not wait for a taker
  bool shutdown_sent = false;  // (retiring) told to stop: nothing is left only on it
  std::unordered_map<DataKey, int, DataKeyHash> handing;  // (retiring) result -> given to
  double last_heard = 0.0;  // wall time of a check that found it had said something
  bool heard = false;       // said something since the last check
  bool paused = false;
  bool steal_pending = false;
  std::uint32_t threads = 1;
  std::uint64_t memory_limit = 0;  // its worker_memory_limit (0: none)
  std::map<std::string, double> resources;
  std::uint32_t in_flight = 0;  // assigned, not yet completed
  WorkerMetrics metrics;        // its last report (while the dashboard is on)
  bool usable() const noexcept { return joined && !gone && !retiring; }
};

}  // namespace tessera::detail
