#include "tessera/future.hpp"

namespace tessera::detail {

Helper*& current_helper() noexcept {
  thread_local Helper* helper = nullptr;
  return helper;
}

void Signal::notify() {
  { std::lock_guard lock(mutex); }
  cv.notify_all();
  if (helper) helper->wake_all();
}

bool wait_until(const std::function<bool()>& pred, Clock::time_point deadline, Signal& signal) {
  if (pred()) return true;
  if (signal.helper) return signal.helper->help_until(pred, deadline);
  std::unique_lock lock(signal.mutex);
  if (deadline == Clock::time_point::max()) {
    signal.cv.wait(lock, pred);
    return true;
  }
  return signal.cv.wait_until(lock, deadline, pred);
}

void FutureState::finish(Value value) {
  if (claimed_.exchange(true, std::memory_order_acq_rel)) return;
  value_ = std::move(value);
  fetched_.store(true, std::memory_order_release);
  complete(Status::finished);
}

void FutureState::prefetch() {
  if (!remote_ || fetched_.load(std::memory_order_acquire)) return;
  // The callback lives in this state, so `this` outlives it.
  on_done([this] {
    if (status() == Status::finished && !fetched_.load(std::memory_order_acquire)) {
      remote_->prefetch();
    }
  });
}

void FutureState::finish_remote() {
  if (claimed_.exchange(true, std::memory_order_acq_rel)) return;
  complete(Status::finished);
}

void FutureState::fetch_remote(Clock::time_point deadline) const {
  std::lock_guard lock(fetch_mutex_);
  if (fetched_.load(std::memory_order_acquire)) return;
  value_ = remote_->fetch(deadline);
  fetched_.store(true, std::memory_order_release);
}

void FutureState::fail(std::exception_ptr error, Status status) {
  if (claimed_.exchange(true, std::memory_order_acq_rel)) return;
  error_ = std::move(error);
  complete(status);
}

void FutureState::complete(Status status) {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard lock(mutex_);
    status_.store(status, std::memory_order_release);
    callbacks.swap(callbacks_);
  }
  done_cv_.notify_all();
  for (auto& callback : callbacks) callback();
}

void FutureState::on_done(std::function<void()> callback) {
  {
    std::lock_guard lock(mutex_);
    if (status_.load(std::memory_order_acquire) == Status::pending) {
      callbacks_.push_back(std::move(callback));
      return;
    }
  }
  callback();
}

bool FutureState::wait(Clock::time_point deadline) {
  if (done()) return true;
  auto is_done = [this] { return done(); };
  if (Helper* helper = current_helper()) {
    on_done([helper] { helper->wake_all(); });
    return helper->help_until(is_done, deadline);
  }
  // Plain threads wait on the future's own condition: repeated timed waits add nothing.
  std::unique_lock lock(mutex_);
  if (deadline == Clock::time_point::max()) {
    done_cv_.wait(lock, is_done);
    return true;
  }
  return done_cv_.wait_until(lock, deadline, is_done);
}

void FutureState::attach(std::weak_ptr<TaskCanceller> owner, std::uint32_t task) {
  owner_ = std::move(owner);
  task_ = task;
}

bool FutureState::cancel(bool released) {
  if (done()) return false;
  fail(std::make_exception_ptr(CancelledError("future '" + key_ + "' was cancelled")),
       Status::cancelled);
  if (auto owner = owner_.lock()) owner->cancel_task(task_, released);
  return status() == Status::cancelled;
}

void FutureState::drop_handle() {
  if (handles_.fetch_sub(1, std::memory_order_acq_rel) == 1 &&
      !keep_running_.load(std::memory_order_relaxed) && !done()) {
    cancel(true);
  }
}

bool wait_for_states(const std::vector<FutureState*>& states, std::size_t needed,
                     Clock::time_point deadline) {
  auto count_done = [&] {
    std::size_t done = 0;
    for (auto* state : states) done += state->done() ? 1 : 0;
    return done;
  };
  if (count_done() >= needed) return true;
  auto signal = std::make_shared<Signal>(current_helper());
  for (auto* state : states) state->on_done([signal] { signal->notify(); });
  return wait_until([&] { return count_done() >= needed; }, deadline, *signal);
}

void CompletionQueue::push(std::size_t index) {
  {
    std::lock_guard lock(mutex_);
    ready_.push_back(index);
  }
  signal_->notify();
}

std::optional<std::size_t> CompletionQueue::pop(Clock::time_point deadline) {
  auto available = [this] {
    std::lock_guard lock(mutex_);
    return next_ < ready_.size();
  };
  if (!wait_until(available, deadline, *signal_)) return std::nullopt;
  std::lock_guard lock(mutex_);
  return ready_[next_++];
}

}  // namespace tessera::detail
