#include <algorithm>

#include "commands/batch_commands.hpp"

namespace tessera::jobqueue::detail {
namespace {

// bsub prints "Job <1234> is submitted to queue <normal>." (or "to default queue <normal>.").
std::string job_id(std::string_view output) {
  constexpr std::string_view start = "Job <";
  for (std::string_view line : lines(output)) {
    const auto at = line.find(start);
    if (at == std::string_view::npos || line.find("is submitted") == std::string_view::npos) {
      continue;
    }
    const std::string_view rest = line.substr(at + start.size());
    const std::string_view id = rest.substr(0, rest.find('>'));
    if (is_number(id)) return std::string(id);
  }
  return {};
}

std::vector<std::string> status(const std::vector<std::string>& ids) {
  std::vector<std::string> command{"bjobs", "-w"};
  command.insert(command.end(), ids.begin(), ids.end());
  return command;
}

JobState state(std::string_view code) {
  if (code == "PEND" || code == "PSUSP" || code == "WAIT") return JobState::pending;
  if (code == "DONE" || code == "EXIT" || code == "ZOMBI" || code == "UNKWN") {
    return JobState::gone;
  }
  return JobState::running;  // RUN, USUSP, SSUSP, PROV
}

// "JOBID USER STAT QUEUE FROM_HOST EXEC_HOST JOB_NAME SUBMIT_TIME", then a row per job;
// "Job <1234> is not found" for a job LSF has forgotten.
std::optional<Listing> states(std::string_view output, int exit_status,
                              const std::vector<std::string>& ids) {
  if (exit_status != 0 && output.find("is not found") == std::string_view::npos) {
    return std::nullopt;
  }
  Listing listing;
  for (std::string_view line : lines(output)) {
    const auto fields = words(line);
    if (fields.size() < 3) continue;
    const auto id = std::find(ids.begin(), ids.end(), fields[0]);
    if (id != ids.end()) listing[*id] = state(fields[2]);
  }
  return listing;
}

}  // namespace

const BatchCommands& lsf_commands() {
  static const BatchCommands commands{{"bsub"}, job_id, {"bkill"}, status, states};
  return commands;
}

}  // namespace tessera::jobqueue::detail
