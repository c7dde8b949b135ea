#include "tessera/jobqueue/job_spec.hpp"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "config.hpp"
#include "formats.hpp"
#include "parameters.hpp"
#include "tessera/config.hpp"
#include "tessera/errors.hpp"
#include "tessera/jobqueue/units.hpp"

namespace tessera::jobqueue {
namespace {

// The options of every layer merged, with where each value came from.
JobOptions merge(System system, const JobOptions& arguments, detail::Origins& origins) {
  const std::string path = config_file_path();
  JobOptions merged;
  if (!path.empty()) {
    const bool required = std::getenv("TESSERA_CONFIG") != nullptr;
    merged = detail::file_options(system, path, required, origins);
  }
  detail::Origins environment_origins;
  const JobOptions environment = detail::environment_options(system, environment_origins);
  detail::overlay(merged, environment, [&](const detail::Parameter& parameter) {
    origins[std::string(parameter.name)] = environment_origins.at(std::string(parameter.name));
  });
  detail::overlay(merged, arguments, [&](const detail::Parameter& parameter) {
    origins.erase(std::string(parameter.name));
  });
  return merged;
}

bool has_space(std::string_view text) {
  return text.find_first_of(" \t\r\n") != std::string_view::npos;
}

// "NAME=amount,NAME=amount": each name once, each amount a number >= 0.
bool is_resources(std::string_view text) {
  std::set<std::string_view> seen;
  while (!text.empty()) {
    const auto comma = text.find(',');
    const auto item = text.substr(0, comma);
    const auto equals = item.find('=');
    if (equals == 0 || equals == std::string_view::npos ||
        !seen.insert(item.substr(0, equals)).second) {
      return false;
    }
    const std::string amount(item.substr(equals + 1));
    try {
      std::size_t used = 0;
      if (amount.empty() || std::stod(amount, &used) < 0 || used != amount.size()) return false;
    } catch (...) {
      return false;
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return true;
}

// Checks the merged options and fills in tessera's defaults.
class Resolver {
 public:
  Resolver(System system, const JobOptions& options, const detail::Origins& origins)
      : system_(system), options_(options), origins_(origins) {}

  JobSpec resolve(std::string pool) {
    no_line_breaks();
    JobSpec spec;
    spec.pool = std::move(pool);
    spec.system = system_;
    const std::string system(to_string(system_));

    if (!options_.cores) {
      throw ConfigError(
          "jobqueue: cores is not set: give it as an argument, in the config file (jobqueue." +
          system + ".cores) or as TESSERA_JOBQUEUE_" + upper(system) + "_CORES");
    }
    spec.cores = *options_.cores;
    if (spec.cores < 1) fail("cores", "expected a whole number of cores >= 1");
    spec.processes = options_.processes.value_or(1);
    if (spec.processes < 1) fail("processes", "expected a whole number of processes >= 1");
    if (spec.processes > spec.cores) {
      fail("processes", "more processes than cores (" + std::to_string(spec.cores) + ")");
    }
    if (spec.cores % spec.processes != 0) {
      fail("processes", "cores (" + std::to_string(spec.cores) +
                            ") must be a multiple of processes, so that each has as many threads");
    }
    if (options_.memory) spec.memory = parse_memory(*options_.memory, name("memory"));
    spec.walltime = parse_duration(options_.walltime.value_or("00:30:00"), name("walltime"),
                                   BareNumber::refused);
    if (spec.walltime.count() <= 0) fail("walltime", "expected a duration above zero");

    spec.queue = word("queue", options_.queue, "");
    spec.account = word("account", options_.account, "");
    spec.job_name = word("job_name", options_.job_name, "tessera-worker");
    spec.job_extra_directives = items("job_extra_directives", options_.job_extra_directives);
    spec.job_directives_skip = items("job_directives_skip", options_.job_directives_skip);
    spec.job_script_prologue = options_.job_script_prologue.value_or(std::vector<std::string>{});
    spec.local_directory = text("local_directory", options_.local_directory, "");
    spec.log_directory = word("log_directory", options_.log_directory, "");
    spec.worker_extra_args = options_.worker_extra_args.value_or(std::vector<std::string>{});
    spec.death_timeout =
        parse_duration(options_.death_timeout.value_or("60"), name("death_timeout"));
    if (spec.death_timeout.count() <= 0) fail("death_timeout", "expected a duration above zero");

    spec.shebang = options_.shebang.value_or("#!/usr/bin/env bash");
    if (spec.shebang.rfind("#!", 0) != 0) fail("shebang", "expected a line starting with #!");
    spec.launcher = options_.launcher.value_or(system_ == System::slurm ? "srun" : "mpirun");
    if (spec.launcher != "srun" && spec.launcher != "mpirun" && spec.launcher != "mpiexec") {
      fail("launcher", "expected srun, mpirun or mpiexec");
    }
    if (spec.launcher == "srun" && system_ != System::slurm) {
      fail("launcher", "srun starts ranks in Slurm jobs only: use mpirun or mpiexec on " + system);
    }
    spec.transport = options_.transport.value_or("auto");
    if (spec.transport != "auto" && spec.transport != "shm" && spec.transport != "tcp" &&
        spec.transport != "ucx") {
      fail("transport", "expected auto, shm, tcp or ucx");
    }
    spec.resources = options_.resources.value_or("");
    if (!is_resources(spec.resources)) {
      fail("resources", "expected NAME=amount[,NAME=amount...] such as GPU=1, each name once");
    }

    lifetimes(spec);
    spec.max_jobs = options_.max_jobs.value_or(0);
    if (spec.max_jobs < 0) fail("max_jobs", "expected a whole number >= 0 (0 = no limit)");
    spec.worker_command = text("worker_command", options_.worker_command, "tessera-worker");
    spec.scheduler_file = text("scheduler_file", options_.scheduler_file, default_scheduler_file());
    system_specific(spec);
    return spec;
  }

 private:
  // tessera's scheduler_file setting (what an elastic scheduler in this program publishes),
  // else ./tessera-scheduler.json; absolute, since jobs start in other directories.
  static std::string default_scheduler_file() {
    const std::string setting = config::get("scheduler_file");
    const std::filesystem::path file = setting.empty() ? "tessera-scheduler.json" : setting;
    return std::filesystem::absolute(file).lexically_normal().string();
  }

  static std::string upper(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
  }

  // The parameter's name, with where its value came from unless it was an argument.
  std::string name(std::string_view parameter) const {
    const auto origin = origins_.find(parameter);
    if (origin == origins_.end()) return std::string(parameter);
    return std::string(parameter) + " (" + origin->second + ")";
  }

  [[noreturn]] void fail(std::string_view parameter, std::string_view problem) const {
    const detail::Parameter* entry = detail::find_parameter(parameter);
    detail::bad_value(name(parameter), entry->text(options_), problem);
  }

  std::string text(std::string_view parameter, const std::optional<std::string>& value,
                   std::string fallback) const {
    if (!value) return fallback;
    if (value->empty()) fail(parameter, "expected a value (leave it out for the default)");
    return *value;
  }

  std::string word(std::string_view parameter, const std::optional<std::string>& value,
                   std::string fallback) const {
    std::string result = text(parameter, value, std::move(fallback));
    if (has_space(result)) fail(parameter, "expected no spaces");
    return result;
  }

  std::vector<std::string> items(std::string_view parameter,
                                 const std::optional<std::vector<std::string>>& value) const {
    for (const auto& item : value.value_or(std::vector<std::string>{})) {
      if (item.empty()) fail(parameter, "an empty item");
    }
    return value.value_or(std::vector<std::string>{});
  }

  // A line break in any value would end a directive or a command early.
  void no_line_breaks() const {
    for (const detail::Parameter& parameter : detail::parameters()) {
      const std::string value = parameter.text(options_);
      if (value.find_first_of("\r\n") != std::string::npos) {
        detail::bad_value(name(parameter.name), value, "line breaks are not allowed");
      }
    }
  }

  void lifetimes(JobSpec& spec) const {
    if (options_.lifetime) spec.lifetime = parse_duration(*options_.lifetime, name("lifetime"));
    if (options_.lifetime_stagger) {
      spec.lifetime_stagger = parse_duration(*options_.lifetime_stagger, name("lifetime_stagger"));
    }
    spec.lifetime_restart = options_.lifetime_restart.value_or(false);
    if (spec.lifetime.count() == 0) {
      if (spec.lifetime_stagger.count() > 0) fail("lifetime_stagger", "needs a lifetime");
      if (spec.lifetime_restart) fail("lifetime_restart", "needs a lifetime");
      return;
    }
    if (spec.lifetime_stagger > spec.lifetime) {
      fail("lifetime_stagger", "longer than the lifetime (" + *options_.lifetime + ")");
    }
    if (spec.lifetime + spec.lifetime_stagger >= spec.walltime) {
      fail("lifetime", "lifetime plus lifetime_stagger must end before the walltime (" +
                           detail::hours_minutes_seconds(spec.walltime) +
                           "), so that workers retire before the batch system kills them");
    }
  }

  void system_specific(JobSpec& spec) const {
    if (options_.resource_spec && system_ != System::pbs && system_ != System::sge) {
      fail("resource_spec", "applies to PBS and SGE only (use job_extra_directives)");
    }
    spec.resource_spec = text("resource_spec", options_.resource_spec, "");
    if (options_.lsf_units && system_ != System::lsf) fail("lsf_units", "applies to LSF only");
    if (system_ == System::lsf) {
      spec.lsf_units = options_.lsf_units.value_or("KB");
      if (detail::lsf_unit_bytes(spec.lsf_units) == 0)
        fail("lsf_units", "expected KB, MB, GB or TB");
    }
    if (options_.parallel_environment && system_ != System::sge) {
      fail("parallel_environment", "applies to SGE only");
    }
    if (system_ == System::sge) {
      spec.parallel_environment =
          word("parallel_environment", options_.parallel_environment, "smp");
    }
  }

  System system_;
  const JobOptions& options_;
  const detail::Origins& origins_;
};

}  // namespace

JobOptions merged_options(System system, const JobOptions& arguments) {
  detail::Origins origins;
  return merge(system, arguments, origins);
}

JobSpec resolve_job_spec(System system, const JobOptions& arguments, std::string pool) {
  detail::Origins origins;
  const JobOptions options = merge(system, arguments, origins);
  return Resolver(system, options, origins).resolve(std::move(pool));
}

}  // namespace tessera::jobqueue
