#include <algorithm>
#include <set>

#include "commands/batch_commands.hpp"

namespace tessera::jobqueue::detail {
namespace {

// sbatch --parsable prints "1234" or "1234;cluster" (after any warnings).
std::string job_id(std::string_view output) {
  for (std::string_view line : lines(output)) {
    const std::string_view id = line.substr(0, line.find(';'));
    if (is_number(id)) return std::string(id);
  }
  return {};
}

std::vector<std::string> status(const std::vector<std::string>& ids) {
  std::string jobs;
  for (const std::string& id : ids) jobs.append(jobs.empty() ? "--jobs=" : ",").append(id);
  return {"squeue", "--noheader", "--format=%i %T", jobs};
}

JobState state(std::string_view name) {
  static const std::set<std::string_view> pending = {
      "PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD"};
  static const std::set<std::string_view> running = {"RUNNING",  "COMPLETING", "SUSPENDED",
                                                     "STOPPED",  "SIGNALING",  "STAGE_OUT",
                                                     "RESIZING", "UPDATE_DB"};
  if (pending.count(name)) return JobState::pending;
  if (running.count(name)) return JobState::running;
  return JobState::gone;  // COMPLETED, CANCELLED, FAILED, TIMEOUT, NODE_FAIL, ...
}

// "1234 RUNNING" per job; squeue fails with "Invalid job id specified" when Slurm has
// forgotten every job asked about.
std::optional<Listing> states(std::string_view output, int exit_status,
                              const std::vector<std::string>& ids) {
  if (exit_status != 0 && output.find("Invalid job id specified") == std::string_view::npos) {
    return std::nullopt;
  }
  Listing listing;
  for (std::string_view line : lines(output)) {
    const auto fields = words(line);
    if (fields.size() != 2) continue;
    const auto id = std::find(ids.begin(), ids.end(), fields[0]);
    if (id != ids.end()) listing[*id] = state(fields[1]);
  }
  return listing;
}

}  // namespace

const BatchCommands& slurm_commands() {
  static const BatchCommands commands{
      {"sbatch", "--parsable"}, job_id, {"scancel"}, status, states};
  return commands;
}

}  // namespace tessera::jobqueue::detail
