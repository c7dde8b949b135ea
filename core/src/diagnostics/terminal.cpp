#include "diagnostics/terminal.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <string_view>

namespace tessera::detail {
namespace {

// Where the parent process's standard output goes, read from /proc without opening it.
bool parent_stdout_is_terminal() {
  const std::string link = "/proc/" + std::to_string(::getppid()) + "/fd/1";
  char target[256];
  const auto length = ::readlink(link.c_str(), target, sizeof target - 1);
  if (length <= 0) return false;
  const std::string_view path(target, static_cast<std::size_t>(length));
  return path.starts_with("/dev/pts/") || path.starts_with("/dev/tty") || path == "/dev/console";
}

}  // namespace

// Open MPI's mpirun gives every rank a pseudo-terminal as standard output, whatever its own
// output is, and copies from it: in a batch job's log too. The terminal that counts is then
// mpirun's, the parent of the ranks on its node; a rank started by a remote daemon finds no
// terminal there, and writes plain lines.
bool stdout_is_terminal() {
  if (::isatty(STDOUT_FILENO) != 1) return false;
  if (std::getenv("OMPI_COMM_WORLD_SIZE")) return parent_stdout_is_terminal();
  return true;
}

}  // namespace tessera::detail
