#pragma once
// Progress of a computation, as Dask's progress bar shows it.
//
//   client.compute(x, tessera::progress);    // draws a bar, returns once x is computed
//   tessera::config::set("progress", "1");    // (or TESSERA_PROGRESS=1) every compute draws one
//
// On a terminal, one bar per computation, redrawn in place at most 10 times a second:
//
//   [##########          ]  50% 500/1000 tasks | 2 failed | 1.2s elapsed | ~1.2s left
//
// Elsewhere (standard output is a batch job's log) the same words without the bar, one line at
// most every "progress_interval" seconds (default 5). The final line is always written. Under
// MPI only rank 0, the client, draws; tasks that compute never do.

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

namespace tessera {

/// How far a computation has got, in tasks.
struct ProgressCounts {
  /// Tasks of the computation (after culling and fusion: as the scheduler runs them).
  std::uint64_t total = 0;
  /// Tasks through: finished, failed or skipped.
  std::uint64_t done = 0;
  /// Among done: tasks that failed, or were skipped because an input failed or they were
  /// cancelled.
  std::uint64_t failed = 0;
};

/// How a progress bar is drawn. The defaults suit a user; tests choose the rest.
struct ProgressOptions {
  /// Where it is drawn; null: standard output (where Dask draws its bar).
  std::ostream* out = nullptr;
  /// A bar redrawn in place (true) or plain lines (false); unset: a bar when `out` is standard
  /// output and that is a terminal (under mpirun: when mpirun's output is one).
  std::optional<bool> terminal{};
  /// Seconds between drawings; 0: 0.1 on a terminal, else the "progress_interval" setting.
  double interval = 0.0;
  /// The time in seconds; null: a steady clock.
  std::function<double()> clock{};
};

/// Pass to compute() for a progress bar with the default options:
/// client.compute(x, tessera::progress).
inline const ProgressOptions progress{};

/// Draws the progress of one computation: give it counts as they change, then the final ones.
class ProgressBar {
 public:
  explicit ProgressBar(ProgressOptions options = {});
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  /// Whether the bar is redrawn in place (else plain lines are written).
  bool terminal() const noexcept { return terminal_; }
  /// Seconds between drawings.
  double interval() const noexcept { return interval_; }

  /// Draws `counts` if `interval()` has passed since the last drawing (or since the start).
  void update(const ProgressCounts& counts);
  /// Draws the final counts, whatever the time; later calls do nothing.
  void finish(const ProgressCounts& counts);

  /// The words of a drawing, without the bar: "500/1000 tasks (50%) | 1.2s elapsed | ...".
  static std::string describe(const ProgressCounts& counts, double elapsed, bool final);

 private:
  void draw(const ProgressCounts& counts, double now, bool final);

  std::ostream* out_;
  bool terminal_;
  double interval_;
  std::function<double()> clock_;
  double start_;
  double last_drawn_;
  bool finished_ = false;
};

}  // namespace tessera
