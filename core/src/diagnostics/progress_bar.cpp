#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "diagnostics/progress_settings.hpp"
#include "diagnostics/terminal.hpp"
#include "tessera/progress.hpp"

namespace tessera {
namespace {

constexpr double terminal_interval = 0.1;  // seconds: 10 redraws a second look smooth
constexpr int bar_width = 20;

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// "0.4s", "12.3s", "4m05s", "2h07m".
std::string duration(double seconds) {
  char text[32];
  if (seconds < 60) {
    std::snprintf(text, sizeof text, "%.1fs", std::max(0.0, seconds));
  } else if (seconds < 3600) {
    const auto whole = static_cast<long>(seconds);
    std::snprintf(text, sizeof text, "%ldm%02lds", whole / 60, whole % 60);
  } else {
    const auto minutes = static_cast<long>(seconds / 60);
    std::snprintf(text, sizeof text, "%ldh%02ldm", minutes / 60, minutes % 60);
  }
  return text;
}

std::uint64_t percent(const ProgressCounts& counts) {
  if (counts.total == 0) return 100;
  return std::min<std::uint64_t>(100, counts.done * 100 / counts.total);
}

}  // namespace

ProgressBar::ProgressBar(ProgressOptions options)
    : out_(options.out ? options.out : &std::cout),
      terminal_(options.terminal ? *options.terminal
                                 : out_ == &std::cout && detail::stdout_is_terminal()),
      interval_(options.interval > 0 ? options.interval
                : terminal_          ? terminal_interval
                                     : detail::progress_line_interval()),
      clock_(options.clock ? std::move(options.clock) : steady_seconds),
      start_(clock_()),
      last_drawn_(start_) {}

void ProgressBar::update(const ProgressCounts& counts) {
  if (finished_) return;
  const double now = clock_();
  if (now - last_drawn_ >= interval_) draw(counts, now, false);
}

void ProgressBar::finish(const ProgressCounts& counts) {
  if (finished_) return;
  draw(counts, clock_(), true);
  finished_ = true;
}

std::string ProgressBar::describe(const ProgressCounts& counts, double elapsed, bool final) {
  std::string text = std::to_string(counts.done) + "/" + std::to_string(counts.total) + " tasks (" +
                     std::to_string(percent(counts)) + "%)";
  if (counts.failed > 0) text += " | " + std::to_string(counts.failed) + " failed";
  text += " | " + duration(elapsed) + " elapsed";
  if (!final && counts.done > 0 && counts.done < counts.total) {
    const double left = elapsed * static_cast<double>(counts.total - counts.done) /
                        static_cast<double>(counts.done);
    text += " | ~" + duration(left) + " left";
  }
  return text;
}

void ProgressBar::draw(const ProgressCounts& counts, double now, bool final) {
  last_drawn_ = now;
  const std::string words = describe(counts, now - start_, final);
  std::string line;
  if (terminal_) {
    const auto filled = static_cast<int>(percent(counts) * bar_width / 100);
    // Back to the start of the line, the bar, then erase what a longer drawing left.
    line = "\r[" + std::string(static_cast<std::size_t>(filled), '#') +
           std::string(static_cast<std::size_t>(bar_width - filled), ' ') + "] " + words + "\x1b[K";
    if (final) line += '\n';
  } else {
    line = "progress: " + words + "\n";
  }
  *out_ << line << std::flush;
}

}  // namespace tessera
