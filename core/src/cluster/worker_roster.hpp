#pragma once
// How many workers the scheduler has, for the client's threads() and wait_for_workers(): the
// scheduler's thread updates it as workers join and leave; client threads read and wait.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace tessera::detail {

class WorkerRoster {
 public:
  void update(std::size_t workers, std::uint32_t threads) {
    {
      std::lock_guard lock(mutex_);
      workers_ = workers;
      threads_ = threads;
    }
    changed_.notify_all();
  }
  std::size_t workers() const {
    std::lock_guard lock(mutex_);
    return workers_;
  }
  std::uint32_t threads() const {
    std::lock_guard lock(mutex_);
    return threads_;
  }
  /// Waits until at least `count` workers are there, up to `timeout`; returns how many are.
  std::size_t wait_for(std::size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return workers_ >= count; });
    return workers_;
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::size_t workers_ = 0;
  std::uint32_t threads_ = 0;
};

}  // namespace tessera::detail
