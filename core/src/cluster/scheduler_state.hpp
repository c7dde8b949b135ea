#pragma once
// The scheduler's records of runs, tasks and workers: private to the scheduler's sources
// (scheduler.cpp, and scheduler_recovery.cpp for lost workers).

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cluster/scheduler.hpp"
#include "diagnostics/progress_board.hpp"
#include "graph/plan.hpp"

namespace tessera::detail {

// Submit bodies of this many bytes or fewer have their specs' offsets in 4 bytes each (tests
// lower it to try the wide offsets).
inline std::size_t narrow_spec_body_limit = std::numeric_limits<std::uint32_t>::max();

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
  std::vector<std::byte> body;  // the submit message; task specs are read from it
  // Per task + 1: offsets into body, in 4 bytes while the body is under 4 GiB (always, but
  // for literals of gigabytes), in wide_spec_begin otherwise.
  std::vector<std::uint32_t> spec_begin;
  std::vector<std::uint64_t> wide_spec_begin;
  std::vector<Task> tasks;
  std::vector<std::uint32_t> input_begin;  // per task + 1: offsets into inputs
  // Task and external inputs, in argument order: a task of this run by its id (4 bytes, not a
  // DataKey's 16: a run may have millions), an earlier run's result by external_input | its
  // index in externals.
  std::vector<std::uint32_t> inputs;
  std::vector<DataKey> externals;
  static constexpr std::uint32_t external_input = std::uint32_t{1} << 31;
  std::vector<std::uint32_t> dependent_begin;
  std::vector<std::uint32_t> dependents;
  std::vector<std::uint32_t> placement_of;  // per task, index into placements (empty: none)
  std::vector<std::uint32_t> prefix_of;     // per task, its prefix id (its kind)
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

  bool wide_specs() const noexcept { return body.size() > narrow_spec_body_limit; }
  void add_spec_begin(std::size_t offset) {
    if (wide_specs()) {
      wide_spec_begin.push_back(offset);
    } else {
      spec_begin.push_back(static_cast<std::uint32_t>(offset));
    }
  }
  std::span<const std::byte> spec(std::uint32_t task) const {
    const std::size_t begin = wide_specs() ? wide_spec_begin[task] : spec_begin[task];
    const std::size_t end = wide_specs() ? wide_spec_begin[task + 1] : spec_begin[task + 1];
    return std::span(body).subspan(begin, end - begin);
  }

  DataKey input(std::uint32_t i) const {
    const auto input = inputs[i];
    return input & external_input ? externals[input & ~external_input] : DataKey{id, input};
  }
  void add_input(DataKey key) {
    if (key.run == id) {
      inputs.push_back(key.task);
    } else {
      inputs.push_back(external_input | static_cast<std::uint32_t>(externals.size()));
      externals.push_back(key);
    }
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
  // Its assigned tasks by kind (key prefix): a few kinds at a time.
  struct QueuedKind {
    std::uint32_t prefix;
    std::uint32_t tasks;
  };
  std::vector<QueuedKind> queued;
  double penalty = 0.0;  // seconds added to its queue while tasks stolen from it are placed
  void enqueue(std::uint32_t prefix) {
    ++in_flight;
    for (auto& kind : queued) {
      if (kind.prefix == prefix) {
        ++kind.tasks;
        return;
      }
    }
    queued.push_back(QueuedKind{prefix, 1});
  }
  /// A task of kind `prefix` (`unknown_kind` if it cannot be told) leaves its queue.
  void unqueue(std::uint32_t prefix) noexcept {
    if (in_flight > 0) --in_flight;
    if (in_flight == 0) {
      queued.clear();
      return;
    }
    for (auto& kind : queued) {
      if (kind.prefix != prefix) continue;
      if (--kind.tasks == 0) {
        kind = queued.back();
        queued.pop_back();
      }
      return;
    }
  }
  static constexpr std::uint32_t unknown_kind = std::numeric_limits<std::uint32_t>::max();
  /// When a task placed now could start there: the seconds its assigned tasks are expected to
  /// run, by the averages of their kinds (`durations`, per prefix; kinds that have not run yet
  /// count nothing), per thread, and its penalty.
  double occupancy(const std::vector<double>& durations) const noexcept {
    return penalty / threads + queue_seconds(durations);
  }
  /// When the tasks assigned to it now are done, by the same averages.
  double queue_seconds(const std::vector<double>& durations) const noexcept {
    double seconds = 0.0;
    for (const auto& kind : queued) {
      if (kind.prefix < durations.size()) seconds += kind.tasks * durations[kind.prefix];
    }
    return seconds / threads;
  }
  WorkerMetrics metrics;  // its last report (while the dashboard is on)
  bool usable() const noexcept { return joined && !gone && !retiring; }
};

}  // namespace tessera::detail
