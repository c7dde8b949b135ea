#pragma once
// What the tasks of one thread did, for /metrics and the dashboard: counts (in all and per
// task prefix), a histogram of durations and a ring of its latest task spans. The thread that
// runs the tasks is the only writer, so a count goes up with a plain load and store (no locked
// instruction on the hot path); the metrics server's thread reads them.

#include <algorithm>
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

/// A task as the live task stream shows it: its prefix (an id of the source's PrefixTable)
/// and when it ran.
struct TaskSpan {
  std::uint32_t prefix = 0;
  double start = 0.0;
  double stop = 0.0;
};

/// The tasks one thread ran.
class alignas(64) TaskTally {
 public:
  /// Prefixes counted apart; those of higher ids are counted under the last one.
  static constexpr std::uint32_t max_prefixes = 64;
  /// Latest spans kept for the live task stream.
  static constexpr std::uint64_t ring_size = 512;

  /// Several threads write (the sync executor runs each caller's tasks on the caller's
  /// thread): counts go up with atomic additions instead, and no spans are kept. Call before
  /// any task runs.
  void allow_many_writers() noexcept { shared_ = true; }

  void started(std::uint32_t prefix) noexcept {
    running_prefix_.store(clamp(prefix), std::memory_order_relaxed);
    running_.store(true, std::memory_order_relaxed);
  }
  void finished(std::uint32_t prefix, double start, double stop) noexcept {
    const double seconds = stop - start;
    bump(buckets_[DurationHistogram::bucket_of(seconds)]);
    if (shared_) {
      sum_.fetch_add(seconds, std::memory_order_relaxed);
    } else {
      sum_.store(sum_.load(std::memory_order_relaxed) + seconds, std::memory_order_relaxed);
      const auto n = spans_.load(std::memory_order_relaxed);
      auto& slot = ring_[n % ring_size];
      // Release stores (plain moves on x86): a reader that sees one of these values also sees
      // the count of spans as it was before this one began (spans_since).
      slot.prefix.store(prefix, std::memory_order_release);
      slot.start.store(start, std::memory_order_release);
      slot.stop.store(stop, std::memory_order_release);
      spans_.store(n + 1, std::memory_order_release);
    }
    bump(finished_);
    bump(done_by_prefix_[clamp(prefix)]);
    running_.store(false, std::memory_order_relaxed);
  }
  /// The task failed, or was skipped (an input failed, it was cancelled).
  void failed(std::uint32_t prefix) noexcept {
    bump(failed_);
    bump(failed_by_prefix_[clamp(prefix)]);
    running_.store(false, std::memory_order_relaxed);
  }

  bool running() const noexcept { return running_.load(std::memory_order_relaxed); }
  /// The prefix of the task running, when running().
  std::uint32_t running_prefix() const noexcept {
    return running_prefix_.load(std::memory_order_relaxed);
  }
  std::uint64_t done_count(std::uint32_t prefix) const noexcept {
    return done_by_prefix_[prefix].load(std::memory_order_relaxed);
  }
  std::uint64_t failed_count(std::uint32_t prefix) const noexcept {
    return failed_by_prefix_[prefix].load(std::memory_order_relaxed);
  }
  /// Appends the kept spans that stopped after `since` to `out`, oldest first. A span the
  /// writer may be overwriting meanwhile is left out.
  template <class Out>
  void spans_since(double since, Out&& out) const {
    const auto end = spans_.load(std::memory_order_acquire);
    const auto begin = end > ring_size ? end - ring_size : 0;
    TaskSpan copies[ring_size];
    for (auto i = begin; i < end; ++i) {
      const auto& slot = ring_[i % ring_size];
      copies[i - begin] = {slot.prefix.load(std::memory_order_acquire),
                           slot.start.load(std::memory_order_acquire),
                           slot.stop.load(std::memory_order_acquire)};
    }
    // A value read above from a span written since synchronizes with its store, after which
    // the writer had counted every span before it: this count then shows the slot as stale.
    // (No fence: ThreadSanitizer does not support one.)
    const auto now = spans_.load(std::memory_order_acquire);
    // Slot i is rewritten once span i + ring_size is being written.
    const auto valid = now >= ring_size ? now - ring_size + 1 : 0;
    for (auto i = std::max(begin, valid); i < end; ++i) {
      if (copies[i - begin].stop > since) out(copies[i - begin]);
    }
  }
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

  static std::uint32_t clamp(std::uint32_t prefix) noexcept {
    return prefix < max_prefixes ? prefix : max_prefixes - 1;
  }

  struct Slot {
    std::atomic<std::uint32_t> prefix{0};
    std::atomic<double> start{0.0};
    std::atomic<double> stop{0.0};
  };

  bool shared_ = false;
  std::atomic<bool> running_{false};
  std::atomic<std::uint32_t> running_prefix_{0};
  std::atomic<std::uint64_t> finished_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::array<std::atomic<std::uint64_t>, duration_bounds.size() + 1> buckets_{};
  std::atomic<double> sum_{0.0};
  std::array<std::atomic<std::uint64_t>, max_prefixes> done_by_prefix_{};
  std::array<std::atomic<std::uint64_t>, max_prefixes> failed_by_prefix_{};
  std::atomic<std::uint64_t> spans_{0};
  std::array<Slot, ring_size> ring_{};
};

}  // namespace tessera::detail
