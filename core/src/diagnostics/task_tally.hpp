#pragma once
// What the tasks of one thread did, for /metrics: counts and a histogram of durations. The
// thread that runs the tasks is the only writer, so a count goes up with a plain load and
// store (no locked instruction on the hot path); the metrics server's thread reads them.

#include <array>
#include <atomic>
#include <cstdint>

namespace tessera::detail {

/// Upper bounds (seconds) of the buckets of the task duration histogram; one more bucket
/// counts what is above the last.
inline constexpr std::array<double, 9> duration_bounds{1e-6, 1e-5, 1e-4, 1e-3, 1e-2,
                                                       1e-1, 1.0,  10.0, 100.0};

/// A histogram of task durations, as a snapshot holds it.
struct DurationHistogram {
  std::array<std::uint64_t, duration_bounds.size() + 1> buckets{};  // not cumulative
  double sum = 0.0;

  static std::size_t bucket_of(double seconds) noexcept {
    std::size_t b = 0;
    while (b < duration_bounds.size() && seconds > duration_bounds[b]) ++b;
    return b;
  }
  void add(double seconds) noexcept {
    ++buckets[bucket_of(seconds)];
    sum += seconds;
  }
  void merge(const DurationHistogram& other) noexcept {
    for (std::size_t b = 0; b < buckets.size(); ++b) buckets[b] += other.buckets[b];
    sum += other.sum;
  }
  std::uint64_t count() const noexcept {
    std::uint64_t total = 0;
    for (auto n : buckets) total += n;
    return total;
  }
};

/// The tasks one thread ran.
class alignas(64) TaskTally {
 public:
  /// Several threads write (the sync executor runs each caller's tasks on the caller's
  /// thread): counts go up with atomic additions instead. Call before any task runs.
  void allow_many_writers() noexcept { shared_ = true; }

  void started() noexcept { running_.store(true, std::memory_order_relaxed); }
  void finished(double seconds) noexcept {
    bump(buckets_[DurationHistogram::bucket_of(seconds)]);
    if (shared_) {
      sum_.fetch_add(seconds, std::memory_order_relaxed);
    } else {
      sum_.store(sum_.load(std::memory_order_relaxed) + seconds, std::memory_order_relaxed);
    }
    bump(finished_);
    running_.store(false, std::memory_order_relaxed);
  }
  /// The task failed, or was skipped (an input failed, it was cancelled).
  void failed() noexcept {
    bump(failed_);
    running_.store(false, std::memory_order_relaxed);
  }

  bool running() const noexcept { return running_.load(std::memory_order_relaxed); }
  std::uint64_t finished_count() const noexcept {
    return finished_.load(std::memory_order_relaxed);
  }
  std::uint64_t failed_count() const noexcept { return failed_.load(std::memory_order_relaxed); }
  /// Adds this thread's durations to `histogram`.
  void add_to(DurationHistogram& histogram) const noexcept {
    for (std::size_t b = 0; b < buckets_.size(); ++b) {
      histogram.buckets[b] += buckets_[b].load(std::memory_order_relaxed);
    }
    histogram.sum += sum_.load(std::memory_order_relaxed);
  }

 private:
  void bump(std::atomic<std::uint64_t>& count) noexcept {
    if (shared_) {
      count.fetch_add(1, std::memory_order_relaxed);
    } else {
      count.store(count.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
  }

  bool shared_ = false;
  std::atomic<bool> running_{false};
  std::atomic<std::uint64_t> finished_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::array<std::atomic<std::uint64_t>, duration_bounds.size() + 1> buckets_{};
  std::atomic<double> sum_{0.0};
};

}  // namespace tessera::detail
