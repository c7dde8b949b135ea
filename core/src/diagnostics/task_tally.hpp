#pragma once
// What the tasks of one thread did, for /metrics and the dashboard: counts (per task prefix),
// a histogram of durations and a ring of its latest task spans. The thread that runs the
// tasks is the only writer, so a count goes up with a plain load and store (no locked
// instruction on the hot path); the metrics server's thread reads them. Times stay in ticks
// (support/ticks.hpp) until read: a task costs the tally a few stores, no conversion.

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>

#include "diagnostics/duration_histogram.hpp"
#include "support/ticks.hpp"

namespace tessera::detail {

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
    running_prefix_.store(prefix, std::memory_order_relaxed);
  }
  /// The task ran from tick `start` to tick `stop`; `bounds`: the histogram's, in ticks.
  void finished(std::uint32_t prefix, std::uint64_t start, std::uint64_t stop,
                const TickBounds& bounds) noexcept {
    const std::uint64_t ticks = stop > start ? stop - start : 0;  // another core's counter
    const auto bucket = bounds.bucket_of(ticks);
    auto& done = done_by_prefix_[clamp(prefix)];
    if (shared_) {
      buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
      sum_.fetch_add(ticks, std::memory_order_relaxed);
      done.fetch_add(1, std::memory_order_relaxed);
    } else {
      // The first bucket, that of the tasks whose cost matters most, is counted as the spans
      // not in another.
      if (bucket != 0) {
        auto& count = buckets_[bucket];
        count.store(count.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      }
      sum_.store(sum_.load(std::memory_order_relaxed) + ticks, std::memory_order_relaxed);
      done.store(done.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      const auto n = spans_.load(std::memory_order_relaxed);
      const auto slot = n % ring_size;
      // Release stores (plain moves on x86): a reader that sees one of these values also sees
      // the count of spans as it was before this one began (spans_since).
      ring_prefix_[slot].store(prefix, std::memory_order_release);
      ring_start_[slot].store(start, std::memory_order_release);
      ring_stop_[slot].store(stop, std::memory_order_release);
      spans_.store(n + 1, std::memory_order_release);
    }
    running_prefix_.store(idle, std::memory_order_relaxed);
  }
  /// The task failed, or was skipped (an input failed, it was cancelled).
  void failed(std::uint32_t prefix) noexcept {
    bump(failed_);
    bump(failed_by_prefix_[clamp(prefix)]);
    running_prefix_.store(idle, std::memory_order_relaxed);
  }

  bool running() const noexcept { return running_prefix_.load(std::memory_order_relaxed) != idle; }
  /// The prefix (as counted: below max_prefixes) of the task running, when running().
  std::uint32_t running_prefix() const noexcept {
    return clamp(running_prefix_.load(std::memory_order_relaxed));
  }
  std::uint64_t done_count(std::uint32_t prefix) const noexcept {
    return done_by_prefix_[prefix].load(std::memory_order_relaxed);
  }
  std::uint64_t failed_count(std::uint32_t prefix) const noexcept {
    return failed_by_prefix_[prefix].load(std::memory_order_relaxed);
  }
  /// Appends the kept spans that stopped after `since` (seconds, as `clock` converts) to
  /// `out`, oldest first. A span the writer may be overwriting meanwhile is left out.
  template <class Out>
  void spans_since(double since, const TickClock& clock, Out&& out) const {
    const auto end = spans_.load(std::memory_order_acquire);
    const auto begin = end > ring_size ? end - ring_size : 0;
    struct Copy {
      std::uint32_t prefix;
      std::uint64_t start;
      std::uint64_t stop;
    };
    Copy copies[ring_size];
    for (auto i = begin; i < end; ++i) {
      const auto slot = i % ring_size;
      copies[i - begin] = {ring_prefix_[slot].load(std::memory_order_acquire),
                           ring_start_[slot].load(std::memory_order_acquire),
                           ring_stop_[slot].load(std::memory_order_acquire)};
    }
    // A value read above from a span written since synchronizes with its store, after which
    // the writer had counted every span before it: this count then shows the slot as stale.
    // (No fence: ThreadSanitizer does not support one.)
    const auto now = spans_.load(std::memory_order_acquire);
    // Slot i is rewritten once span i + ring_size is being written.
    const auto valid = now >= ring_size ? now - ring_size + 1 : 0;
    for (auto i = std::max(begin, valid); i < end; ++i) {
      const auto& copy = copies[i - begin];
      const double stop = clock.seconds(copy.stop);
      if (stop > since) out(TaskSpan{copy.prefix, clock.seconds(copy.start), stop});
    }
  }
  /// Tasks that ran to the end.
  std::uint64_t finished_count() const noexcept {
    if (!shared_) return spans_.load(std::memory_order_relaxed);
    std::uint64_t total = 0;
    for (const auto& bucket : buckets_) total += bucket.load(std::memory_order_relaxed);
    return total;
  }
  std::uint64_t failed_count() const noexcept { return failed_.load(std::memory_order_relaxed); }
  /// Adds this thread's durations to `histogram`, converting ticks as `clock` does.
  void add_to(DurationHistogram& histogram, const TickClock& clock) const noexcept {
    const auto finished = finished_count();
    std::uint64_t above_first = 0;
    for (std::size_t b = 1; b < buckets_.size(); ++b) {
      const auto count = buckets_[b].load(std::memory_order_relaxed);
      histogram.buckets[b] += count;
      above_first += count;
    }
    if (shared_) {
      histogram.buckets[0] += buckets_[0].load(std::memory_order_relaxed);
    } else {  // a task being counted may be in its bucket before it is in the spans
      histogram.buckets[0] += finished > above_first ? finished - above_first : 0;
    }
    histogram.sum +=
        static_cast<double>(sum_.load(std::memory_order_relaxed)) * clock.seconds_per_tick();
  }

 private:
  static constexpr std::uint32_t idle = ~std::uint32_t{0};  // running_prefix_ between tasks

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

  bool shared_ = false;
  std::atomic<std::uint32_t> running_prefix_{idle};
  std::atomic<std::uint64_t> failed_{0};
  // With a single writer, the first bucket is not counted (finished_count() less the others).
  std::array<std::atomic<std::uint64_t>, duration_bounds.size() + 1> buckets_{};
  std::atomic<std::uint64_t> sum_{0};  // ticks
  std::array<std::atomic<std::uint64_t>, max_prefixes> done_by_prefix_{};
  std::array<std::atomic<std::uint64_t>, max_prefixes> failed_by_prefix_{};
  std::atomic<std::uint64_t> spans_{0};  // with a single writer, also the tasks finished
  std::array<std::atomic<std::uint32_t>, ring_size> ring_prefix_{};
  std::array<std::atomic<std::uint64_t>, ring_size> ring_start_{};  // ticks
  std::array<std::atomic<std::uint64_t>, ring_size> ring_stop_{};
};

}  // namespace tessera::detail
