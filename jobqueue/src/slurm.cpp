#include "formats.hpp"

namespace tessera::jobqueue::detail {

std::string slurm_memory(std::uint64_t bytes) { return binary_size(bytes, "T", "G", "M"); }

// One node per job, so that --mem (per node) is the job's memory and the ranks share it.
std::vector<std::string> slurm_directives(const JobSpec& spec) {
  std::vector<std::string> lines{"#SBATCH -J " + spec.job_name};
  if (!spec.log_directory.empty()) {
    lines.push_back("#SBATCH -o " + spec.log_directory + "/" + spec.job_name + "-%j.out");
    lines.push_back("#SBATCH -e " + spec.log_directory + "/" + spec.job_name + "-%j.err");
  }
  if (!spec.queue.empty()) lines.push_back("#SBATCH -p " + spec.queue);
  if (!spec.account.empty()) lines.push_back("#SBATCH -A " + spec.account);
  lines.push_back("#SBATCH -N 1");
  lines.push_back("#SBATCH -n " + std::to_string(spec.processes));
  lines.push_back("#SBATCH --cpus-per-task=" + std::to_string(spec.threads_per_process()));
  if (spec.memory > 0) lines.push_back("#SBATCH --mem=" + slurm_memory(spec.memory));
  lines.push_back("#SBATCH -t " + slurm_walltime(spec.walltime));
  return lines;
}

}  // namespace tessera::jobqueue::detail
