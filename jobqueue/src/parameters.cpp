#include "parameters.hpp"

#include <algorithm>
#include <charconv>

#include "tessera/errors.hpp"

namespace tessera::jobqueue::detail {
namespace {

using O = JobOptions;

constexpr Parameter table[] = {
    {"cores", &O::cores, "N", "cores per job (required)"},
    {"processes", &O::processes, "N",
     "worker processes (MPI ranks) per job; cores must be a multiple (1)"},
    {"memory", &O::memory, "SIZE", "memory per job: 16GB (10^9), 16GiB (2^30), 500MB (none)"},
    {"walltime", &O::walltime, "TIME",
     "longest run of a job: HH:MM:SS, D-HH:MM:SS, 90m, 2h (00:30:00)"},
    {"queue", &O::queue, "TEXT", "queue or partition (the system's default)"},
    {"account", &O::account, "TEXT", "account or project charged"},
    {"job_name", &O::job_name, "TEXT", "job name (tessera-worker)"},
    {"job_extra_directives", &O::job_extra_directives, "TEXT",
     "one more directive, after the system's prefix (repeatable)"},
    {"job_directives_skip", &O::job_directives_skip, "TEXT",
     "leave out generated directives containing this (repeatable)"},
    {"job_script_prologue", &O::job_script_prologue, "TEXT",
     "a shell line run before the workers start (repeatable)"},
    {"local_directory", &O::local_directory, "DIR",
     "where workers spill results; $VARIABLES expand on the node"},
    {"log_directory", &O::log_directory, "DIR", "where the jobs' output and error files go"},
    {"worker_extra_args", &O::worker_extra_args, "TEXT",
     "one more argument of the worker command (repeatable)"},
    {"death_timeout", &O::death_timeout, "TIME",
     "a worker without its scheduler exits after this (60)"},
    {"shebang", &O::shebang, "TEXT", "first line of the script (#!/usr/bin/env bash)"},
    {"launcher", &O::launcher, "NAME", "srun, mpirun or mpiexec (srun on Slurm, else mpirun)"},
    {"transport", &O::transport, "NAME", "workers' MPI transport: auto, shm, tcp or ucx (auto)"},
    {"resources", &O::resources, "LIST", "what each worker offers tasks, e.g. GPU=1"},
    {"lifetime", &O::lifetime, "TIME", "a worker retires after this (never)"},
    {"lifetime_stagger", &O::lifetime_stagger, "TIME", "lifetimes vary by up to this (0)"},
    {"lifetime_restart", &O::lifetime_restart, "BOOL", "replace a retiring worker's job (false)"},
    {"max_jobs", &O::max_jobs, "N", "most jobs queued or running at once (0 = no limit)"},
    {"worker_command", &O::worker_command, "PROGRAM",
     "program started on each worker rank (tessera-worker)"},
    {"scheduler_file", &O::scheduler_file, "FILE",
     "scheduler file the workers join ($TESSERA_SCHEDULER_FILE, else "
     "./tessera-scheduler.json)"},
    {"resource_spec", &O::resource_spec, "TEXT", "PBS/SGE: -l request replacing the generated one"},
    {"lsf_units", &O::lsf_units, "UNIT",
     "LSF: LSF_UNIT_FOR_LIMITS of lsf.conf, KB, MB, GB or TB (KB)"},
    {"parallel_environment", &O::parallel_environment, "NAME",
     "SGE: parallel environment of the cores (smp)"},
};

std::string normalized(std::string_view name) {
  std::string result(name);
  std::replace(result.begin(), result.end(), '-', '_');
  return result;
}

}  // namespace

bool Parameter::is_set(const JobOptions& options) const {
  return std::visit([&](auto member) { return (options.*member).has_value(); }, field);
}

std::string Parameter::text(const JobOptions& options) const {
  return std::visit(
      [&](auto member) -> std::string {
        const auto& value = options.*member;
        if (!value) return {};
        using T = std::decay_t<decltype(*value)>;
        if constexpr (std::is_same_v<T, int>) {
          return std::to_string(*value);
        } else if constexpr (std::is_same_v<T, bool>) {
          return *value ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::string>) {
          return *value;
        } else {
          std::string joined;
          for (const auto& item : *value) joined += (joined.empty() ? "" : ", ") + item;
          return joined;
        }
      },
      field);
}

std::span<const Parameter> parameters() { return table; }

const Parameter* find_parameter(std::string_view name) {
  const std::string wanted = normalized(name);
  for (const Parameter& parameter : table) {
    if (parameter.name == wanted) return &parameter;
  }
  return nullptr;
}

void set_from_text(JobOptions& options, const Parameter& parameter, std::string_view text,
                   std::string_view origin) {
  const auto fail = [&](std::string_view expected) {
    throw ConfigError("jobqueue: " + std::string(origin) + " is \"" + std::string(text) +
                      "\": expected " + std::string(expected));
  };
  std::visit(
      [&](auto member) {
        auto& value = options.*member;
        using T = std::decay_t<decltype(*value)>;
        if constexpr (std::is_same_v<T, int>) {
          int number = 0;
          const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
          if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
            fail("a whole number");
          }
          value = number;
        } else if constexpr (std::is_same_v<T, bool>) {
          if (text == "true" || text == "yes" || text == "1") {
            value = true;
          } else if (text == "false" || text == "no" || text == "0") {
            value = false;
          } else {
            fail("true or false");
          }
        } else if constexpr (std::is_same_v<T, std::string>) {
          value = std::string(text);
        } else {
          if (!value) value.emplace();
          value->emplace_back(text);
        }
      },
      parameter.field);
}

void overlay(JobOptions& base, const JobOptions& top,
             const std::function<void(const Parameter&)>& set) {
  for (const Parameter& parameter : table) {
    std::visit(
        [&](auto member) {
          if (!(top.*member)) return;
          base.*member = top.*member;
          if (set) set(parameter);
        },
        parameter.field);
  }
}

}  // namespace tessera::jobqueue::detail
