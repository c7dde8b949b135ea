// tessera-jobqueue: job scripts for tessera's workers from the command line.
//
//   tessera-jobqueue script --system slurm --cores 8 --memory 16GiB --walltime 01:00:00
//
// Options not given come from the environment and the config file, as for the clusters of
// the library (tessera/jobqueue/options.hpp). submit, scale, list and close come with elastic
// workers; until then they are refused with a message and are not in --help.

#include <cstring>
#include <iostream>
#include <string>
#include <string_view>

#include "parameters.hpp"
#include "tessera/errors.hpp"
#include "tessera/jobqueue/job_spec.hpp"

namespace {

namespace jq = tessera::jobqueue;

std::string option_name(std::string_view parameter) {
  std::string name(parameter);
  for (auto& c : name) c = c == '_' ? '-' : c;
  return "--" + name;
}

void print_help(std::ostream& out) {
  out << "usage: tessera-jobqueue script --system SYSTEM --cores N [OPTION...]\n"
         "       tessera-jobqueue --help\n"
         "\n"
         "Prints the job script that starts tessera workers on a batch system. The workers\n"
         "join the scheduler named by the scheduler file (TESSERA_SCHEDULER_FILE).\n"
         "\n"
         "  --system SYSTEM                 slurm, pbs, lsf or sge (required)\n";
  for (const auto& parameter : jq::detail::parameters()) {
    std::string left = option_name(parameter.name);
    if (!parameter.is_flag()) left.append(" ").append(parameter.placeholder);
    left.resize(std::max<std::size_t>(left.size() + 1, 32), ' ');
    out << "  " << left << parameter.help << "\n";
  }
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
         "Memory units: KB, MB, GB, TB are powers of 1000; KiB, MiB, GiB, TiB powers of 1024.\n";
}

int usage_error(const std::string& message) {
  std::cerr << "tessera-jobqueue: " << message << "\n"
            << "Try 'tessera-jobqueue --help'.\n";
  return 2;
}

int script(int argc, char** argv) {
  std::string system;
  jq::JobOptions options;
  for (int i = 2; i < argc; ++i) {
    std::string_view argument = argv[i];
    if (argument == "-h" || argument == "--help") {
      print_help(std::cout);
      return 0;
    }
    if (argument.rfind("--", 0) != 0)
      return usage_error("unexpected argument '" + std::string(argument) + "'");
    std::string_view name = argument.substr(2);
    std::optional<std::string_view> value;
    if (const auto equals = name.find('='); equals != std::string_view::npos) {
      value = name.substr(equals + 1);
      name = name.substr(0, equals);
    }
    const jq::detail::Parameter* parameter = jq::detail::find_parameter(name);
    if (name != "system" && (parameter == nullptr || name.find('_') != std::string_view::npos)) {
      return usage_error("unknown option '--" + std::string(name) + "'");
    }
    if (!value && !(parameter != nullptr && parameter->is_flag())) {
      if (i + 1 == argc) return usage_error("option '--" + std::string(name) + "' needs a value");
      value = argv[++i];
    }
    if (name == "system") {
      system = *value;
    } else {
      jq::detail::set_from_text(options, *parameter, value.value_or("true"),
                                "option --" + std::string(name));
    }
  }
  if (system.empty()) return usage_error("--system is required (slurm, pbs, lsf or sge)");
  std::cout << jq::job_script(jq::resolve_job_spec(jq::parse_system(system), options));
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
    if (command == "script") return script(argc, argv);
    if (command == "submit" || command == "scale" || command == "list" || command == "close") {
      std::cerr << "tessera-jobqueue: '" << command
                << "' comes with elastic workers and is not available yet; 'script' prints "
                   "a job script to submit yourself\n";
      return 2;
    }
    return usage_error("unknown command '" + std::string(command) + "'");
  } catch (const tessera::Error& error) {
    std::cerr << "tessera-jobqueue: " << error.what() << "\n";
    return 1;
  }
}
