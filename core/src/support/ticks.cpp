#include "support/ticks.hpp"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "tessera/events.hpp"

namespace tessera::detail {
namespace {

bool invariant_tsc() noexcept {
#if defined(__x86_64__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(0x80000000u, &eax, &ebx, &ecx, &edx) == 0 || eax < 0x80000007u) return false;
  __get_cpuid(0x80000007u, &eax, &ebx, &ecx, &edx);
  return (edx & (1u << 8)) != 0;  // "invariant TSC": same rate in every P- and C-state
#else
  return false;
#endif
}

const bool use_tsc = invariant_tsc();

struct Anchor {
  std::uint64_t ticks;
  double seconds;
};

Anchor now() noexcept {
  // The tick read between two clock reads, against their middle.
  const double before = wall_time();
  const auto tick = ticks();
  const double after = wall_time();
  return {tick, 0.5 * (before + after)};
}

const Anchor process_start = now();

}  // namespace

bool ticks_from_tsc() noexcept { return use_tsc; }

TickClock::TickClock() noexcept {
  const Anchor latest = now();
  anchor_ticks_ = latest.ticks;
  anchor_seconds_ = latest.seconds;
  const double ticks_elapsed = static_cast<double>(latest.ticks - process_start.ticks);
  const double seconds_elapsed = latest.seconds - process_start.seconds;
  if (!use_tsc) {
    seconds_per_tick_ = 1e-9;
  } else if (ticks_elapsed > 0 && seconds_elapsed > 0) {
    seconds_per_tick_ = seconds_elapsed / ticks_elapsed;
  } else {
    seconds_per_tick_ = 1.0 / 3e9;  // no time has passed: no record can be far from the anchor
  }
}

}  // namespace tessera::detail
