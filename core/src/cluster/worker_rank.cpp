#include "cluster/worker_rank.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <new>
#include <optional>
#include <typeinfo>
#include <utility>

#include "support/buffer_cache.hpp"
#include "support/thread_name.hpp"
#include "tessera/errors.hpp"
#include "tessera/events.hpp"
#include "tessera/task.hpp"

namespace tessera::detail {

struct WorkerRank::Job {
  DataKey key;
  std::uint64_t priority = 0;
  const FunctionEntry* function = nullptr;
  std::string name;  // the task's key
  int retries = 0;
  std::vector<std::pair<std::string, double>> resources;
  std::uint32_t arg_count = 0;
  // The literal arguments, with their positions among the arguments (ascending); the inputs
  // fill the other positions, in order.
  std::vector<std::pair<std::uint32_t, Value>> literals;
  struct Input {
    DataKey key;
    // In the store (or known to have failed). The values are taken from the store only when
    // the task runs, so that spilled inputs are not read back long before.
    bool arrived = false;
    bool borrowed = false;  // fetched from another worker for this task
    bool pending = false;   // still being made by its holder when the task was assigned
    bool keep = false;      // to be kept here as a replica once fetched
    std::int32_t holder = 0;
  };
  std::vector<Input> inputs;  // task and external inputs in order
  std::uint32_t missing = 0;
  std::optional<Failure> failure;  // known before running (bad literal, lost input)
  bool dropped = false;            // the scheduler no longer wants it (guarded by mutex_)
  bool reported = false;           // dropped while waiting, and said so (guarded by mutex_)
};

// A task thread that waits on a future runs other ready tasks meanwhile, so that a task
// waiting on tasks it submitted never stalls its worker.
struct WorkerRank::ThreadHelper final : Helper {
  ThreadHelper(WorkerRank& w, std::uint32_t t) : worker(w), thread(t) {}
  bool help_until(const std::function<bool()>& pred, Clock::time_point deadline) override {
    return worker.help_until(pred, deadline, thread);
  }
  void wake_all() override {
    { std::lock_guard lock(worker.mutex_); }
    worker.work_.notify_all();
  }
  WorkerRank& worker;
  std::uint32_t thread;
};

bool WorkerRank::ByPriority::operator()(const JobPtr& a, const JobPtr& b) const noexcept {
  return a->priority > b->priority;  // std heap: the front is the smallest priority
}

std::map<std::string, double> parse_resources(const std::string& text) {
  std::map<std::string, double> resources;
  std::size_t begin = 0;
  while (begin < text.size()) {
    auto end = text.find(',', begin);
    if (end == std::string::npos) end = text.size();
    auto item = text.substr(begin, end - begin);
    auto equals = item.find('=');
    if (equals != std::string::npos)
      resources[item.substr(0, equals)] = std::stod(item.substr(equals + 1));
    begin = end + 1;
  }
  return resources;
}

WorkerRank::WorkerRank(Link& transport, std::uint32_t threads,
                       std::map<std::string, double> resources, StoreLimits limits,
                       std::function<void()> on_thread_start)
    : transport_(transport),
      store_(std::move(limits)),
      rank_(transport.rank()),
      resources_(std::move(resources)),
      on_thread_start_(std::move(on_thread_start)),
      available_(resources_) {
  if (store_.limits().memory_limit != 0) {
    // Freed blocks kept for reuse are memory too, which no result accounts for.
    set_buffer_cache_limit(store_.limits().memory_limit / 8);
    try {
      store_.open_spill_directory();
    } catch (const IoError& error) {
      throw IoError(std::string(error.what()) +
                    " (results spill there above the worker_memory_limit: set spill_directory, "
                    "TESSERA_SPILL_DIRECTORY, to a writable directory with free space)");
    }
  }
  for (std::uint32_t t = 0; t < threads; ++t) {
    threads_.emplace_back([this, t, alone = threads == 1] { thread_main(t, alone); });
  }
  post(transport_, 0,
       Hello{threads, {resources_.begin(), resources_.end()}, store_.limits().memory_limit});
}

WorkerRank::~WorkerRank() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

bool WorkerRank::on_message(int source, Kind kind, WireReader& in) {
  if (kind == Kind::assign) {
    Assign::read_into(in, assign_);
    assign(assign_);
    return true;
  }
  // Whatever else comes sees the tasks assigned before it.
  enlist_assigned();
  switch (kind) {
    case Kind::fetch:
      serve(source, Fetch::read(in));
      return true;
    case Kind::steal:
      steal(Steal::read(in));
      return true;
    case Kind::drop:
      for (auto key : Drop::read(in).keys) drop(key);
      return true;
    case Kind::pin: {
      const auto message = Pin::read(in);
      std::lock_guard lock(mutex_);
      for (auto key : message.keys) {
        if (unstarted_.contains(key) || running_.contains(key)) pinned_.insert(key);
      }
      return true;
    }
    case Kind::moved: {
      // The holder the fetch went to was lost; the result is made again there (maybe here).
      const auto message = Moved::read(in);
      if (!waiting_for_.contains(message.key)) return true;
      if (message.holder <= 0) {  // nobody can make it again (scattered data)
        on_data(rank_, message.key, error_frames("it was lost with its worker"));
        return true;
      }
      if (store_.limits().memory_limit != 0) fetching_.insert(message.key);
      post(transport_, message.holder, Fetch{{message.key}, true});
      return true;
    }
    case Kind::replicate: {
      auto message = Replicate::read(in);
      for (auto key : message.keys) replicating_.insert(key);
      post(transport_, message.holder, Fetch{std::move(message.keys)});
      return true;
    }
    case Kind::forget: {
      const auto message = Forget::read(in);
      {
        std::lock_guard lock(mutex_);
        for (auto key : message.keys) forget_kept_copy(key);
      }
      for (auto key : message.keys) store_.erase(key);
      report_memory();
      return true;
    }
    case Kind::store: {
      const auto message = StoreData::read(in);
      // Held until the scheduler is told, which must hear of it before it could be dropped.
      auto value = std::make_shared<const Value>(Value::decode(literal_frames(message.literal)));
      store_.put(message.key, value);
      post(transport_, 0, Stored{message.key});
      value.reset();
      report_memory();
      return true;
    }
    case Kind::shutdown:
      Shutdown::read(in);
      shutdown_ = true;
      {
        std::lock_guard lock(mutex_);
        stopping_ = true;
      }
      work_.notify_all();
      return true;
    case Kind::exit:
      Exit::read(in);
      exited_ = true;
      return true;
    default:
      return false;
  }
}

void WorkerRank::assign(const Assign& message) {
  auto job = std::make_shared<Job>();
  job->key = message.key;
  job->priority = message.priority;
  TaskSpec& spec = spec_;  // reused: its vectors keep their memory
  WireReader spec_in(message.spec, "task spec");
  read_task(spec_in, job->key.run, spec);
  job->name = spec.key;
  job->retries = spec.retries;
  for (auto [name, amount] : spec.resources) job->resources.emplace_back(name, amount);
  try {
    // The registry (a lock and an ordered map) is asked once per function: registered
    // functions stay for the life of the process.
    auto known = functions_.find(spec.function);
    if (known == functions_.end()) {
      known = functions_.emplace(std::string(spec.function), &find_function(spec.function)).first;
    }
    job->function = known->second;
  } catch (const std::exception& error) {
    job->failure = Failure{job->name, "worker rank " + std::to_string(rank_),
                           "tessera::RegistryError", error.what()};
  }
  job->arg_count = static_cast<std::uint32_t>(spec.args.size());
  for (std::uint32_t a = 0; a < job->arg_count; ++a) {
    const auto& arg = spec.args[a];
    if (arg.kind != ArgKind::literal) continue;
    try {
      read_literal_frames(arg.literal, literal_);
      job->literals.emplace_back(a, Value::decode(literal_));
    } catch (const std::exception& error) {
      job->literals.emplace_back(a, Value());
      job->failure = Failure{job->name, "worker rank " + std::to_string(rank_),
                             "tessera::SerializationError", error.what()};
    }
  }
  const auto inputs = static_cast<std::uint32_t>(message.inputs.size());
  job->inputs.resize(inputs);
  for (std::size_t i = 0, next = 0; i < inputs; ++i) {
    auto& input = job->inputs[i];
    input.key = message.inputs[i];
    input.holder = message.holders[i];
    while (next < message.pending.size() && message.pending[next] < i) ++next;  // ascending
    input.pending = next < message.pending.size() && message.pending[next] == i;
  }
  for (auto i : message.keep) job->inputs[i].keep = true;
  assigned_.push_back(std::move(job));
  // A few at a time, so that task threads start while a long batch is still being read.
  if (assigned_.size() >= 64) enlist_assigned();
}

void WorkerRank::enlist_assigned() {
  if (assigned_.empty()) return;
  // Swapped with a scratch vector, so that both keep their memory (on_data below enlists too).
  std::vector<JobPtr>& jobs = enlisting_;
  jobs.clear();
  jobs.swap(assigned_);
  std::unordered_map<int, std::vector<DataKey>> requests;
  std::unordered_map<int, std::vector<DataKey>> awaited;  // pending inputs made elsewhere
  bool any_ready = false;
  {
    // One lock for all of them (each would be a chance to collide with a task thread). It is
    // the lock that drop_borrowed erases under: a copy fetched for other tasks is counted as
    // borrowed by these too, so that it stays until they have run (inputs are read from the
    // store when a task starts).
    std::lock_guard lock(mutex_);
    for (auto& job : jobs) {
      // `missing` counts inputs not here yet: task threads (finished_here) and on_data count
      // it down under mutex_, and whoever takes it to zero makes the job ready.
      for (auto& input : job->inputs) {
        const auto key = input.key;
        if (auto found = borrowed_.find(key); found != borrowed_.end()) {
          ++found->second;
          input.arrived = input.borrowed = true;
          continue;
        }
        if (store_.contains(key)) {
          input.arrived = true;
          continue;
        }
        const bool here = input.holder == rank_;
        if (input.pending && here && (unstarted_.contains(key) || running_.contains(key))) {
          ++job->missing;
          local_waiters_[key].push_back(job);  // made here, by a job assigned before this one
          continue;
        }
        if (input.pending && here) {  // it failed here already
          if (!job->failure) {
            job->failure =
                Failure{job->name, "worker rank " + std::to_string(rank_), "tessera::Error",
                        "its input (run " + std::to_string(key.run) + ", task " +
                            std::to_string(key.task) + ") failed"};
          }
          continue;
        }
        ++job->missing;
        auto& waiters = waiting_for_[key];
        if (waiters.empty()) (input.pending ? awaited : requests)[input.holder].push_back(key);
        if (input.keep) may_keep_.insert(key);
        waiters.emplace_back(job, static_cast<std::uint32_t>(&input - job->inputs.data()));
      }
      unstarted_.emplace(job->key, job.get());
      publish_unstarted();
      if (job->missing == 0) {
        push_ready(std::move(job));
        any_ready = true;
      }
    }
    any_ready = any_ready && sleepers_ > 0;
  }
  jobs.clear();
  if (any_ready) work_.notify_all();
  // Otherwise on_data or finished_here makes a job ready once its inputs are all here (or lost).
  for (auto& [holder, keys] : requests) {
    if (holder <= 0 || holder == rank_) {  // lost: nobody holds it
      std::string message = "its input was lost (no worker holds it)";
      for (auto key : keys) on_data(rank_, key, error_frames(message));
      continue;
    }
    if (store_.limits().memory_limit != 0) {
      for (auto key : keys) fetch_queue_.emplace_back(holder, key);
      continue;
    }
    post(transport_, holder, Fetch{std::move(keys)});
  }
  for (auto& [holder, keys] : awaited) post(transport_, holder, Fetch{std::move(keys), true});
  start_fetches();
}

void WorkerRank::drop(DataKey key) {
  std::lock_guard lock(mutex_);
  auto found = unstarted_.find(key);
  if (found == unstarted_.end()) return;
  Job& job = *found->second;
  job.dropped = true;
  // Still waiting for inputs, which may never come now (a task assigned ahead, whose inputs
  // were cancelled too): the scheduler hears of it now, not when they come.
  if (job.missing > 0 && !job.reported) {
    job.reported = true;
    report_failure(job,
                   Failure{job.name, "worker rank " + std::to_string(rank_),
                           "tessera::CancelledError", "dropped before it started", true},
                   0.0, 0.0, 0);
  }
}

// Under a memory limit, a few inputs at a time come over (each holder reads them back from
// disk to send them, and they arrive whole): asked for all at once, the inputs of every queued
// task would be in memory on both sides long before those tasks run.
void WorkerRank::start_fetches() {
  const std::size_t most = 2 * std::max<std::size_t>(1, threads_.size());
  std::unordered_map<int, std::vector<DataKey>> requests;
  while (!fetch_queue_.empty() && fetching_.size() < most) {
    const auto [holder, key] = fetch_queue_.front();
    fetch_queue_.pop_front();
    if (!waiting_for_.contains(key) || !fetching_.insert(key).second) continue;
    requests[holder].push_back(key);
  }
  for (auto& [holder, keys] : requests) post(transport_, holder, Fetch{std::move(keys)});
}

bool WorkerRank::on_data(int source, DataKey key, const Frames& frames) {
  enlist_assigned();
  if (fetching_.erase(key) != 0) start_fetches();
  const bool replica = !replicating_.empty() && replicating_.erase(key) != 0;
  const bool may_keep = !may_keep_.empty() && may_keep_.erase(key) != 0;
  auto found = waiting_for_.find(key);
  if (found == waiting_for_.end()) {
    if (replica) keep_replica(key, frames);
    return replica;
  }
  if (source >= 0 && source != rank_) {
    if (received_.size() <= static_cast<std::size_t>(source)) received_.resize(source + 1);
    auto& from = received_[static_cast<std::size_t>(source)];
    from.source = source;
    from.bytes += frames.total_bytes();
    ++from.count;
  }
  auto jobs = std::move(found->second);
  waiting_for_.erase(found);
  std::string error;
  std::optional<Failure> cause;
  std::shared_ptr<const Value> value;
  const std::size_t limit = store_.limits().memory_limit;
  if (is_error_frames(frames, error)) {
    cause = failure_in_error_frames(frames);  // the holder's reason, and its task's failure
  } else if (limit != 0 && frames.total_bytes() > limit) {
    error = "it is " + std::to_string(frames.total_bytes()) + " bytes, more than worker rank " +
            std::to_string(rank_) + "'s memory limit of " + std::to_string(limit) +
            " bytes (worker_memory_limit)";
  } else {
    try {
      value = std::make_shared<const Value>(Value::decode(frames));
    } catch (const std::bad_alloc&) {
      error = "out of memory reading its " + std::to_string(frames.total_bytes()) + " bytes";
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  // A result of this worker's own (made here again after its first holder was lost, and
  // fetched from itself), one handed over by a retiring worker, or a copy it may keep within
  // its worker_replica_memory: it stays kept, not borrowed, or the jobs' end would drop it.
  const bool own = value && source == rank_ && store_.contains(key);
  bool kept = own || (value && replica);
  if (value && !own) {
    std::lock_guard lock(mutex_);
    const std::size_t bytes = frames.total_bytes();
    if (!kept && may_keep && kept_copy_bytes_ + bytes <= store_.limits().replica_memory) {
      kept = kept_copies_.emplace(key, bytes).second;
      if (kept) kept_copy_bytes_ += bytes;
    }
    if (!kept) borrowed_[key] += static_cast<std::uint32_t>(jobs.size());
  }
  if (value && !own) store_.put(key, value);
  value.reset();  // the store may spill it until its task runs
  // A replica: the scheduler hears that it is kept here.
  if (kept && !own) post(transport_, 0, Stored{key});
  bool any_ready = false;
  {
    std::lock_guard lock(mutex_);  // task threads count `missing` down too (finished_here)
    for (auto& [job, i] : jobs) {
      job->inputs[i].arrived = true;
      if (error.empty()) {
        job->inputs[i].borrowed = !kept;
      } else if (!job->failure) {
        // The input's own failure, where its task failed: reported as this task's, as a task
        // waiting on a failed future reports that one (run_job).
        job->failure =
            cause ? *cause
                  : Failure{job->name, "worker rank " + std::to_string(rank_), "tessera::Error",
                            "could not fetch its input (run " + std::to_string(key.run) +
                                ", task " + std::to_string(key.task) + ") from worker rank " +
                                std::to_string(source) + ": " + error};
      }
      if (--job->missing == 0) {
        push_ready(job);
        any_ready = true;
      }
    }
  }
  if (any_ready) work_.notify_all();
  report_memory();
  return true;
}

// A result of a retiring worker, kept here for good: the scheduler hears it is here.
void WorkerRank::keep_replica(DataKey key, const Frames& frames) {
  std::string error;
  if (is_error_frames(frames, error)) return;  // the scheduler makes it again if need be
  std::shared_ptr<const Value> value;
  try {
    value = std::make_shared<const Value>(Value::decode(frames));
  } catch (const std::exception&) {
    return;
  }
  {
    // Borrowed here already, for a job: kept now, so the job's end must not drop it. Before
    // the put: a job that ends in between would otherwise erase the copy just kept.
    std::lock_guard lock(mutex_);
    borrowed_.erase(key);
  }
  store_.put(key, std::move(value));
  post(transport_, 0, Stored{key});
  report_memory();
}

void WorkerRank::forget_kept_copy(DataKey key) {
  // Called with mutex_ held.
  if (kept_copies_.empty()) return;
  if (auto found = kept_copies_.find(key); found != kept_copies_.end()) {
    kept_copy_bytes_ -= found->second;
    kept_copies_.erase(found);
  }
}

void WorkerRank::set_lifetime(double seconds) {
  retire_at_ = seconds > 0 ? wall_time() + seconds : 0;
}

void WorkerRank::serve(int source, const Fetch& message) {
  for (const auto key : message.keys) {
    if (message.wait) {
      // A task assigned ahead elsewhere asks for a result still being made here, or by a
      // task whose assignment is still on its way from the scheduler: the thread that makes
      // it answers (finished_here).
      std::lock_guard lock(mutex_);
      const bool known_failure = failed_here_.contains(key);
      if (unstarted_.contains(key) || running_.contains(key) ||
          (!known_failure && !store_.contains(key))) {
        parked_fetches_[key].push_back(source);
        continue;
      }
    }
    send_result(source, key);
  }
}

void WorkerRank::send_result(int source, DataKey key) {
  std::shared_ptr<const Value> value;
  try {
    value = store_.get(key);
  } catch (const std::exception& error) {  // dropped, or its spill file cannot be read
    transport_.send_data(source, key, error_frames(error.what()), nullptr);
    return;
  }
  if (!value) {
    std::shared_ptr<const Failure> failure;
    const bool failed_here = [&] {
      std::lock_guard lock(mutex_);
      auto found = failed_here_.find(key);
      if (found == failed_here_.end()) return false;
      failure = found->second;
      return true;
    }();
    transport_.send_data(source, key,
                         failed_here ? failed_reply(failure.get())
                                     : error_frames("worker rank " + std::to_string(rank_) +
                                                    " does not hold it (forgotten or lost)"),
                         nullptr);
    return;
  }
  try {
    transport_.send_data(source, key, value->serialize(), value);
  } catch (const std::exception& error) {
    transport_.send_data(source, key, error_frames(error.what()), nullptr);
  }
}

void WorkerRank::steal(const Steal& message) {
  const auto wanted = message.count;
  std::vector<DataKey> taken;
  {
    std::lock_guard lock(mutex_);
    // The least urgent jobs go: sort the heap by priority and take from the back.
    std::sort_heap(ready_.begin(), ready_.end(), ByPriority{});  // ascending "greater": best last
    std::reverse(ready_.begin(), ready_.end());                  // best first
    // Jobs whose results other jobs wait for stay: those were told to find them here.
    std::vector<JobPtr> kept;
    while (taken.size() < wanted && ready_.size() + kept.size() > 1 && !ready_.empty()) {
      auto job = std::move(ready_.back());
      ready_.pop_back();
      if (local_waiters_.contains(job->key) || pinned_.contains(job->key)) {
        kept.push_back(std::move(job));
        continue;
      }
      taken.push_back(job->key);
      unstarted_.erase(job->key);
      publish_unstarted();
      drop_borrowed(*job);
    }
    for (auto& job : kept) ready_.push_back(std::move(job));
    std::make_heap(ready_.begin(), ready_.end(), ByPriority{});
    publish_ready();
  }
  post(transport_, 0, Stolen{std::move(taken)});
}

void WorkerRank::make_ready(JobPtr job) {
  bool sleeping = false;
  {
    std::lock_guard lock(mutex_);
    push_ready(std::move(job));
    sleeping = sleepers_ > 0;
  }
  if (sleeping) work_.notify_one();  // a spinning thread finds it without a wake-up
}

void WorkerRank::push_ready(JobPtr job) {
  ready_.push_back(std::move(job));
  std::push_heap(ready_.begin(), ready_.end(), ByPriority{});
  publish_ready();
}

Frames WorkerRank::failed_reply(const Failure* failure) const {
  const std::string message =
      "its task failed on worker rank " + std::to_string(rank_) + " (see that task's error)";
  return failure ? failed_task_frames(message, *failure) : error_frames(message);
}

bool WorkerRank::finished_here(DataKey key, bool failed, const Failure* failure) {
  running_.erase(key);
  // Most of what follows is empty between tiny tasks: no hashing then.
  if (!pinned_.empty()) pinned_.erase(key);
  // Fetched here before for other jobs, then made here again: kept now, not borrowed.
  if (!borrowed_.empty()) borrowed_.erase(key);
  if (failed) {
    constexpr std::size_t remembered = 65536;   // a waiting fetch comes within milliseconds
    constexpr std::size_t with_failure = 1024;  // the newest keep how they failed, too
    auto kept = failure ? std::make_shared<const Failure>(*failure) : nullptr;
    if (failed_here_.insert_or_assign(key, std::move(kept)).second) failed_order_.push_back(key);
    if (failed_order_.size() > with_failure) {
      auto older = failed_here_.find(failed_order_[failed_order_.size() - 1 - with_failure]);
      if (older != failed_here_.end()) older->second.reset();
    }
    if (failed_order_.size() > remembered) {
      failed_here_.erase(failed_order_.front());
      failed_order_.pop_front();
    }
  }
  if (auto parked = parked_fetches_.empty() ? parked_fetches_.end() : parked_fetches_.find(key);
      parked != parked_fetches_.end()) {
    for (int rank : parked->second) {
      if (failed) {
        transport_.send_data(rank, key, failed_reply(failure), nullptr);
      } else {
        send_result(rank, key);
      }
    }
    answered_fetch_ = true;
    parked_fetches_.erase(parked);
  }
  if (local_waiters_.empty()) return false;
  auto found = local_waiters_.find(key);
  if (found == local_waiters_.end()) return false;
  auto jobs = std::move(found->second);
  local_waiters_.erase(found);
  bool any = false;
  for (auto& job : jobs) {
    if (failed && !job->failure) {
      // The scheduler hears of the input's failure first and fails this task for it; this
      // report only accounts for the job.
      job->failure = Failure{job->name, "worker rank " + std::to_string(rank_), "tessera::Error",
                             "its input (run " + std::to_string(key.run) + ", task " +
                                 std::to_string(key.task) + ") failed"};
    }
    if (--job->missing == 0) {
      push_ready(std::move(job));
      any = true;
    }
  }
  return any;
}

// Waits on work_ until notified or `until`; false on timeout. Called with mutex_ held.
bool WorkerRank::sleep_until(std::unique_lock<std::mutex>& lock, Clock::time_point until) {
  ++sleepers_;
  bool woken = true;
  if (until == Clock::time_point::max()) {
    work_.wait(lock);
  } else {
    woken = work_.wait_until(lock, until) == std::cv_status::no_timeout;
  }
  --sleepers_;
  return woken;
}

void WorkerRank::thread_main(std::uint32_t thread, bool alone) {
  name_this_thread("tessera-task-" + std::to_string(thread));
  set_current_worker_name("worker rank " + std::to_string(rank_) + " thread " +
                          std::to_string(thread));
  ThreadHelper helper(*this, thread);
  current_helper() = &helper;
  if (on_thread_start_) on_thread_start_();
  // Between tiny tasks a thread looks again a few times before it sleeps: a wake-up per task
  // (a futex call and a context switch) would cost more than the task. Where the link allows
  // it, it looks by running turns of the loop itself, so that a result or task it waits for
  // is taken in here (the loop thread then sleeps); else it yields and looks at the queue,
  // without the lock, which stays free for the loop thread that adds jobs. A worker's only
  // thread does not yield: it would take turns from that loop thread, often on the same core.
  constexpr int turns_before_sleep = 64;
  const int looks_before_sleep = alone ? 0 : 64;
  bool helping = false;
  auto stop_helping = [&](std::unique_lock<std::mutex>& held) {
    if (!helping) return;
    helping = false;
    held.unlock();
    transport_.set_helping(false);
    held.lock();
  };
  constexpr auto turn_interval = std::chrono::microseconds(100);
  auto last_turn = Clock::now();
  int idle = 0;
  std::unique_lock lock(mutex_);
  for (;;) {
    if (stopping_) {
      stop_helping(lock);
      return;
    }
    Link::Handler* handler = progress_handler_.load(std::memory_order_acquire);
    if (!ready_.empty()) {
      if (handler && !helping) {  // woken for it: this thread now turns the loop after it
        transport_.set_helping(true);
        helping = true;
      }
      run_next(lock, thread);
      idle = 0;
      // Between tasks that follow one another, a turn now and then: what they reported goes
      // out, and what came in (tasks to keep the queue filled) is taken in. At once when a
      // worker waits for the result just made.
      if (helping && (answered_fetch_ || Clock::now() - last_turn >= turn_interval)) {
        answered_fetch_ = false;
        lock.unlock();
        help_progress(*handler);
        last_turn = Clock::now();
        lock.lock();
      }
    } else if (handler && idle < turns_before_sleep &&
               !helper_failed_.load(std::memory_order_relaxed)) {
      lock.unlock();
      if (!helping) {
        transport_.set_helping(true);
        helping = true;
      }
      const bool busy = help_progress(*handler);
      last_turn = Clock::now();
      idle = busy ? 0 : idle + 1;
      if (!busy && ready_count_.load(std::memory_order_relaxed) == 0) std::this_thread::yield();
      lock.lock();
    } else if (!handler && idle < looks_before_sleep) {
      lock.unlock();
      while (++idle < looks_before_sleep && ready_count_.load(std::memory_order_relaxed) == 0) {
        std::this_thread::yield();
      }
      lock.lock();
    } else if (helping) {
      stop_helping(lock);  // then looks at the queue once more before it sleeps
    } else {
      sleep_until(lock, Clock::time_point::max());
      idle = 0;
    }
  }
}

bool WorkerRank::help_progress(Link::Handler& handler) {
  try {
    return transport_.progress_here(handler);
  } catch (...) {
    {
      std::lock_guard lock(helper_error_mutex_);
      if (!helper_error_) helper_error_ = std::current_exception();
    }
    helper_failed_.store(true, std::memory_order_release);
    transport_.wake();
    return false;
  }
}

void WorkerRank::help_with(Link::Handler& handler) {
  if (!transport_.takes_helpers()) return;
  {
    std::lock_guard lock(mutex_);
    progress_handler_.store(&handler, std::memory_order_release);
  }
  work_.notify_all();  // sleeping threads look for work with it now
}

bool WorkerRank::on_helper_turn() {
  enlist_assigned();
  return false;
}

bool WorkerRank::help_until(const std::function<bool()>& pred, Clock::time_point deadline,
                            std::uint32_t thread) {
  const char* waiting_task = running_task();
  // A task waiting for a result turns no loop: the loop thread polls for it meanwhile.
  struct NotHelping {
    Link& link;
    bool was = link.set_helping(false);
    ~NotHelping() { link.set_helping(was); }
  } not_helping{transport_};
  std::unique_lock lock(mutex_);
  for (;;) {
    lock.unlock();
    const bool reached = pred();
    lock.lock();
    if (reached) break;
    if (!ready_.empty() && !stopping_) {
      run_next(lock, thread);
      continue;
    }
    // Woken by wake_all() when what pred() waits for happens; the timeout is a safety net.
    const auto until = std::min(deadline, Clock::now() + std::chrono::milliseconds(10));
    if (!sleep_until(lock, until) && Clock::now() >= deadline) {
      lock.unlock();
      set_running_task(waiting_task);
      return pred();
    }
  }
  lock.unlock();
  set_running_task(waiting_task);
  return true;
}

// Takes the most urgent ready job and runs it; called with mutex_ held, returns with it held.
void WorkerRank::run_next(std::unique_lock<std::mutex>& lock, std::uint32_t thread) {
  std::pop_heap(ready_.begin(), ready_.end(), ByPriority{});
  JobPtr job = std::move(ready_.back());
  ready_.pop_back();
  publish_ready();
  if (job->dropped) {
    unstarted_.erase(job->key);
    publish_unstarted();
    drop_borrowed(*job);
    const bool reported = job->reported;
    lock.unlock();
    if (!reported) {
      report_failure(*job,
                     Failure{job->name, "worker rank " + std::to_string(rank_),
                             "tessera::CancelledError", "dropped before it started", true},
                     0.0, 0.0, thread);
    }
    lock.lock();
    if (finished_here(job->key, true)) work_.notify_all();
    return;
  }
  bool fits = true;
  for (const auto& [name, amount] : job->resources) fits = fits && available_[name] >= amount;
  if (!fits) {
    blocked_.push_back(std::move(job));
    return;
  }
  unstarted_.erase(job->key);
  publish_unstarted();
  running_.insert(job->key);
  for (const auto& [name, amount] : job->resources) available_[name] -= amount;
  lock.unlock();
  const bool made = run_job(*job, thread);
  lock.lock();
  // Its dependents assigned here start now, most likely on this very thread.
  if (finished_here(job->key, !made, job->failure ? &*job->failure : nullptr) && sleepers_ > 0) {
    work_.notify_all();
  }
  if (!job->resources.empty()) {
    for (const auto& [name, amount] : job->resources) available_[name] += amount;
    for (auto& blocked : blocked_) {
      ready_.push_back(std::move(blocked));
      std::push_heap(ready_.begin(), ready_.end(), ByPriority{});
    }
    blocked_.clear();
    publish_ready();
    work_.notify_all();
  }
  drop_borrowed(*job);
  job.reset();  // its inputs may spill now
  if (store_.limits().memory_limit != 0) {
    lock.unlock();
    report_memory();
    lock.lock();
  }
}

void WorkerRank::drop_borrowed(const Job& job) {
  // Called with mutex_ held.
  for (const auto& input : job.inputs) {
    if (!input.borrowed) continue;
    auto found = borrowed_.find(input.key);
    if (found != borrowed_.end() && --found->second == 0) {
      borrowed_.erase(found);
      // Unless it is being made here again (its first holder was lost): that result stays.
      if (!running_.contains(input.key)) store_.erase(input.key);
    }
  }
}

// The inputs of a job about to run, from the store (read back from disk if they spilled).
std::optional<Failure> WorkerRank::take_inputs(const Job& job,
                                               std::span<std::shared_ptr<const Value>> inputs) {
  // Messages are made only when something is wrong: this runs before every task.
  auto failure = [&](const DataKey& key, const char* type, const std::string& what) {
    const std::string where = "worker rank " + std::to_string(rank_);
    return Failure{job.name, where, type,
                   "its input (run " + std::to_string(key.run) + ", task " +
                       std::to_string(key.task) + ")" + what};
  };
  for (std::size_t i = 0; i < job.inputs.size(); ++i) {
    const DataKey key = job.inputs[i].key;
    try {
      auto value = store_.get(key);
      if (!value) {
        return failure(
            key, "tessera::Error",
            " is no longer held on worker rank " + std::to_string(rank_) + " (forgotten or lost)");
      }
      inputs[i] = std::move(value);
    } catch (const IoError& error) {
      return failure(key, "tessera::IoError", std::string(": ") + error.what());
    } catch (const std::bad_alloc&) {
      return failure(key, "std::bad_alloc", " could not be read back: out of memory");
    }
  }
  return std::nullopt;
}

bool WorkerRank::run_job(Job& job, std::uint32_t thread) {
  const double start = wall_time();
  // Reported, and kept for the workers waiting for its result (finished_here).
  auto fail = [&](Failure failure, double stop) {
    job.failure = std::move(failure);
    report_failure(job, *job.failure, start, stop, thread);
    return false;
  };
  if (job.failure) {
    report_failure(job, *job.failure, start, wall_time(), thread);
    return false;
  }
  // Tasks of a few arguments (most) need no allocation for them.
  constexpr std::size_t few = 8;
  std::array<std::shared_ptr<const Value>, few> few_inputs;
  std::vector<std::shared_ptr<const Value>> many_inputs;
  if (job.inputs.size() > few) many_inputs.resize(job.inputs.size());
  const std::span<std::shared_ptr<const Value>> inputs =
      job.inputs.size() > few ? std::span(many_inputs)
                              : std::span(few_inputs).first(job.inputs.size());
  if (auto failure = take_inputs(job, inputs)) return fail(std::move(*failure), wall_time());
  std::array<const Value*, few> few_args;
  std::vector<const Value*> many_args;
  if (job.arg_count > few) many_args.resize(job.arg_count);
  const std::span<const Value*> args =
      job.arg_count > few ? std::span(many_args) : std::span(few_args).first(job.arg_count);
  std::size_t literal = 0;
  std::size_t input = 0;
  for (std::size_t a = 0; a < args.size(); ++a) {
    const bool is_literal = literal < job.literals.size() && job.literals[literal].first == a;
    args[a] = is_literal ? &job.literals[literal++].second : inputs[input++].get();
  }
  // Where it ran, for failures only (no string per task).
  auto where = [&] {
    return "worker rank " + std::to_string(rank_) + " thread " + std::to_string(thread);
  };
  if (auto problem = argument_problem(*job.function, args.data(), args.size()); !problem.empty()) {
    return fail(Failure{job.name, where(), "tessera::TypeError", std::move(problem)}, wall_time());
  }
  const std::size_t limit = store_.limits().memory_limit;
  set_running_task(job.name.c_str());
  for (int attempt = 0;; ++attempt) {
    try {
      Value result = job.function->invoke(job.function->callable, args.data());
      set_running_task(nullptr);
      const double stop = wall_time();
      const auto bytes = result.bytes();
      if (limit != 0 && bytes > limit) {
        return fail(
            Failure{job.name, where(), "tessera::Error",
                    "its result is " + std::to_string(bytes) +
                        " bytes, more than the worker's memory limit of " + std::to_string(limit) +
                        " bytes (worker_memory_limit): make smaller chunks or raise "
                        "the limit"},
            stop);
      }
      // Held until the scheduler is told: the store must not drop it before that.
      auto value = std::make_shared<const Value>(std::move(result));
      store_.put(job.key, value);
      post(transport_, 0, Completed{job.key, start, stop, thread, bytes, std::nullopt});
      value.reset();
      for (auto& held : inputs) held.reset();
      report_memory();
      return true;
    } catch (...) {
      set_running_task(nullptr);
      if (attempt < job.retries) {
        log_event("retries", "task '" + job.name + "' failed, retry " +
                                 std::to_string(attempt + 1) + " of " +
                                 std::to_string(job.retries));
        continue;
      }
      Failure failure{job.name, where(), "unknown exception", ""};
      try {
        throw;
      } catch (const TaskError& error) {  // it waited on a failed task: report that one
        failure =
            Failure{error.key(), error.worker(), error.original_type(), error.original_message()};
      } catch (const std::bad_alloc&) {
        failure.type = "std::bad_alloc";
        failure.message = "out of memory running it (worker_memory_limit " + std::to_string(limit) +
                          " bytes, 0 = none)";
      } catch (const std::exception& error) {
        failure.type = demangle(typeid(error).name());
        failure.message = error.what();
      } catch (...) {
      }
      return fail(std::move(failure), wall_time());
    }
  }
}

void WorkerRank::report_failure(const Job& job, const Failure& failure, double start, double stop,
                                std::uint32_t thread) {
  post(transport_, 0, Completed{job.key, start, stop, thread, 0, failure});
}

void WorkerRank::report_memory() {
  if (store_.limits().memory_limit == 0) return;
  std::lock_guard report(report_mutex_);
  if (store_.over_target()) {
    try {
      store_.trim();  // results in use when they were put may be free now
    } catch (const std::exception& error) {
      log_event("memory", error.what());
    }
  }
  report_lost();
  const bool paused = store_.paused();
  const auto spilled = store_.spill_count();
  const bool newly_spilled = spilled > reported_spills_;
  reported_spills_ = spilled;
  if (newly_spilled) {
    log_event("memory", "worker rank " + std::to_string(rank_) + " has spilled " +
                            std::to_string(spilled) + " results to disk (" +
                            std::to_string(store_.spilled_bytes()) + " bytes on disk now)");
  }
  if (paused == reported_paused_) return;
  reported_paused_ = paused;
  log_event("memory", std::string("worker rank ") + std::to_string(rank_) +
                          (paused ? " paused: " : " resumed: ") +
                          std::to_string(store_.memory_bytes()) + " bytes in memory");
  post(transport_, 0, Status{paused});
}

void WorkerRank::report_metrics() {
  WorkerMetrics metrics;
  metrics.memory_bytes = store_.memory_bytes();
  metrics.memory_limit = store_.limits().memory_limit;
  metrics.spilled_bytes = store_.spilled_bytes();
  metrics.spilled_total = store_.spill_count();
  for (const auto& from : received_) {
    if (from.count > 0) metrics.received.push_back(from);
  }
  post(transport_, 0, metrics);
}

// Results the store dropped because they could not be spilled: the scheduler fails them and
// what needs them. Inputs fetched from other workers are not this worker's to report: the
// tasks that wait for them fail when they run.
void WorkerRank::report_lost() {
  auto lost = store_.take_lost();
  if (lost.empty()) return;
  log_event("memory", "worker rank " + std::to_string(rank_) + " dropped " +
                          std::to_string(lost.size()) + " results: " + lost.front().message);
  {
    std::lock_guard lock(mutex_);
    std::erase_if(lost, [&](const LostResult& item) { return borrowed_.contains(item.key); });
    for (const auto& item : lost) forget_kept_copy(item.key);
  }
  if (lost.empty()) return;
  const std::string where = "worker rank " + std::to_string(rank_);
  for (const auto& item : lost) {
    post(transport_, 0, Lost{item.key, Failure{"", where, "tessera::IoError", item.message}});
  }
}

bool WorkerRank::on_turn() {
  if (helper_failed_.load(std::memory_order_acquire)) {
    std::lock_guard lock(helper_error_mutex_);
    if (helper_error_) std::rethrow_exception(std::exchange(helper_error_, nullptr));
  }
  enlist_assigned();
  // The clock is read every 16 turns: a busy loop turns every few microseconds, an idle one
  // sleeps at most 1 ms a turn.
  if (!urgent_retire_asked_ && retire_requested_.load(std::memory_order_relaxed)) {
    retire_asked_ = urgent_retire_asked_ = true;
    post(transport_, 0, Retire{true});
  }
  if ((heartbeat_interval_ > 0 || metrics_interval_ > 0 || retire_at_ > 0) && !said_goodbye_ &&
      ++turns_ % 16 == 0) {
    const double now = wall_time();
    if (retire_at_ > 0 && now >= retire_at_ && !retire_asked_) {
      retire_asked_ = true;
      log_event("elastic", "worker rank " + std::to_string(rank_) + ": its lifetime is over");
      post(transport_, 0, Retire{false});
    }
    if (heartbeat_interval_ > 0 && now - last_heartbeat_ >= heartbeat_interval_) {
      last_heartbeat_ = now;
      post(transport_, 0, Heartbeat{});
    }
    if (metrics_interval_ > 0 && now - last_metrics_ >= metrics_interval_) {
      last_metrics_ = now;
      report_metrics();
    }
  }
  // Memory held by sends in flight, or by tasks that ended, can be spilled now: a paused
  // worker looks again now and then, rather than waiting for a message that may not come.
  if (reported_paused_) {
    const double now = wall_time();
    if (now - last_memory_check_ > 5e-3) {
      last_memory_check_ = now;
      report_memory();
    }
  }
  if (shutdown_ && !said_goodbye_) {
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
    if (transport_.pending_sends() == 0) {
      said_goodbye_ = true;
      post(transport_, 0, Goodbye{});
      return true;
    }
  }
  return false;
}

}  // namespace tessera::detail
