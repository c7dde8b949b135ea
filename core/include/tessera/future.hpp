#pragma once
// Future<T>: a result that is being computed (or already is), with Dask's vocabulary:
// result, done, cancel, release; wait, as_completed, fire_and_forget.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "tessera/errors.hpp"
#include "tessera/key.hpp"
#include "tessera/value.hpp"

namespace tessera {

using Clock = std::chrono::steady_clock;

namespace detail {

/// Something that runs other work while this thread waits: a thread-pool worker helps
/// instead of blocking, so tasks that wait on tasks never deadlock the pool.
class Helper {
 public:
  virtual ~Helper() = default;
  /// Runs work until pred() holds or the deadline passes; returns pred().
  virtual bool help_until(const std::function<bool()>& pred, Clock::time_point deadline) = 0;
  /// Wakes the helpers parked in help_until so that they look at their predicates again.
  virtual void wake_all() = 0;
};

/// The helper of this thread (null outside pool workers).
Helper*& current_helper() noexcept;

/// Wakes one waiting thread, whether it blocks on a condition or helps in a pool.
struct Signal {
  explicit Signal(Helper* h) : helper(h) {}
  std::mutex mutex;
  std::condition_variable cv;
  Helper* helper;
  void notify();
};

/// Blocks (or helps) until pred() holds or the deadline passes; returns pred().
bool wait_until(const std::function<bool()>& pred, Clock::time_point deadline, Signal& signal);

/// What a future can ask of the computation that feeds it.
class TaskCanceller {
 public:
  virtual ~TaskCanceller() = default;
  /// The task will not start if it has not yet; its dependents are skipped. A `released`
  /// future's task still runs if other tasks need it.
  virtual void cancel_task(std::uint32_t task, bool released) noexcept = 0;
};

/// A result held elsewhere (on an MPI worker): fetched when first asked for, let go (on the
/// worker too) when the last reference goes.
class RemoteResult {
 public:
  virtual ~RemoteResult() = default;
  /// Brings the value here; throws (TaskError naming the key) if it cannot.
  virtual Value fetch() = 0;
  /// Starts bringing the value here without waiting, so that fetch() then waits less.
  virtual void prefetch() {}
};

/// The shared state behind Future handles.
class FutureState {
 public:
  enum class Status : std::uint8_t { pending, finished, error, cancelled };

  explicit FutureState(Key key) : key_(std::move(key)) {}
  FutureState(const FutureState&) = delete;
  FutureState& operator=(const FutureState&) = delete;

  const Key& key() const noexcept { return key_; }
  Status status() const noexcept { return status_.load(std::memory_order_acquire); }
  bool done() const noexcept { return status() != Status::pending; }

  /// The result; valid once status() is finished. A remote result is fetched on first use.
  const Value& value() const {
    if (remote_ && !fetched_.load(std::memory_order_acquire)) fetch_remote();
    return value_;
  }
  /// Starts bringing a remote result here as soon as it is finished (no wait); gathering
  /// many results then costs one round trip, not one per result.
  void prefetch();
  /// Where the result is (or will be) stored here, without fetching it.
  const Value* value_address() const noexcept { return &value_; }

  /// Makes this the future of a result held elsewhere; call before it completes.
  void set_remote(std::shared_ptr<RemoteResult> remote) { remote_ = std::move(remote); }
  RemoteResult* remote() const noexcept { return remote_.get(); }
  /// Completes a remote future: the result exists (where remote() says).
  void finish_remote();
  /// The error; valid once status() is error or cancelled.
  std::exception_ptr error() const noexcept { return error_; }

  /// Completes the future (first completion wins; later ones are ignored).
  void finish(Value value);
  void fail(std::exception_ptr error, Status status = Status::error);

  /// Runs `callback` once done: now if already done, else on the completing thread.
  void on_done(std::function<void()> callback);

  /// Waits (helping on pool threads) until done or the deadline; returns done().
  bool wait(Clock::time_point deadline = Clock::time_point::max());

  /// Connects the future to the task that computes it, so that cancel() reaches it.
  void attach(std::weak_ptr<TaskCanceller> owner, std::uint32_t task);

  /// Cancels: the future completes with CancelledError; returns false if it was done.
  /// `released`: nobody holds the future any more (its task runs only if others need it).
  bool cancel(bool released = false);

  /// Handles count user Future objects and computations that consume the result; the
  /// unstarted task of a future nobody holds is not run (unless fire-and-forget).
  void add_handle() noexcept { handles_.fetch_add(1, std::memory_order_relaxed); }
  void drop_handle();
  void keep_running() noexcept { keep_running_.store(true, std::memory_order_relaxed); }

 private:
  void complete(Status status);
  void fetch_remote() const;

  Key key_;
  std::atomic<Status> status_{Status::pending};
  std::atomic<bool> claimed_{false};
  std::atomic<int> handles_{0};
  std::atomic<bool> keep_running_{false};
  mutable Value value_;  // filled on first use for a remote result
  std::exception_ptr error_;
  std::mutex mutex_;
  std::condition_variable done_cv_;
  std::vector<std::function<void()>> callbacks_;
  std::weak_ptr<TaskCanceller> owner_;
  std::uint32_t task_ = 0;
  std::shared_ptr<RemoteResult> remote_;
  mutable std::atomic<bool> fetched_{false};
  mutable std::mutex fetch_mutex_;
};

using FutureStatePtr = std::shared_ptr<FutureState>;

/// A counted reference to a future's state, as a graph holds its inputs: while one lives,
/// the future counts as held (see FutureState::add_handle).
class FutureRef {
 public:
  explicit FutureRef(FutureStatePtr state) : state_(std::move(state)) {
    if (state_) state_->add_handle();
  }
  FutureRef(const FutureRef& other) : FutureRef(other.state_) {}
  FutureRef(FutureRef&& other) noexcept = default;
  FutureRef& operator=(FutureRef other) noexcept {
    std::swap(state_, other.state_);
    return *this;
  }
  ~FutureRef() {
    if (state_) state_->drop_handle();
  }
  const FutureStatePtr& state() const noexcept { return state_; }

 private:
  FutureStatePtr state_;
};

}  // namespace detail

/// A handle to a result being computed. Copies share the result. When the last handle to
/// a future that has not started goes (and no other task needs it), its task is not run.
template <class T>
class Future {
 public:
  using value_type = T;

  Future() = default;
  explicit Future(detail::FutureStatePtr state) : state_(std::move(state)) {
    if (state_) state_->add_handle();
  }
  Future(const Future& other) : Future(other.state_) {}
  Future(Future&& other) noexcept = default;
  Future& operator=(const Future& other) {
    if (this != &other) *this = Future(other);
    return *this;
  }
  Future& operator=(Future&& other) noexcept {
    if (this != &other) {
      release();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  ~Future() { release(); }

  bool valid() const noexcept { return state_ != nullptr; }
  const Key& key() const { return checked().key(); }
  bool done() const { return checked().done(); }
  /// "pending", "finished", "error" or "cancelled".
  const char* status() const {
    switch (checked().status()) {
      case detail::FutureState::Status::pending:
        return "pending";
      case detail::FutureState::Status::finished:
        return "finished";
      case detail::FutureState::Status::error:
        return "error";
      case detail::FutureState::Status::cancelled:
        return "cancelled";
    }
    return "unknown";
  }

  /// Waits for the result; rethrows the task's TaskError (or CancelledError).
  T result() const { return result_until(Clock::time_point::max()); }
  /// As result(), but throws TimeoutError if not done within `timeout`.
  template <class Rep, class Period>
  T result(std::chrono::duration<Rep, Period> timeout) const {
    return result_until(Clock::now() + std::chrono::duration_cast<Clock::duration>(timeout));
  }

  /// Waits and returns the error (null if the task succeeded).
  std::exception_ptr exception() const {
    checked().wait();
    return state_->error();
  }

  /// Cancels the task if it has not finished; result() then throws CancelledError.
  bool cancel() { return checked().cancel(); }

  /// Drops this handle; the future is invalid afterwards.
  void release() {
    if (state_) std::exchange(state_, nullptr)->drop_handle();
  }

  const detail::FutureStatePtr& state() const noexcept { return state_; }

 private:
  detail::FutureState& checked() const {
    if (!state_) throw Error("future: this Future is empty (released or default-constructed)");
    return *state_;
  }

  T result_until(Clock::time_point deadline) const {
    auto& state = checked();
    if (!state.wait(deadline)) {
      throw TimeoutError("future '" + state.key() + "': no result within the timeout");
    }
    if (state.status() != detail::FutureState::Status::finished) {
      std::rethrow_exception(state.error());
    }
    if constexpr (!std::is_void_v<T>) return state.value().template get<T>();
  }

  detail::FutureStatePtr state_;
};

/// Keeps the task of `future` running to completion even when no handle remains.
template <class T>
void fire_and_forget(const Future<T>& future) {
  if (future.valid()) future.state()->keep_running();
}

/// Which futures wait() waits for.
enum class ReturnWhen { all_completed, first_completed };

template <class T>
struct WaitResult {
  std::vector<Future<T>> done;
  std::vector<Future<T>> not_done;
};

namespace detail {
/// Waits until `needed` of the states are done or the deadline passes; true if reached.
bool wait_for_states(const std::vector<FutureState*>& states, std::size_t needed,
                     Clock::time_point deadline);
}  // namespace detail

/// Waits for all (or the first) of the futures. Throws TimeoutError if `timeout` passes
/// first. Errors of the tasks are not thrown here: look at each future.
template <class T>
WaitResult<T> wait(const std::vector<Future<T>>& futures,
                   std::optional<Clock::duration> timeout = std::nullopt,
                   ReturnWhen return_when = ReturnWhen::all_completed) {
  std::vector<detail::FutureState*> states;
  states.reserve(futures.size());
  for (const auto& f : futures) states.push_back(f.state().get());
  std::size_t needed =
      return_when == ReturnWhen::all_completed ? states.size() : (states.empty() ? 0 : 1);
  auto deadline = timeout ? Clock::now() + *timeout : Clock::time_point::max();
  if (!detail::wait_for_states(states, needed, deadline)) {
    throw TimeoutError("wait: " + std::to_string(needed) + " of " + std::to_string(states.size()) +
                       " futures were asked for, fewer finished within the timeout");
  }
  WaitResult<T> result;
  for (const auto& f : futures) (f.done() ? result.done : result.not_done).push_back(f);
  return result;
}

namespace detail {
/// The completion order of a set of futures, fed by their callbacks.
class CompletionQueue {
 public:
  void push(std::size_t index);
  std::optional<std::size_t> pop(Clock::time_point deadline);

 private:
  std::mutex mutex_;
  std::vector<std::size_t> ready_;
  std::size_t next_ = 0;
  std::shared_ptr<Signal> signal_ = std::make_shared<Signal>(current_helper());
};
}  // namespace detail

/// Iterates over futures in the order they complete:
///   for (auto& f : tessera::as_completed(futures)) use(f.result());
template <class T>
class AsCompleted {
 public:
  explicit AsCompleted(std::vector<Future<T>> futures)
      : futures_(std::move(futures)), queue_(std::make_shared<detail::CompletionQueue>()) {
    for (std::size_t i = 0; i < futures_.size(); ++i) {
      futures_[i].state()->on_done([queue = queue_, i] { queue->push(i); });
    }
  }

  /// The next completed future, or nullopt once all were returned.
  std::optional<Future<T>> next() {
    if (returned_ == futures_.size()) return std::nullopt;
    auto index = queue_->pop(Clock::time_point::max());
    ++returned_;
    return futures_[*index];
  }

  class iterator {
   public:
    using value_type = Future<T>;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(AsCompleted* owner) : owner_(owner) { ++*this; }
    const Future<T>& operator*() const { return *current_; }
    const Future<T>* operator->() const { return &*current_; }
    iterator& operator++() {
      current_ = owner_->next();
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const { return !current_.has_value(); }

   private:
    AsCompleted* owner_ = nullptr;
    std::optional<Future<T>> current_;
  };

  iterator begin() { return iterator(this); }
  std::default_sentinel_t end() { return {}; }

 private:
  std::vector<Future<T>> futures_;
  std::shared_ptr<detail::CompletionQueue> queue_;
  std::size_t returned_ = 0;
};

template <class T>
AsCompleted<T> as_completed(std::vector<Future<T>> futures) {
  return AsCompleted<T>(std::move(futures));
}

}  // namespace tessera
