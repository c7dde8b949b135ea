#pragma once
// The cluster's scheduler, on rank 0's progress thread. Clients (rank 0's, and tasks on
// workers) submit graphs; the scheduler decides which worker runs each task and tells
// workers where the inputs of a task are, so that they fetch them from each other.
//
// Policy: tasks run in the graph's priority order (depth-first). Tasks without inputs are
// queued here and handed to workers in contiguous blocks as they have room, so that
// neighbouring tasks (and the reductions over them) land together. A task with inputs goes,
// as soon as it is ready, to the allowed worker where it would start first: its queue
// counted in average task durations, plus the transfers of the inputs it lacks. The
// candidates are the workers holding its inputs and a window of 8 others taken in turn, so
// that placing costs the same on 3 ranks and on 3000. A worker that runs dry steals half
// the unstarted tasks of the busiest one.
//
// A task is assigned ahead, before it is ready, once every input it still waits for is
// assigned: it goes to the worker just given the last of them, which starts it the moment its
// inputs are made there or arrive from their workers (which keep them, pinned, and answer its
// fetch as soon as they are made). The scheduler hears of both in the batched reports, so a
// dependency costs no round trip through rank 0. Workers with a memory limit only take tasks
// ahead of inputs made on themselves.

#include <cstdint>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "cluster/submit_handoff.hpp"
#include "cluster/worker_roster.hpp"
#include "diagnostics/cluster_metrics.hpp"
#include "diagnostics/prefix_labeller.hpp"
#include "diagnostics/task_prefix.hpp"
#include "mpi/messages.hpp"
#include "mpi/outbox.hpp"
#include "mpi/protocol.hpp"
#include "support/task_stream.hpp"

namespace tessera::detail {

class Scheduler {
 public:
  /// Sends through `outbox` (the MPI transport, or a test's recorder). A worker not heard
  /// from for `worker_timeout` seconds (0: never) is lost: on_turn() throws an Error naming it
  /// and the tasks it held, and the runtime ends the job.
  Scheduler(Outbox& outbox, std::shared_ptr<TaskStream> stream, double worker_timeout = 0.0);
  ~Scheduler();

  /// Handles a message meant for the scheduler; false if `kind` is not one.
  bool on_message(int source, Kind kind, WireReader& in);
  /// Hands out queued work; true if it did something.
  bool on_turn();

  /// Where the client of this process leaves the specs of the runs it submits.
  void take_specs_from(std::shared_ptr<SubmitHandoff> handoff) { handoff_ = std::move(handoff); }
  /// Workers may join at any time (an elastic cluster): tasks that no worker can run yet wait
  /// for one instead of failing.
  void expect_joins() noexcept { expect_joins_ = true; }
  /// The link lost `rank` without a goodbye (elastic clusters): what it ran runs again
  /// elsewhere, and the results only it held are made again from the graph.
  void worker_lost(int rank);

  /// Keeps `roster` up to date with the workers there are, from now on.
  void set_roster(std::shared_ptr<WorkerRoster> roster) { roster_ = std::move(roster); }

  /// Answers the scrapes of `metrics` (the dashboard is on) from now on.
  void set_metrics(std::shared_ptr<ClusterMetrics> metrics) { metrics_ = std::move(metrics); }

  /// Asks every worker to stop; done() once all have said goodbye.
  void shutdown();
  bool done() const noexcept;

 private:
  struct Submission;
  struct WorkerInfo;
  struct Task;

  bool handle(int source, Kind kind, WireReader& in);
  void hello(int source, const Hello& message);
  void submit(int source, const Submit& message);
  void scatter(int source, const Scatter& message);
  void stored(int source, const Stored& message);
  void completed(int source, const Completed& message);
  void stolen(int source, const Stolen& message);
  bool wait_again(Submission& run, std::uint32_t task);  // for inputs made again; true if so
  void cancel(const Cancel& message);
  void release(const Release& message);

  void ready(Submission& run, std::uint32_t task);
  void place(Submission& run, std::uint32_t task);
  void assign(Submission& run, std::uint32_t task, int worker);
  template <class Allowed>
  int cheapest(Submission& run, std::uint32_t task, bool everywhere, const Allowed& allowed,
               bool& any_allowed);
  void assign_ahead(Submission& run, std::uint32_t task, int rank);
  bool may_run_ahead(const Submission& run, std::uint32_t task);
  bool may_run_ahead_on(const Submission& run, std::uint32_t task, int worker);
  void finish(Submission& run, std::uint32_t task, int worker, std::uint64_t bytes);
  void lost(int source, const Lost& message);
  std::size_t recover(int rank);       // returns the tasks that run again
  std::size_t recover_from(int rank);  // recover() once the gathered Forgets are out
  void retire(int rank, bool urgent);
  void hand_over();
  void retired(int rank);
  void lost_scatter(Submission& run, std::uint32_t task, const Failure& failure);
  void tell_moved(DataKey key, int rank);
  void fail(Submission& run, std::uint32_t task, const Failure& failure);
  void skip(Submission& run, std::uint32_t task, const Failure& failure);
  void use_done(DataKey input);
  void use_done_in(Submission& run, std::uint32_t task);  // run is touched_ already
  // Posts the Forgets gathered in forgets_, one message per worker.
  void send_forgets();
  void forget(Submission& run, std::uint32_t task);
  void notify_output(Submission& run, std::uint32_t task);
  void maybe_erase(std::uint64_t run_id);
  void balance();

  Submission* find_run(std::uint64_t id);
  std::string key_of(const Submission& run, std::uint32_t task) const;
  std::string_view key_view(const Submission& run, std::uint32_t task) const;
  // Moves the records of completed tasks into stream_, while their runs' keys are at hand.
  void flush_records();
  int holder_for(DataKey key, int worker);
  double capacity(const WorkerInfo& worker) const;
  /// The kind of `task`: its key's prefix id, whose run times prefix_durations_ averages
  /// (WorkerInfo::unknown_kind for scattered data).
  std::uint32_t kind_of(const Submission& run, std::uint32_t task) const;
  void check_liveness(double now);
  // Ends the job for a worker silent for `silent_for` seconds (< 0: its connection broke).
  [[noreturn]] void lose_worker(int rank, double silent_for);
  void update_roster();
  void publish_load();
  bool may_join_for(const Submission& run, std::uint32_t task);
  int worker_end() const noexcept;  // one past the highest rank heard from
  MetricsSnapshot metrics_snapshot();
  void count_prefixes(const Submission& run, std::vector<PrefixProgress>& counts);

  Outbox& outbox_;
  // Scratch of cheapest(), per rank: inputs of the task being placed that it holds, and bytes.
  std::vector<std::uint32_t> held_inputs_;
  std::vector<double> held_bytes_;
  std::vector<int> holders_;  // ranks with held_inputs_ > 0
  Assign assign_;             // reused for every assignment
  // assign_ahead's work list: tasks of one run, and where each was assigned
  std::vector<std::pair<std::uint32_t, int>> ahead_;
  bool assigning_ahead_ = false;
  std::shared_ptr<TaskStream> stream_;
  std::shared_ptr<SubmitHandoff> handoff_;  // null: every client sends its specs
  std::vector<WorkerInfo> workers_;         // index = rank (0 unused)
  int hellos_ = 0;
  bool shutting_down_ = false;
  bool expect_joins_ = false;
  struct UnstoredScatter {
    DataKey key;
    std::vector<std::byte> literal;
  };
  std::vector<UnstoredScatter> unstored_;  // scattered before any worker joined
  // Results being made again after a worker was lost, and the workers waiting for them.
  std::unordered_map<DataKey, std::vector<int>, DataKeyHash> moved_waiters_;
  int retiring_ = 0;  // workers retiring, not yet gone
  double last_load_ = 0.0;
  std::uint64_t offers_version_ = 0;  // of roster_'s offers (0: none said)
  WorkerOffers offers_;
  double last_hand_over_ = 0.0;
  // Tasks that were on workers that were lost, and how many times.
  std::unordered_map<DataKey, std::uint8_t, DataKeyHash> lost_with_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Submission>> runs_;
  Submission* last_found_ = nullptr;  // find_run's latest answer, while in runs_
  std::uint64_t next_seq_ = 0;

  struct Queued {
    std::uint64_t priority;
    std::uint64_t run;
    std::uint32_t task;
    bool operator>(const Queued& other) const noexcept { return priority > other.priority; }
  };
  std::priority_queue<Queued, std::vector<Queued>, std::greater<>> roots_;
  std::vector<DataKey> unplaced_;   // ready, but every allowed worker is paused
  int next_candidate_ = 0;          // where the next placement window starts
  double average_duration_ = 1e-4;  // seconds, moving average of task run times
  double last_balance_ = 0.0;
  const double worker_timeout_;
  double last_liveness_check_ = 0.0;
  // Tasks completed for rank 0's client, recorded into stream_ in batches (flush_records):
  // then a key is copied once, and a worker's name never.
  struct CompletedRecord {
    DataKey key;
    std::uint32_t worker;  // stream_'s id of its name
    double start;
    double stop;
  };
  std::vector<CompletedRecord> records_;
  std::vector<std::vector<std::uint32_t>> worker_names_;  // per rank, per thread: id + 1, or 0
  double last_flush_ = 0.0;
  std::vector<std::uint64_t> touched_;  // runs to erase if they are finished
  std::vector<std::uint64_t> erasing_;  // touched_ as on_message goes through it
  // Results to forget, per rank, sent at the end of the turn (send_forgets): one message for
  // the completions of many messages. Nothing sent meanwhile names them: nothing uses them.
  std::vector<Forget> forgets_;
  std::vector<int> forget_ranks_;  // ranks with forgets_
  bool forget_at_once_ = false;    // while recovering from a lost or retired worker

  std::shared_ptr<WorkerRoster> roster_;
  std::shared_ptr<ClusterMetrics> metrics_;      // null unless the dashboard is on
  DurationHistogram durations_;                  // of completed tasks, while metrics_ is set
  MetricsSnapshot erased_;                       // task counts of the runs erased so far
  PrefixTable prefixes_;                         // of the tasks submitted
  PrefixLabeller labeller_{prefixes_};           // labels each task as its run comes
  std::vector<PrefixProgress> erased_prefixes_;  // per prefix id, of the runs erased so far
  // Run times by key prefix (0: none seen yet): a worker's queue is costed by its tasks' own
  // kinds (WorkerInfo::occupancy), not as if each took as long as the big ones of the run.
  std::vector<double> prefix_durations_;
};

}  // namespace tessera::detail
