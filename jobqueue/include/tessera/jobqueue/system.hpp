#pragma once
// The batch systems tessera writes job scripts for.

#include <string_view>

namespace tessera::jobqueue {

/// A batch system: Slurm, PBS (PBS Pro / OpenPBS), IBM Spectrum LSF or (Son of) Grid Engine.
enum class System { slurm, pbs, lsf, sge };

/// "slurm", "pbs", "lsf" or "sge": the system's name in the config file, in environment
/// variables (upper case) and on the command line.
std::string_view to_string(System system) noexcept;

/// The system named "slurm", "pbs", "lsf" or "sge"; ConfigError naming `text` otherwise.
System parse_system(std::string_view text);

}  // namespace tessera::jobqueue
