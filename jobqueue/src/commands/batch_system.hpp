#pragma once
// A batch system's commands run for a cluster: submit a job script, cancel jobs, list their
// states. Every failure is an error naming the command line, its exit status and its output.

#include <chrono>
#include <string>
#include <vector>

#include "commands/batch_commands.hpp"
#include "tessera/jobqueue/system.hpp"

namespace tessera::jobqueue::detail {

/// How long one command may run before it is killed and counted as failed.
inline constexpr std::chrono::seconds command_timeout{60};

/// The commands of one system, run without a shell (commands/run_command.hpp).
class BatchSystem {
 public:
  explicit BatchSystem(System system, std::chrono::milliseconds timeout = command_timeout);

  System system() const noexcept { return system_; }
  /// Submits `script` (on the submit command's standard input) and returns the job's id.
  /// Error when the command fails or prints no id; ConfigError when it is not on PATH.
  std::string submit(const std::string& script) const;
  /// Cancels the jobs `ids` (none: nothing runs). Error when the command fails.
  void cancel(const std::vector<std::string>& ids) const;
  /// The states of those of `ids` the batch system lists (none: nothing runs); the others
  /// are gone. Error when the command fails, unless it says only that jobs are unknown.
  Listing states(const std::vector<std::string>& ids) const;

 private:
  System system_;
  const BatchCommands& commands_;
  std::chrono::milliseconds timeout_;
};

}  // namespace tessera::jobqueue::detail
