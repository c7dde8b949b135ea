#include "diagnostics/duration_histogram.hpp"

namespace tessera::detail {

TickBounds::TickBounds(double seconds_per_tick) noexcept : TickBounds() {
  if (!(seconds_per_tick > 1e-15)) return;  // no sensible clock: every task counts as short
  // d ticks last d * seconds_per_tick seconds, which grows with d: find the last d within
  // each bound from an estimate, then step over the rounding of the estimate.
  const auto within = [&](std::uint64_t ticks, double bound) {
    return static_cast<double>(ticks) * seconds_per_tick <= bound;
  };
  for (std::size_t b = 0; b < duration_bounds.size(); ++b) {
    const double bound = duration_bounds[b];
    auto ticks = static_cast<std::uint64_t>(bound / seconds_per_tick);  // below 1e17
    while (within(ticks + 1, bound)) ++ticks;
    while (ticks > 0 && !within(ticks, bound)) --ticks;
    most_[b] = ticks;
  }
}

}  // namespace tessera::detail
