#pragma once
// Runs a batch system's command (sbatch, qstat, ...) without a shell: the program found on
// PATH, its arguments as given, a text on its standard input, a time limit.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::jobqueue::detail {

/// How a command ended.
struct CommandResult {
  /// The exit status, or 128 + the signal that ended it (as a shell reports it).
  int status = 0;
  /// Its standard output and standard error together, in the order written.
  std::string output;
};

/// The full path of `program` on $PATH (or `program` itself when it holds a '/'), if it names
/// an executable file; empty otherwise.
std::string find_program(std::string_view program);

/// `argv` as one line a user can paste into a shell (words quoted where needed).
std::string command_line(const std::vector<std::string>& argv);

/// Runs argv[0] (looked up on $PATH) with `argv`, `input` as its standard input, and returns
/// how it ended. ConfigError naming the program and $PATH when it is not found;
/// TimeoutError naming the command line when it runs longer than `timeout` (it is killed);
/// Error when it cannot be started.
CommandResult run_command(const std::vector<std::string>& argv, std::string_view input,
                          std::chrono::milliseconds timeout);

}  // namespace tessera::jobqueue::detail
