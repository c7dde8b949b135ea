#include "tessera/jobqueue/system.hpp"

#include <string>

#include "tessera/errors.hpp"

namespace tessera::jobqueue {

std::string_view to_string(System system) noexcept {
  switch (system) {
    case System::slurm:
      return "slurm";
    case System::pbs:
      return "pbs";
    case System::lsf:
      return "lsf";
    case System::sge:
      return "sge";
  }
  return "unknown";
}

System parse_system(std::string_view text) {
  for (System system : {System::slurm, System::pbs, System::lsf, System::sge}) {
    if (text == to_string(system)) return system;
  }
  throw ConfigError("jobqueue: system is \"" + std::string(text) +
                    "\": expected slurm, pbs, lsf or sge");
}

}  // namespace tessera::jobqueue
