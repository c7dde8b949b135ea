#pragma once
// A run is one execution of a plan: the per-task state that changes while tasks run
// (inputs still awaited, uses left of each result, the results), in flat arrays indexed by
// task id. Executors call execute() for ready tasks; it returns a dependent to run next
// and hands other newly ready tasks to `push`.

#include <atomic>
#include <exception>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "diagnostics/local_metrics.hpp"
#include "diagnostics/run_progress.hpp"
#include "graph/plan.hpp"
#include "local/executor.hpp"
#include "local/result_slots.hpp"
#include "support/task_stream.hpp"
#include "support/ticks.hpp"

namespace tessera::detail {

class LocalRun final : public TaskCanceller, public std::enable_shared_from_this<LocalRun> {
 public:
  /// `outputs` holds one future per plan output (same order as plan.outputs).
  LocalRun(Plan plan, std::vector<FutureStatePtr> outputs, std::shared_ptr<TaskStream> stream,
           std::uint32_t workers);
  ~LocalRun() override;

  /// The plan it runs (its `waiting` counts go down as inputs arrive).
  const Plan& plan() const noexcept { return plan_; }

  /// Tasks ready from the start, in priority order.
  const std::vector<std::uint32_t>& roots() const noexcept { return roots_; }

  /// Connects the run to its executor and to the futures it waits for. Call once, before
  /// executing roots; keeps the run alive until its last task is done.
  void begin(Executor& executor);

  /// Runs (or skips, after a failure or cancellation) ready task `task` on `worker`. The
  /// caller then counts it through tasks_done(), at once or with more of the run's tasks.
  template <class Push>
  std::uint32_t execute(std::uint32_t task, std::uint32_t worker, Push&& push);

  /// Counts `count` tasks through execute(): the last count ends the run. Executors count in
  /// batches, as this is the one word of the run that every task on every thread would write.
  /// Nothing of the run may be touched after this call unless the caller holds a task of it
  /// not yet counted.
  void tasks_done(std::uint32_t count) {
    if (remaining_.fetch_sub(count, std::memory_order_acq_rel) == count) complete();
  }

  bool finished() const noexcept { return remaining_.load(std::memory_order_acquire) == 0; }

  void cancel_task(std::uint32_t task, bool released) noexcept override;

  /// Tasks through execute() so far, and how many of them failed or were skipped.
  ProgressCounts counts() const noexcept;
  /// Sets `counter` to the final counts when the run ends. Call before it starts.
  void report_end_to(std::shared_ptr<ProgressCounter> counter) {
    end_counter_ = std::move(counter);
  }
  /// Counts the run's tasks in `metrics` (the dashboard is on). Call before it starts.
  void count_into(std::shared_ptr<LocalMetrics> metrics) {
    if (metrics) {
      prefix_ = metrics->submitted(plan_.keys, plan_.code);
      bounds_ = TickBounds(TickClock().seconds_per_tick());
    }
    tallies_ = metrics ? metrics->tallies() : nullptr;
    metrics_ = std::move(metrics);
  }

 private:
  void invoke(std::uint32_t task, std::uint32_t worker);
  void fail(std::uint32_t task, std::exception_ptr error);
  // Skips the task (if it has not run) because of `error`; a first failure wins.
  void mark_failed(std::uint32_t task, std::exception_ptr error);
  void deliver(std::uint32_t task);
  void flush_records();
  void release_graph() noexcept;
  void complete();

  Plan plan_;
  std::vector<FutureStatePtr> outputs_;
  // Which tasks are outputs: a bit per task, and (task, index into outputs_) by task.
  std::vector<std::uint64_t> output_bits_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> output_slots_;
  bool is_output(std::uint32_t task) const noexcept {
    return (output_bits_[task >> 6] >> (task & 63)) & 1;
  }
  std::uint32_t output_slot(std::uint32_t task) const noexcept;  // no_task if not an output
  std::vector<std::uint32_t> roots_;
  // Counters shared by the task threads are plain arrays read through std::atomic_ref. Each
  // task's word of plan_.waiting counts the inputs it still waits for until it runs, and from
  // then on the reads of its result still to come (its dependents' arguments that name it):
  // one array for both, as a task waits for nothing once it runs.
  static std::atomic_ref<std::uint32_t> atomic(std::uint32_t& counter) noexcept {
    return std::atomic_ref<std::uint32_t>(counter);
  }
  ResultSlots results_;
  // Per task, the task whose failure skips it (no_task: none); made at the first failure or
  // cancellation, as most runs have none: 4 bytes a task less.
  std::atomic<std::uint32_t*> failed_{nullptr};
  std::mutex failed_mutex_;
  std::uint32_t failed_of(std::uint32_t task) const noexcept {
    const auto* failed = failed_.load(std::memory_order_acquire);
    return failed ? atomic(const_cast<std::uint32_t&>(failed[task])).load(std::memory_order_acquire)
                  : no_task;
  }
  // Sets task's failure to `cause` unless it has one (or even then, when `replace`); whether
  // it did.
  bool set_failed(std::uint32_t task, std::uint32_t cause, bool replace = false);
  std::atomic<std::uint32_t> remaining_;        // tasks not yet counted by tasks_done()
  std::atomic<std::uint32_t> failed_count_{0};  // of those through, failed or skipped
  std::atomic<std::uint32_t> outputs_left_;     // outputs not yet delivered
  std::atomic<bool> abandoned_{false};          // every output was cancelled: skip what is left

  std::mutex failures_mutex_;
  std::unordered_map<std::uint32_t, std::exception_ptr> failures_;

  struct RawRecord {
    std::uint32_t task;
    std::uint64_t start;  // ticks()
    std::uint64_t stop;
  };
  std::shared_ptr<TaskStream> stream_;
  // A worker's newest records, a ring of at most the stream's limit, on cache lines of its
  // own: each task writes it (next to another worker's, the two cores took turns at the line).
  struct alignas(64) Records {
    std::vector<RawRecord> ring;
    std::size_t next = 0;  // the oldest record, which the next one replaces once it is full
  };
  std::vector<Records> records_;  // per worker

  Executor* executor_ = nullptr;
  std::shared_ptr<LocalRun> self_;
  std::shared_ptr<ProgressCounter> end_counter_;
  std::shared_ptr<LocalMetrics> metrics_;
  TaskTally* tallies_ = nullptr;             // metrics_'s, per worker; null when nobody watches
  std::unique_ptr<std::uint32_t[]> prefix_;  // per task, its prefix's id in metrics_
  TickBounds bounds_;                        // the tallies' histogram, in ticks
};

template <class Push>
std::uint32_t LocalRun::execute(std::uint32_t task, std::uint32_t worker, Push&& push) {
  // Its inputs are all in (or failed): its word now counts the reads of its result. Its
  // dependents start after this, so the store comes before their reads and decrements.
  atomic(plan_.waiting[task])
      .store(plan_.dependent_begin[task + 1] - plan_.dependent_begin[task],
             std::memory_order_relaxed);
  if (failed_of(task) == no_task && !abandoned_.load(std::memory_order_relaxed)) {
    invoke(task, worker);
  } else if (failed_of(task) == no_task) {
    fail(task, std::make_exception_ptr(CancelledError(
                   "task '" + *plan_.keys[task] + "' was skipped: its outputs were cancelled")));
  }

  const auto* args = plan_.args.data();
  for (auto a = plan_.arg_begin[task], end = plan_.arg_begin[task + 1]; a < end; ++a) {
    if (args[a].value()) continue;
    auto input = args[a].task();
    if (atomic(plan_.waiting[input]).fetch_sub(1, std::memory_order_acq_rel) == 1 &&
        !is_output(input)) {
      results_.release(input, worker);
    }
  }

  const auto failed = failed_of(task);
  if (failed != no_task) {
    failed_count_.fetch_add(1, std::memory_order_relaxed);
    if (tallies_) tallies_[worker].failed(prefix_[task]);
  }
  if (is_output(task)) deliver(task);

  std::uint32_t next = no_task;
  for (auto d = plan_.dependent_begin[task], end = plan_.dependent_begin[task + 1]; d < end; ++d) {
    auto dependent = plan_.dependents[d];
    if (failed != no_task) set_failed(dependent, failed);
    if (atomic(plan_.waiting[dependent]).fetch_sub(1, std::memory_order_acq_rel) == 1) {
      if (next == no_task) {
        next = dependent;
      } else {
        push(dependent);
      }
    }
  }
  return next;
}

}  // namespace tessera::detail
