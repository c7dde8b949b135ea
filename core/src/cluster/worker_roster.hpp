#pragma once
// What the scheduler shares with its clients: how many workers it has (for threads() and
// wait_for_workers()) and its load (for adapt), which the scheduler's thread updates; and
// what workers that may join will offer, which a client sets and the scheduler reads.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <utility>

#include "tessera/client.hpp"

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
  void set_load(SchedulerLoad load) {
    std::lock_guard lock(mutex_);
    load_ = std::move(load);
  }
  SchedulerLoad load() const {
    load_asked_.store(true, std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    auto load = load_;
    load.workers = workers_;
    load.threads = threads_;
    return load;
  }
  /// Whether a client has asked for the load: the scheduler works it out only then.
  bool load_asked() const noexcept { return load_asked_.load(std::memory_order_relaxed); }
  void set_offers(WorkerOffers offers) {
    offers_set_.store(true, std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    offers_ = std::move(offers);
    ++offers_version_;
  }
  /// The offers, if they changed since `version` (which is updated).
  bool offers_since(std::uint64_t& version, WorkerOffers& offers) const {
    if (!offers_set_.load(std::memory_order_relaxed)) return false;
    std::lock_guard lock(mutex_);
    if (version == offers_version_) return false;
    version = offers_version_;
    offers = offers_;
    return true;
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
  SchedulerLoad load_;
  mutable std::atomic<bool> load_asked_{false};
  std::atomic<bool> offers_set_{false};
  WorkerOffers offers_;
  std::uint64_t offers_version_ = 0;
};

}  // namespace tessera::detail
