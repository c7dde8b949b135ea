#include "formats.hpp"

namespace tessera::jobqueue::detail {

std::string lsf_memory(std::uint64_t bytes, std::string_view unit) {
  const std::uint64_t scale = lsf_unit_bytes(unit);
  return std::to_string(bytes / scale + (bytes % scale != 0));
}

// All slots on one host (span[hosts=1]), so that the job's ranks share its memory limit.
std::vector<std::string> lsf_directives(const JobSpec& spec) {
  std::vector<std::string> lines{"#BSUB -J " + spec.job_name};
  if (!spec.log_directory.empty()) {
    lines.push_back("#BSUB -o " + spec.log_directory + "/" + spec.job_name + "-%J.out");
    lines.push_back("#BSUB -e " + spec.log_directory + "/" + spec.job_name + "-%J.err");
  }
  if (!spec.queue.empty()) lines.push_back("#BSUB -q " + spec.queue);
  if (!spec.account.empty()) lines.push_back("#BSUB -P " + spec.account);
  lines.push_back("#BSUB -n " + std::to_string(spec.cores));
  lines.push_back("#BSUB -R \"span[hosts=1]\"");
  if (spec.memory > 0) lines.push_back("#BSUB -M " + lsf_memory(spec.memory, spec.lsf_units));
  lines.push_back("#BSUB -W " + lsf_walltime(spec.walltime));
  return lines;
}

}  // namespace tessera::jobqueue::detail
