#include <algorithm>

#include "commands/batch_commands.hpp"

namespace tessera::jobqueue::detail {
namespace {

// qsub prints the job's id, "1234.server".
std::string job_id(std::string_view output) {
  for (std::string_view line : lines(output)) {
    const auto fields = words(line);
    if (fields.size() == 1 && is_number(fields[0].substr(0, fields[0].find('.')))) {
      return std::string(fields[0]);
    }
  }
  return {};
}

std::vector<std::string> status(const std::vector<std::string>& ids) {
  std::vector<std::string> command{"qstat"};
  command.insert(command.end(), ids.begin(), ids.end());
  return command;
}

// The sequence number of an id, "1234" of "1234.server" (qstat shortens long ids to
// "1234.very-long-se*").
std::string_view sequence_number(std::string_view id) { return id.substr(0, id.find('.')); }

JobState state(std::string_view code) {
  if (code == "R" || code == "E" || code == "B" || code == "S" || code == "U") {
    return JobState::running;
  }
  if (code == "F" || code == "X" || code == "C") return JobState::gone;
  return JobState::pending;  // Q, H, W, T, M
}

// A table: "Job id  Name  User  Time Use  S  Queue", then a row per job; jobs the server
// has forgotten are reported as "qstat: Unknown Job Id 1234.server" (and a non-zero exit).
std::optional<Listing> states(std::string_view output, int exit_status,
                              const std::vector<std::string>& ids) {
  if (exit_status != 0 && output.find("Unknown Job Id") == std::string_view::npos &&
      output.find("Job has finished") == std::string_view::npos) {
    return std::nullopt;
  }
  Listing listing;
  for (std::string_view line : lines(output)) {
    const auto fields = words(line);
    if (fields.size() < 6) continue;
    const auto id = std::find_if(ids.begin(), ids.end(), [&](const std::string& id) {
      return sequence_number(id) == sequence_number(fields[0]);
    });
    if (id != ids.end()) listing[*id] = state(fields[4]);
  }
  return listing;
}

}  // namespace

const BatchCommands& pbs_commands() {
  static const BatchCommands commands{{"qsub"}, job_id, {"qdel"}, status, states};
  return commands;
}

}  // namespace tessera::jobqueue::detail
