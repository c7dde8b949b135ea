#include <chrono>
#include <thread>

#include "diagnostics/run_progress.hpp"

namespace tessera::detail {

void show_progress(ProgressBar& bar, const RunProgress& run,
                   const std::vector<FutureStatePtr>& outputs) {
  std::vector<FutureState*> states;
  states.reserve(outputs.size());
  for (const auto& output : outputs) states.push_back(output.get());
  const auto interval =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(bar.interval()));
  while (!wait_for_states(states, states.size(), Clock::now() + interval)) {
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
