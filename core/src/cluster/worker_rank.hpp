#pragma once
// A worker rank: runs the tasks the scheduler assigns on a pool of threads, keeps results
// in its store, fetches missing inputs directly from the workers that hold them and serves
// its results to whoever asks. Its communication is the rank's progress loop (transport.hpp).

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cluster/store.hpp"
#include "mpi/link.hpp"
#include "mpi/messages.hpp"
#include "mpi/protocol.hpp"
#include "tessera/detail/invoke.hpp"
#include "tessera/future.hpp"

namespace tessera::detail {

class WorkerRank {
 public:
  WorkerRank(Link& transport, std::uint32_t threads, std::map<std::string, double> resources,
             StoreLimits limits, std::function<void()> on_thread_start);
  ~WorkerRank();

  Store& store() noexcept { return store_; }

  /// Handles a message meant for a worker; false if `kind` is not one.
  bool on_message(int source, Kind kind, WireReader& in);
  /// A fetched input arrived; false if no task waits for it.
  bool on_data(int source, DataKey key, const Frames& frames);
  bool on_turn();
  /// The end of a turn that a task thread ran (Link::progress_here): enlists what it read.
  bool on_helper_turn();
  /// Whether it has tasks assigned that have not started: its reports of finished tasks may
  /// then wait a little, to go to the scheduler with the next ones.
  bool has_unstarted_tasks() const noexcept {
    return unstarted_count_.load(std::memory_order_relaxed) > 0;
  }
  /// Lets idle task threads run turns of the loop with `handler` (the loop's own), so that
  /// what they wait for is taken in and started on them, without waking another thread.
  /// (Nothing on a link that cannot take helpers.)
  void help_with(Link::Handler& handler);
  /// Says Heartbeat to the scheduler every `seconds` (0: never), so that a quiet worker is
  /// not taken for a lost one.
  void set_heartbeat_interval(double seconds) noexcept { heartbeat_interval_ = seconds; }
  /// Sends its memory and transfers to the scheduler every `seconds` (0: never), for the
  /// dashboard's metrics.
  void set_metrics_interval(double seconds) noexcept { metrics_interval_ = seconds; }
  /// Asks the scheduler to let this worker go `seconds` from now (its lifetime; 0: never).
  void set_lifetime(double seconds);
  /// Asks the scheduler to let this worker go now (its job is about to end). Thread-safe.
  void request_retire() noexcept { retire_requested_.store(true, std::memory_order_relaxed); }
  /// True once the scheduler said exit.
  bool exited() const noexcept { return exited_; }

 private:
  struct Job;
  struct ThreadHelper;
  using JobPtr = std::shared_ptr<Job>;
  struct ByPriority {
    bool operator()(const JobPtr& a, const JobPtr& b) const noexcept;
  };

  // Reads an assigned task into a job; enlist_assigned() registers the jobs read so far,
  // under one lock, before anything else is handled and at the end of each loop turn.
  void assign(const Assign& message);
  void enlist_assigned();
  void start_fetches();
  void serve(int source, const Fetch& message);
  void steal(const Steal& message);
  void drop(DataKey key);
  void make_ready(JobPtr job);
  void push_ready(JobPtr job);  // with mutex_ held; notify work_ after unlocking
  // A job of this worker ended: jobs waiting here for its result may start, and fetches
  // parked for it are answered (with mutex_ held; `failed` when it made none). Returns
  // whether any job became ready.
  // `failure`: how it failed, for the workers waiting for its result.
  bool finished_here(DataKey key, bool failed, const Failure* failure = nullptr);
  // Sends `key` from the store to `rank`, or the reason it cannot.
  void send_result(int rank, DataKey key);
  // The reply to a fetch of a result whose task failed here (with how, if known).
  Frames failed_reply(const Failure* failure) const;
  void thread_main(std::uint32_t thread, bool alone);
  // One turn of the loop on this task thread (Link::progress_here); an error there goes to
  // the loop thread, which throws it as its own.
  bool help_progress(Link::Handler& handler);
  bool help_until(const std::function<bool()>& pred, Clock::time_point deadline,
                  std::uint32_t thread);
  void run_next(std::unique_lock<std::mutex>& lock, std::uint32_t thread);
  bool sleep_until(std::unique_lock<std::mutex>& lock, Clock::time_point until);
  /// Runs it and reports to the scheduler; false if it made no result (it failed).
  bool run_job(Job& job, std::uint32_t thread);
  // Fills `inputs` (one per job input) from the store.
  std::optional<Failure> take_inputs(const Job& job,
                                     std::span<std::shared_ptr<const Value>> inputs);
  void report_failure(const Job& job, const Failure& failure, double start, double stop,
                      std::uint32_t thread);
  void drop_borrowed(const Job& job);
  void report_memory();
  void report_lost();
  void report_metrics();

  Link& transport_;
  Store store_;
  const int rank_;
  std::map<std::string, double> resources_;
  std::function<void()> on_thread_start_;

  Assign assign_;   // the message being handled, its vectors reused (loop thread only)
  TaskSpec spec_;   // its task, read by assign() (loop thread only)
  Frames literal_;  // a literal argument being decoded (loop thread only)
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const noexcept {
      return std::hash<std::string_view>{}(name);
    }
  };
  // The registry's entries of the functions assigned so far, by name (loop thread only).
  std::unordered_map<std::string, const FunctionEntry*, NameHash, std::equal_to<>> functions_;
  std::vector<JobPtr> assigned_;   // read, not yet enlisted (loop thread only)
  std::vector<JobPtr> enlisting_;  // being enlisted (loop thread only)
  // Jobs waiting for inputs, by the input they wait for, with the input's index in the job
  // (loop thread only).
  std::unordered_map<DataKey, std::vector<std::pair<JobPtr, std::uint32_t>>, DataKeyHash>
      waiting_for_;
  // Under a memory limit: inputs to fetch (holder, key), and those asked for (loop thread).
  std::deque<std::pair<int, DataKey>> fetch_queue_;
  std::unordered_set<DataKey, DataKeyHash> fetching_;

  std::mutex mutex_;  // guards what follows
  std::condition_variable work_;
  std::uint32_t sleepers_ = 0;               // task threads waiting on work_
  std::vector<JobPtr> ready_;                // a heap, best priority at front
  std::atomic<std::size_t> ready_count_{0};  // ready_.size(), for threads looking unlocked
  void publish_ready() { ready_count_.store(ready_.size(), std::memory_order_relaxed); }
  std::vector<JobPtr> blocked_;  // ready, but their resources are taken
  std::map<std::string, double> available_;
  std::unordered_map<DataKey, std::uint32_t, DataKeyHash> borrowed_;  // fetched inputs: uses left
  std::unordered_map<DataKey, Job*, DataKeyHash> unstarted_;  // assigned jobs not yet started
  std::atomic<std::size_t> unstarted_count_{0};               // unstarted_.size(), read unlocked
  void publish_unstarted() { unstarted_count_.store(unstarted_.size(), std::memory_order_relaxed); }
  std::unordered_set<DataKey, DataKeyHash> running_;  // jobs started, not yet ended
  // Jobs assigned ahead of their inputs, by an input that a job of this worker will make: the
  // thread that makes it readies them, without a word to the scheduler (a chain of tasks on
  // one worker costs no round trip per link).
  std::unordered_map<DataKey, std::vector<JobPtr>, DataKeyHash> local_waiters_;
  // Jobs whose results workers elsewhere will fetch (Pin: never given away), the fetches that
  // came before their results were made (answered by the thread that makes them), and the
  // newest jobs that failed here (a waiting fetch may come after the failure).
  std::unordered_set<DataKey, DataKeyHash> pinned_;
  std::unordered_map<DataKey, std::vector<int>, DataKeyHash> parked_fetches_;
  // (How they failed, for the newest 1024 of them.)
  std::unordered_map<DataKey, std::shared_ptr<const Failure>, DataKeyHash> failed_here_;
  std::deque<DataKey> failed_order_;
  bool stopping_ = false;
  bool answered_fetch_ = false;  // a task's result went to a waiting fetch: send it at once

  std::mutex report_mutex_;  // one memory report at a time, so that status messages keep order
  std::atomic<bool> reported_paused_{false};
  std::size_t reported_spills_ = 0;
  double last_memory_check_ = 0;  // loop thread: when a paused worker last tried to spill

  std::atomic<Link::Handler*> progress_handler_{nullptr};
  std::mutex helper_error_mutex_;
  std::exception_ptr helper_error_;  // thrown by the loop thread's next turn
  std::atomic<bool> helper_failed_{false};

  std::vector<std::thread> threads_;
  bool shutdown_ = false;
  bool said_goodbye_ = false;
  double heartbeat_interval_ = 0.0;
  double last_heartbeat_ = 0.0;
  std::uint32_t turns_ = 0;
  double metrics_interval_ = 0.0;
  double last_metrics_ = 0.0;
  std::vector<Received> received_;  // per source rank (loop thread)
  double retire_at_ = 0.0;          // wall time when the lifetime ends (0: never)
  std::atomic<bool> retire_requested_{false};
  bool retire_asked_ = false;
  bool urgent_retire_asked_ = false;
  std::unordered_set<DataKey, DataKeyHash> replicating_;  // fetched to keep (loop thread)
  // Fetched for tasks that may keep them (Assign::keep), within the replica budget (loop
  // thread); those kept, with their sizes, and their total (guarded by mutex_).
  std::unordered_set<DataKey, DataKeyHash> may_keep_;
  std::unordered_map<DataKey, std::size_t, DataKeyHash> kept_copies_;
  std::size_t kept_copy_bytes_ = 0;
  void forget_kept_copy(DataKey key);  // with mutex_ held
  void keep_replica(DataKey key, const Frames& frames);
  bool exited_ = false;
};

/// Names the task this thread runs, for the crash message of a worker (runtime.cpp).
void set_running_task(const char* key) noexcept;
const char* running_task() noexcept;

/// Resources from the "resources" setting ("GPU=1,MEMORY=64e9").
std::map<std::string, double> parse_resources(const std::string& text);

}  // namespace tessera::detail
