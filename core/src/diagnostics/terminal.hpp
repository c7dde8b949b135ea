#pragma once
// Whether what this process writes to standard output reaches a terminal.

namespace tessera::detail {

/// True when standard output is a terminal, and, under Open MPI's mpirun, when mpirun's own
/// standard output is one.
bool stdout_is_terminal();

}  // namespace tessera::detail
