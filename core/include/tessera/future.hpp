#pragma once
// Future<T>: a result that is being computed (or already is), with Dask's vocabulary:
// result, done, cancel, release; wait, as_completed, fire_and_forget.

#include <chrono>
#include <cstdint>
#include <exception>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tessera/detail/future_state.hpp"
#include "tessera/errors.hpp"
#include "tessera/key.hpp"
#include "tessera/value.hpp"

namespace tessera {

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

  /// Cancels the task if it has not finished; result() then throws CancelledError. Under
  /// MPI, cancelling is asynchronous, as in Dask: a task its worker starts before the
  /// cancellation reaches it (within milliseconds) runs, and its result is dropped.
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
    if constexpr (!std::is_void_v<T>) return state.value(deadline).template get<T>();
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
