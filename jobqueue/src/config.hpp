#pragma once
// Where job options come from before the arguments: the YAML config file and the
// environment. Each value's origin is remembered for the error messages.

#include <map>
#include <string>

#include "tessera/jobqueue/options.hpp"
#include "tessera/jobqueue/system.hpp"

namespace tessera::jobqueue::detail {

/// Parameter name -> where its value came from ("TESSERA_JOBQUEUE_SLURM_CORES",
/// "/home/u/.config/tessera/jobqueue.yaml: jobqueue.slurm.cores"); none for arguments.
using Origins = std::map<std::string, std::string, std::less<>>;

/// The options under jobqueue.<system> in the YAML file at `path`; none when the file does
/// not exist and `required` is false. ConfigError naming the file, the key and the problem.
JobOptions file_options(System system, const std::string& path, bool required, Origins& origins);

/// The options given as TESSERA_JOBQUEUE_<SYSTEM>_<PARAMETER> (lists as one item or as a
/// YAML list, "[--exclusive, --gres=gpu:1]").
JobOptions environment_options(System system, Origins& origins);

}  // namespace tessera::jobqueue::detail
