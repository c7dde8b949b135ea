#pragma once
// The shared state behind Future<T> and the waiting machinery of futures: internals of
// tessera/future.hpp, not part of the API.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
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
  /// Brings the value here; throws (TaskError naming the key) if it cannot, and TimeoutError
  /// if it has not come by `deadline`.
  virtual Value fetch(Clock::time_point deadline) = 0;
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

  /// The result; valid once status() is finished. A remote result is fetched on first use
  /// (TimeoutError if it has not come by `deadline`).
  const Value& value(Clock::time_point deadline = Clock::time_point::max()) const {
    if (remote_ && !fetched_.load(std::memory_order_acquire)) fetch_remote(deadline);
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
  void fetch_remote(Clock::time_point deadline) const;

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

namespace detail {
/// Waits until `needed` of the states are done or the deadline passes; true if reached.
bool wait_for_states(const std::vector<FutureState*>& states, std::size_t needed,
                     Clock::time_point deadline);
}  // namespace detail

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

}  // namespace tessera
