#pragma once
// The commands of each batch system (submit, cancel, status) and the readers of what they
// print. One file per system; batch_system.hpp runs them.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/jobqueue/job.hpp"
#include "tessera/jobqueue/system.hpp"

namespace tessera::jobqueue::detail {

/// The state of each job (by the id the cluster holds) that a status command listed; a job it
/// does not list is gone.
using Listing = std::map<std::string, JobState, std::less<>>;

/// One batch system's commands. The job script goes to the submit command on its standard
/// input: bsub reads #BSUB directives only from a script given that way, and sbatch, qsub
/// (PBS) and qsub (SGE) read directives from it too, so no temporary file is needed.
struct BatchCommands {
  /// Submits the script on standard input: {"sbatch", "--parsable"}.
  std::vector<std::string> submit;
  /// The job id in what the submit command printed; empty if there is none.
  std::string (*job_id)(std::string_view output);
  /// Cancels the jobs whose ids follow: {"scancel"}.
  std::vector<std::string> cancel;
  /// The command that lists the jobs `ids` (and perhaps others).
  std::vector<std::string> (*status)(const std::vector<std::string>& ids);
  /// The jobs of `ids` that the status command's output lists, with their states. When the
  /// command failed (`exit_status` not 0): the same if the output says only that some jobs
  /// are unknown (finished long ago), else nullopt.
  std::optional<Listing> (*states)(std::string_view output, int exit_status,
                                   const std::vector<std::string>& ids);
};

/// The commands of `system`.
const BatchCommands& batch_commands(System system);

const BatchCommands& slurm_commands();
const BatchCommands& pbs_commands();
const BatchCommands& lsf_commands();
const BatchCommands& sge_commands();

/// The lines of `text`, without their line ends (empty lines dropped).
std::vector<std::string_view> lines(std::string_view text);
/// The words of `line`, split at spaces and tabs.
std::vector<std::string_view> words(std::string_view line);
/// Whether `text` is one or more digits.
bool is_number(std::string_view text);

}  // namespace tessera::jobqueue::detail
