#include "formats.hpp"

namespace tessera::jobqueue::detail {

std::string pbs_memory(std::uint64_t bytes) { return binary_size(bytes, "tb", "gb", "mb"); }

// One chunk (PBS Pro's select) holding the job's cores, its worker ranks and its memory.
std::vector<std::string> pbs_directives(const JobSpec& spec) {
  std::vector<std::string> lines{"#PBS -N " + spec.job_name};
  if (!spec.queue.empty()) lines.push_back("#PBS -q " + spec.queue);
  if (!spec.account.empty()) lines.push_back("#PBS -A " + spec.account);
  if (!spec.resource_spec.empty()) {
    lines.push_back("#PBS -l " + spec.resource_spec);
  } else {
    std::string select = "#PBS -l select=1:ncpus=" + std::to_string(spec.cores) +
                         ":mpiprocs=" + std::to_string(spec.processes);
    if (spec.memory > 0) select += ":mem=" + pbs_memory(spec.memory);
    lines.push_back(select);
  }
  lines.push_back("#PBS -l walltime=" + hours_minutes_seconds(spec.walltime));
  if (!spec.log_directory.empty()) {
    lines.push_back("#PBS -o " + spec.log_directory + "/");
    lines.push_back("#PBS -e " + spec.log_directory + "/");
  }
  return lines;
}

}  // namespace tessera::jobqueue::detail
