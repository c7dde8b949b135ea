#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "diagnostics/run_progress.hpp"

namespace tessera::detail {

void show_progress(ProgressBar& bar, const RunProgress& run,
                   const std::vector<FutureStatePtr>& outputs) {
  // One callback per output, counting down: a wake-up to redraw then costs nothing per output
  // (wait_for_states would add callbacks at every wait, and count the outputs at every wake).
  struct Pending {
    explicit Pending(std::size_t count) : left(count), signal(current_helper()) {}
    std::atomic<std::size_t> left;
    Signal signal;
  };
  auto pending = std::make_shared<Pending>(outputs.size());
  for (const auto& output : outputs) {
    output->on_done([pending] {
      if (pending->left.fetch_sub(1, std::memory_order_acq_rel) == 1) pending->signal.notify();
    });
  }
  auto all_done = [&] { return pending->left.load(std::memory_order_acquire) == 0; };
  const auto interval =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(bar.interval()));
  while (!wait_until(all_done, Clock::now() + interval, pending->signal)) {
    bar.update(run.counts());
  }
  // The outputs are done, but the tasks' counts can trail them by a moment: a run counts a
  // task after delivering its result, and a skipped task may still be on its way through.
  auto counts = run.counts();
  const auto deadline = Clock::now() + std::chrono::seconds(1);
  while (counts.done < counts.total && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    counts = run.counts();
  }
  bar.finish(counts);
}

}  // namespace tessera::detail
