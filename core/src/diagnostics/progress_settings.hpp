#pragma once
// The settings of progress bars (defined with config::define where they are read).

namespace tessera::detail {

/// The "progress" setting: whether every compute outside tasks draws a progress bar.
bool progress_always();
/// The "progress_interval" setting: seconds between the lines of a bar off a terminal.
double progress_line_interval();

}  // namespace tessera::detail
