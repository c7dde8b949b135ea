#pragma once
// The histogram of task durations that /metrics and the dashboard show, in seconds as a
// snapshot holds it, and its bucket bounds in ticks for the threads that time tasks in ticks.

#include <array>
#include <cstddef>
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

/// duration_bounds in ticks of a given length, so that a task timed in ticks is bucketed
/// without converting its duration: a duration of `ticks` goes to the bucket that
/// DurationHistogram::bucket_of gives `ticks * seconds_per_tick`.
class TickBounds {
 public:
  /// Bounds that put every duration in the first bucket; assign real ones before use.
  TickBounds() noexcept { most_.fill(~std::uint64_t{0}); }
  /// The bounds for ticks of `seconds_per_tick` (a TickClock's), which must be positive.
  explicit TickBounds(double seconds_per_tick) noexcept;

  std::size_t bucket_of(std::uint64_t ticks) const noexcept {
    std::size_t b = 0;
    while (b < most_.size() && ticks > most_[b]) ++b;
    return b;
  }
  /// The most ticks within bound `b`.
  std::uint64_t most(std::size_t b) const noexcept { return most_[b]; }

 private:
  std::array<std::uint64_t, duration_bounds.size()> most_;
};

}  // namespace tessera::detail
