#include "formats.hpp"

namespace tessera::jobqueue::detail {

std::string sge_memory(std::uint64_t bytes) { return binary_size(bytes, "T", "G", "M"); }

// Grid Engine counts h_vmem and mem_free per slot: the job's memory is split over its cores.
std::vector<std::string> sge_directives(const JobSpec& spec) {
  std::vector<std::string> lines{"#$ -N " + spec.job_name};
  if (!spec.queue.empty()) lines.push_back("#$ -q " + spec.queue);
  if (!spec.account.empty()) lines.push_back("#$ -P " + spec.account);
  lines.push_back("#$ -pe " + spec.parallel_environment + " " + std::to_string(spec.cores));
  if (!spec.resource_spec.empty()) {
    lines.push_back("#$ -l " + spec.resource_spec);
  } else if (spec.memory > 0) {
    const auto cores = static_cast<std::uint64_t>(spec.cores);
    const std::string per_slot = sge_memory(spec.memory / cores + (spec.memory % cores != 0));
    lines.push_back("#$ -l h_vmem=" + per_slot);
    lines.push_back("#$ -l mem_free=" + per_slot);
  }
  lines.push_back("#$ -l h_rt=" + hours_minutes_seconds(spec.walltime));
  if (!spec.log_directory.empty()) {
    lines.push_back("#$ -o " + spec.log_directory + "/");
    lines.push_back("#$ -e " + spec.log_directory + "/");
  }
  lines.push_back("#$ -cwd");
  return lines;
}

}  // namespace tessera::jobqueue::detail
