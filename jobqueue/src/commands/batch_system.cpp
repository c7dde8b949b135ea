#include "commands/batch_system.hpp"

#include "commands/run_command.hpp"
#include "tessera/errors.hpp"

namespace tessera::jobqueue::detail {
namespace {

std::string trimmed(std::string_view text) {
  const auto start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return "(no output)";
  const auto end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(start, end - start + 1));
}

[[noreturn]] void failed(const std::vector<std::string>& command, std::string_view note,
                         const CommandResult& result, std::string_view problem) {
  std::string message = "jobqueue: ";
  message += command_line(command);
  message.append(note).append(" ").append(problem).append(" (exit status ");
  message.append(std::to_string(result.status)).append("): ").append(trimmed(result.output));
  throw Error(message);
}

}  // namespace

BatchSystem::BatchSystem(System system, std::chrono::milliseconds timeout)
    : system_(system), commands_(batch_commands(system)), timeout_(timeout) {}

std::string BatchSystem::submit(const std::string& script) const {
  const CommandResult result = run_command(commands_.submit, script, timeout_);
  constexpr std::string_view note = " (the job script on its standard input)";
  if (result.status != 0) failed(commands_.submit, note, result, "failed");
  std::string id = commands_.job_id(result.output);
  if (id.empty()) failed(commands_.submit, note, result, "printed no job id");
  return id;
}

void BatchSystem::cancel(const std::vector<std::string>& ids) const {
  if (ids.empty()) return;
  std::vector<std::string> command = commands_.cancel;
  command.insert(command.end(), ids.begin(), ids.end());
  const CommandResult result = run_command(command, {}, timeout_);
  if (result.status != 0) failed(command, "", result, "failed");
}

Listing BatchSystem::states(const std::vector<std::string>& ids) const {
  if (ids.empty()) return {};
  const std::vector<std::string> command = commands_.status(ids);
  const CommandResult result = run_command(command, {}, timeout_);
  auto listing = commands_.states(result.output, result.status, ids);
  if (!listing) failed(command, "", result, "failed");
  return *listing;
}

}  // namespace tessera::jobqueue::detail
