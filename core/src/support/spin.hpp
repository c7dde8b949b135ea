#pragma once
// Waiting a moment for another thread without a system call: between tiny tasks, the next
// one usually comes within a microsecond, far sooner than a yield or a wake-up returns.

#include <chrono>

namespace tessera::detail {

/// Tells the core that this thread is spinning (x86 `pause`, Arm `yield`): the sibling
/// hyperthread gets the core's resources, and leaving the loop is not mispredicted.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  asm volatile("yield" ::: "memory");
#endif
}

/// Spins until `ready()` or `rounds` pauses have passed (a pause is 10 to 150 cycles, by the
/// CPU); whether it became ready.
template <class Ready>
bool spin_until(Ready&& ready, int rounds) noexcept {
  for (int i = 0; i < rounds; ++i) {
    if (ready()) return true;
    cpu_relax();
  }
  return ready();
}

/// Spins until `ready()` or for about `budget`, looking at the clock every 32 pauses: a
/// budget in time, not in pauses, as a pause takes 10 ns on one CPU and 40 on another.
template <class Ready>
bool spin_for(Ready&& ready, std::chrono::nanoseconds budget) noexcept {
  using Clock = std::chrono::steady_clock;
  const auto until = Clock::now() + budget;
  for (;;) {
    if (spin_until(ready, 32)) return true;
    if (Clock::now() >= until) return false;
  }
}

}  // namespace tessera::detail
