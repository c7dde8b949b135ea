#pragma once
// Cheap timestamps for the task stream. Two clock reads per task are a tenth of a tiny task's
// cost through steady_clock (~20 ns each on these VMs); the CPU's time-stamp counter costs
// ~8 ns. Ticks are converted to wall_time() seconds only when records are read.

#include <chrono>
#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace tessera::detail {

/// Whether ticks() reads the time-stamp counter (x86-64 with an invariant TSC), rather than
/// steady_clock nanoseconds.
bool ticks_from_tsc() noexcept;

/// A timestamp in ticks: monotonic within the process, to convert with TickClock.
inline std::uint64_t ticks() noexcept {
#if defined(__x86_64__)
  if (ticks_from_tsc()) return __rdtsc();
#endif
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

/// Converts ticks to wall_time() seconds. Make one when reading a batch of records: it
/// measures the tick rate over the whole life of the process so far, so that the longer the
/// process has run, the closer the figures (within microseconds after a millisecond).
class TickClock {
 public:
  TickClock() noexcept;
  double seconds(std::uint64_t tick) const noexcept {
    const auto since = static_cast<std::int64_t>(tick - anchor_ticks_);  // may be negative
    return anchor_seconds_ + static_cast<double>(since) * seconds_per_tick_;
  }
  double seconds_per_tick() const noexcept { return seconds_per_tick_; }

 private:
  std::uint64_t anchor_ticks_;
  double anchor_seconds_;
  double seconds_per_tick_;
};

}  // namespace tessera::detail
