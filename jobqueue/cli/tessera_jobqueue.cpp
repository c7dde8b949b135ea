// tessera-jobqueue: job scripts for tessera's workers, and worker jobs submitted, scaled,
// listed and closed from the command line.
//
//   tessera-jobqueue script --system slurm --cores 8 --memory 16GiB --walltime 01:00:00
//   tessera-jobqueue scale --system slurm --cores 8 --workers 4 --scheduler-file run/s.json
//   tessera-jobqueue list --scheduler-file run/s.json
//   tessera-jobqueue close --scheduler-file run/s.json
//
// Options not given come from the environment and the config file, as for the clusters of
// the library (tessera/jobqueue/options.hpp). Between runs the jobs are kept in a state file
// (src/scaling/state_file.hpp), beside the scheduler file unless --state names another.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "parameters.hpp"
#include "scaling/state_file.hpp"
#include "scaling/worker_jobs.hpp"
#include "tessera/config.hpp"
#include "tessera/errors.hpp"
#include "tessera/jobqueue/job_spec.hpp"
#include "tessera/jobqueue/units.hpp"

namespace {

namespace jq = tessera::jobqueue;

std::string option_name(std::string_view parameter) {
  std::string name(parameter);
  for (auto& c : name) c = c == '_' ? '-' : c;
  return "--" + name;
}

void print_option(std::ostream& out, std::string left, std::string_view help) {
  left.resize(std::max<std::size_t>(left.size() + 1, 32), ' ');
  out << "  " << left << help << "\n";
}

void print_help(std::ostream& out) {
  out << "usage: tessera-jobqueue script --system SYSTEM --cores N [OPTION...]\n"
         "       tessera-jobqueue submit --system SYSTEM --cores N [--jobs N] [OPTION...]\n"
         "       tessera-jobqueue scale --system SYSTEM --cores N (--jobs N | --workers N) "
         "[OPTION...]\n"
         "       tessera-jobqueue list [--state FILE | --scheduler-file FILE]\n"
         "       tessera-jobqueue close [--state FILE | --scheduler-file FILE] [--timeout TIME]\n"
         "       tessera-jobqueue --help\n"
         "\n"
         "Commands:\n"
         "  script   print the job script that starts tessera workers on a batch system; they\n"
         "           join the scheduler named by the scheduler file (TESSERA_SCHEDULER_FILE)\n"
         "  submit   submit N more worker jobs (1), within --max-jobs, and print their ids\n"
         "  scale    make the pending and running worker jobs N (--workers: ceil(N / processes)\n"
         "           jobs): submit more within --max-jobs, or cancel the newest pending jobs,\n"
         "           then the newest running ones\n"
         "  list     print each job's id, pool and state (pending, running, cancelling, gone);\n"
         "           a job that ended is listed as gone once, then forgotten\n"
         "  close    cancel every job, wait until the batch system lists none, remove the\n"
         "           state file\n"
         "\n"
         "submit, scale, list and close keep the jobs in a state file between runs: --state,\n"
         "else <scheduler file without .json>.jobs.yaml beside the scheduler file.\n"
         "\n"
         "Options:\n";
  print_option(out, "--system SYSTEM",
               "slurm, pbs, lsf or sge (required by script, submit, scale)");
  for (const auto& parameter : jq::detail::parameters()) {
    std::string left = option_name(parameter.name);
    if (!parameter.is_flag()) left.append(" ").append(parameter.placeholder);
    print_option(out, left, parameter.help);
  }
  print_option(out, "--jobs N", "submit: how many jobs (1); scale: how many jobs in all");
  print_option(out, "--workers N", "scale: how many worker processes in all");
  print_option(out, "--state FILE", "the state file (beside the scheduler file)");
  print_option(out, "--timeout TIME", "close: how long to wait for the jobs to go (60)");
  out << "  -h, --help                      this help\n"
         "\n"
         "OPTION=VALUE works too; a BOOL option alone means true. Options not given come\n"
         "from the environment, TESSERA_JOBQUEUE_<SYSTEM>_<OPTION> "
         "(TESSERA_JOBQUEUE_SLURM_CORES=8;\n"
         "a repeatable option as one item or a YAML list, \"[--exclusive, --gres=gpu:1]\"),\n"
         "then from the config file ($TESSERA_CONFIG, else ~/.config/tessera/jobqueue.yaml):\n"
         "\n"
         "  jobqueue:\n"
         "    slurm:\n"
         "      cores: 32\n"
         "      memory: 128GiB\n"
         "      job-extra-directives: [--exclusive]\n"
         "\n"
         "The scheduler file is --scheduler-file, else TESSERA_SCHEDULER_FILE, else\n"
         "./tessera-scheduler.json. The batch system's commands (sbatch, squeue, scancel;\n"
         "qsub, qstat, qdel; bsub, bjobs, bkill) must be on PATH.\n"
         "\n"
         "Memory units: KB, MB, GB, TB are powers of 1000; KiB, MiB, GiB, TiB powers of 1024.\n";
}

int usage_error(const std::string& message) {
  std::cerr << "tessera-jobqueue: " << message << "\n"
            << "Try 'tessera-jobqueue --help'.\n";
  return 2;
}

// A command's arguments.
struct Arguments {
  std::string command;
  std::string system;
  jq::JobOptions options;
  std::optional<int> jobs;
  std::optional<int> workers;
  std::string state;
  std::chrono::seconds timeout{60};
  bool help = false;
};

int whole_number(std::string_view name, std::string_view text) {
  jq::JobOptions scratch;
  jq::detail::set_from_text(scratch, *jq::detail::find_parameter("max_jobs"), text,
                            "option --" + std::string(name));
  if (*scratch.max_jobs < 0) {
    throw tessera::ConfigError("jobqueue: option --" + std::string(name) + " is \"" +
                               std::string(text) + "\": expected a whole number >= 0");
  }
  return *scratch.max_jobs;
}

// Reads the arguments; an error message for bad use (usage_error's), empty when they read.
std::string parse(int argc, char** argv, Arguments& arguments) {
  arguments.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string_view argument = argv[i];
    if (argument == "-h" || argument == "--help") {
      arguments.help = true;
      return {};
    }
    if (argument.rfind("--", 0) != 0) {
      return "unexpected argument '" + std::string(argument) + "'";
    }
    std::string_view name = argument.substr(2);
    std::optional<std::string_view> value;
    if (const auto equals = name.find('='); equals != std::string_view::npos) {
      value = name.substr(equals + 1);
      name = name.substr(0, equals);
    }
    const bool own = name == "system" || name == "jobs" || name == "workers" || name == "state" ||
                     name == "timeout";
    const jq::detail::Parameter* parameter = jq::detail::find_parameter(name);
    if (!own && (parameter == nullptr || name.find('_') != std::string_view::npos)) {
      return "unknown option '--" + std::string(name) + "'";
    }
    if (!value && !(parameter != nullptr && parameter->is_flag())) {
      if (i + 1 == argc) return "option '--" + std::string(name) + "' needs a value";
      value = argv[++i];
    }
    if (name == "system") {
      arguments.system = *value;
    } else if (name == "jobs") {
      arguments.jobs = whole_number(name, *value);
    } else if (name == "workers") {
      arguments.workers = whole_number(name, *value);
    } else if (name == "state") {
      arguments.state = *value;
    } else if (name == "timeout") {
      arguments.timeout = jq::parse_duration(*value, "option --timeout");
    } else {
      jq::detail::set_from_text(arguments.options, *parameter, value.value_or("true"),
                                "option --" + std::string(name));
    }
  }
  return {};
}

// The state file: --state, else beside the scheduler file (as the jobs' script names it).
std::string state_file(const Arguments& arguments) {
  if (!arguments.state.empty()) return arguments.state;
  std::optional<std::string> scheduler_file = arguments.options.scheduler_file;
  if (!scheduler_file && !arguments.system.empty()) {
    scheduler_file =
        jq::merged_options(jq::parse_system(arguments.system), arguments.options).scheduler_file;
  }
  if (!scheduler_file) scheduler_file = tessera::config::get("scheduler_file");
  if (scheduler_file->empty()) scheduler_file = "tessera-scheduler.json";
  return jq::detail::default_state_file(
      std::filesystem::absolute(*scheduler_file).lexically_normal().string());
}

// The jobs of the state file, for `system` (when given); ConfigError if it holds another's.
jq::detail::ClusterState load(const std::string& path, const std::string& system) {
  auto state = jq::detail::read_state_file(path);
  if (!state) return {jq::parse_system(system), {}};
  if (!system.empty() && jq::parse_system(system) != state->system) {
    throw tessera::ConfigError("jobqueue: the state file " + path + " holds " +
                               std::string(jq::to_string(state->system)) + " jobs, not " + system +
                               " jobs: close them first, or give another --state");
  }
  return *state;
}

void print_jobs(const std::vector<jq::Job>& jobs) {
  std::printf("%-20s %-12s %s\n", "JOBID", "POOL", "STATE");
  for (const jq::Job& job : jobs) {
    std::printf("%-20s %-12s %s\n", job.id.c_str(), job.pool.c_str(),
                std::string(jq::to_string(job.state)).c_str());
  }
}

// submit and scale: the state is written even when a command fails half way, so that the
// jobs submitted before are not lost.
int grow_or_shrink(const Arguments& arguments) {
  if (arguments.system.empty()) return usage_error("--system is required (slurm, pbs, lsf or sge)");
  const bool scale = arguments.command == "scale";
  if (scale && arguments.jobs.has_value() == arguments.workers.has_value()) {
    return usage_error("scale needs --jobs N or --workers N (one of them)");
  }
  if (!scale && arguments.workers) return usage_error("submit takes --jobs, not --workers");
  const jq::System system = jq::parse_system(arguments.system);
  const jq::JobSpec spec = jq::resolve_job_spec(system, arguments.options);
  const std::string path = state_file(arguments);
  jq::detail::ClusterState state = load(path, arguments.system);
  jq::detail::WorkerJobs jobs(system);
  for (jq::Job& job : state.jobs) jobs.adopt(std::move(job));
  const std::size_t known = jobs.jobs().size();
  const auto save = [&] {
    jobs.forget_gone();
    jq::detail::write_state_file(path, {system, jobs.jobs()});
  };
  try {
    int wanted = 0;
    if (!scale) {
      jobs.refresh();
      int active = 0;
      for (const jq::Job& job : jobs.jobs()) {
        active += job.pool == spec.pool &&
                  (job.state == jq::JobState::pending || job.state == jq::JobState::running);
      }
      wanted = active + arguments.jobs.value_or(1);
    } else {
      wanted = arguments.jobs ? *arguments.jobs
                              : (*arguments.workers + spec.processes - 1) / spec.processes;
    }
    const int now = jobs.scale(spec, wanted);
    save();
    if (now < wanted) {
      std::cerr << "tessera-jobqueue: max_jobs (" << spec.max_jobs << ") allows " << now
                << " jobs, not " << wanted << "\n";
    }
  } catch (...) {
    save();
    throw;
  }
  if (!scale) {
    const auto& all = jobs.jobs();
    for (std::size_t i = std::min(known, all.size()); i < all.size(); ++i) {
      std::cout << all[i].id << "\n";
    }
  } else {
    print_jobs(jobs.jobs());
  }
  return 0;
}

int list(const Arguments& arguments) {
  const std::string path = state_file(arguments);
  auto state = jq::detail::read_state_file(path);
  if (!state) {
    std::cout << "no jobs (no state file " << path << ")\n";
    return 0;
  }
  jq::detail::WorkerJobs jobs(state->system);
  for (jq::Job& job : state->jobs) jobs.adopt(std::move(job));
  jobs.refresh();
  print_jobs(jobs.jobs());
  jobs.forget_gone();
  jq::detail::write_state_file(path, {state->system, jobs.jobs()});
  return 0;
}

int close(const Arguments& arguments) {
  const std::string path = state_file(arguments);
  auto state = jq::detail::read_state_file(path);
  if (!state) {
    std::cout << "no jobs to close (no state file " << path << ")\n";
    return 0;
  }
  jq::detail::WorkerJobs jobs(state->system);
  for (jq::Job& job : state->jobs) jobs.adopt(std::move(job));
  try {
    jobs.close(arguments.timeout);
  } catch (...) {
    jq::detail::write_state_file(path, {state->system, jobs.jobs()});
    throw;
  }
  std::filesystem::remove(path);
  std::cout << "closed: no job of " << path << " is left\n";
  return 0;
}

int script(const Arguments& arguments) {
  if (arguments.system.empty()) return usage_error("--system is required (slurm, pbs, lsf or sge)");
  std::cout << jq::job_script(
      jq::resolve_job_spec(jq::parse_system(arguments.system), arguments.options));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 2) return usage_error("a command is required");
    const std::string_view command = argv[1];
    if (command == "-h" || command == "--help") {
      print_help(std::cout);
      return 0;
    }
    if (command != "script" && command != "submit" && command != "scale" && command != "list" &&
        command != "close") {
      return usage_error("unknown command '" + std::string(command) + "'");
    }
    Arguments arguments;
    if (const std::string problem = parse(argc, argv, arguments); !problem.empty()) {
      return usage_error(problem);
    }
    if (arguments.help) {
      print_help(std::cout);
      return 0;
    }
    if (command == "script") return script(arguments);
    if (command == "list") return list(arguments);
    if (command == "close") return close(arguments);
    return grow_or_shrink(arguments);
  } catch (const tessera::Error& error) {
    std::cerr << "tessera-jobqueue: " << error.what() << "\n";
    return 1;
  }
}
