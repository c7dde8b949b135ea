#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "commands/batch_commands.hpp"

namespace tessera::jobqueue::detail {
namespace {

// qsub prints "Your job 1234 ("name") has been submitted" ("Your job-array 1234.1-4:1 ..."
// for arrays; only the number with -terse).
std::string job_id(std::string_view output) {
  for (std::string_view line : lines(output)) {
    const auto fields = words(line);
    if (fields.size() == 1 && is_number(fields[0])) return std::string(fields[0]);
    if (fields.size() >= 3 && fields[0] == "Your" &&
        (fields[1] == "job" || fields[1] == "job-array")) {
      const std::string_view id = fields[2].substr(0, fields[2].find('.'));
      if (is_number(id)) return std::string(id);
    }
  }
  return {};
}

std::string user_name() {
  if (const passwd* entry = ::getpwuid(::geteuid()); entry != nullptr) return entry->pw_name;
  const char* user = std::getenv("USER");
  return user != nullptr ? user : "";
}

// Grid Engine's qstat takes no job ids for its table: it lists the user's jobs.
std::vector<std::string> status(const std::vector<std::string>&) {
  return {"qstat", "-u", user_name()};
}

// "job-ID prior name user state submit/start-at queue slots ja-task-ID", a line of dashes,
// then a row per job. States with a q (qw, hqw, Eqw) wait; the others (r, t, dr, s, ...)
// hold a node.
std::optional<Listing> states(std::string_view output, int exit_status,
                              const std::vector<std::string>& ids) {
  if (exit_status != 0) return std::nullopt;
  Listing listing;
  for (std::string_view line : lines(output)) {
    const auto fields = words(line);
    if (fields.size() < 5) continue;
    const auto id = std::find(ids.begin(), ids.end(), fields[0]);
    if (id == ids.end()) continue;
    const bool waiting = fields[4].find('q') != std::string_view::npos;
    listing[*id] = waiting ? JobState::pending : JobState::running;
  }
  return listing;
}

}  // namespace

const BatchCommands& sge_commands() {
  static const BatchCommands commands{{"qsub"}, job_id, {"qdel"}, status, states};
  return commands;
}

}  // namespace tessera::jobqueue::detail
