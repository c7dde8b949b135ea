#include <algorithm>
#include <cctype>

#include "formats.hpp"
#include "tessera/errors.hpp"
#include "tessera/jobqueue/job_spec.hpp"

namespace tessera::jobqueue {
namespace detail {

void bad_value(std::string_view parameter, std::string_view value, std::string_view problem) {
  throw ConfigError("jobqueue: " + std::string(parameter) + " is \"" + std::string(value) +
                    "\": " + std::string(problem));
}

std::string shell_word(std::string_view text) {
  const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("_-./:=,+@%").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(text);
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\' || c == '`') quoted += '\\';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

}  // namespace detail

namespace {

std::vector<std::string> directives(const JobSpec& spec) {
  switch (spec.system) {
    case System::slurm:
      return detail::slurm_directives(spec);
    case System::pbs:
      return detail::pbs_directives(spec);
    case System::lsf:
      return detail::lsf_directives(spec);
    case System::sge:
      return detail::sge_directives(spec);
  }
  return {};
}

std::string_view prefix(System system) {
  switch (system) {
    case System::slurm:
      return "#SBATCH";
    case System::pbs:
      return "#PBS";
    case System::lsf:
      return "#BSUB";
    case System::sge:
      return "#$";
  }
  return "#";
}

// The launcher's part of the worker line: one rank per worker process, with its threads.
std::string launch(const JobSpec& spec) {
  const std::string ranks = std::to_string(spec.processes);
  if (spec.launcher == "srun") {
    return "srun --mpi=pmix --ntasks=" + ranks +
           " --cpus-per-task=" + std::to_string(spec.threads_per_process());
  }
  return spec.launcher + " -n " + ranks;
}

}  // namespace

// The workers' settings travel in the environment rather than on their command line, because
// the worker program may be the user's own application, whose arguments are its own.
std::string job_script(const JobSpec& spec) {
  std::string script = spec.shebang + "\n";
  for (const std::string& line : directives(spec)) {
    const bool skipped =
        std::any_of(spec.job_directives_skip.begin(), spec.job_directives_skip.end(),
                    [&](const std::string& skip) { return line.find(skip) != std::string::npos; });
    if (!skipped) script += line + "\n";
  }
  for (const std::string& extra : spec.job_extra_directives) {
    script.append(prefix(spec.system)).append(" ").append(extra).append("\n");
  }
  script += "\n";
  for (const std::string& line : spec.job_script_prologue) script += line + "\n";

  const auto set = [&](std::string_view name, std::string_view value) {
    script.append("export ").append(name).append("=").append(detail::shell_word(value));
    script += '\n';
  };
  set("TESSERA_ROLE", "worker");
  set("TESSERA_SCHEDULER_FILE", spec.scheduler_file);
  set("TESSERA_WORKER_POOL", spec.pool);
  set("TESSERA_WORKER_THREADS", std::to_string(spec.threads_per_process()));
  if (spec.memory > 0) {
    set("TESSERA_WORKER_MEMORY_LIMIT", std::to_string(spec.memory_per_process()));
  }
  set("TESSERA_WORKER_DEATH_TIMEOUT", std::to_string(spec.death_timeout.count()));
  if (spec.lifetime.count() > 0) {
    set("TESSERA_WORKER_LIFETIME", std::to_string(spec.lifetime.count()));
    set("TESSERA_WORKER_LIFETIME_STAGGER", std::to_string(spec.lifetime_stagger.count()));
  }
  if (spec.transport != "auto") set("TESSERA_TRANSPORT", spec.transport);
  if (!spec.resources.empty()) set("TESSERA_RESOURCES", spec.resources);
  if (!spec.local_directory.empty()) {
    set("TESSERA_SPILL_DIRECTORY", spec.local_directory);
    script += "mkdir -p \"$TESSERA_SPILL_DIRECTORY\"\n";
  }

  script.append("\n").append(launch(spec)).append(" ");
  script += detail::shell_word(spec.worker_command);
  for (const std::string& argument : spec.worker_extra_args) {
    script.append(" ").append(detail::shell_word(argument));
  }
  return script + "\n";
}

}  // namespace tessera::jobqueue
