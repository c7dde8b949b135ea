// Runs Graphviz's dot as a child process (posix_spawnp: no shell, so any path is safe), with
// the DOT text in a temporary file and dot's complaints in another.

#include "tessera/visualize.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "tessera/errors.hpp"

extern char** environ;

namespace tessera {
namespace {

namespace fs = std::filesystem;

// A file in the temporary directory, removed when it goes.
struct TemporaryFile {
  std::string path;
  explicit TemporaryFile(const char* stem) {
    std::string pattern = (fs::temp_directory_path() / (std::string(stem) + "-XXXXXX")).string();
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) {
      throw IoError("visualize: cannot make a temporary file in " +
                    fs::temp_directory_path().string() + ": " + std::strerror(errno));
    }
    ::close(fd);
    path = std::move(pattern);
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile() {
    std::error_code ignored;
    fs::remove(path, ignored);
  }
};

void write_text(const std::string& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) throw IoError("visualize: cannot write " + path + ": " + std::strerror(errno));
}

std::string read_text(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Runs dot -T<format> -o <path> <input>; its exit status (-1 if it could not start: errno set).
int run_dot(const std::string& format, const std::string& path, const std::string& input,
            const std::string& errors) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, errors.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  std::string type = "-T" + format;
  std::string program = "dot";
  std::string output = "-o" + path;
  std::string source = input;
  char* argv[] = {program.data(), type.data(), output.data(), source.data(), nullptr};
  pid_t child = 0;
  const int started = ::posix_spawnp(&child, "dot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (started != 0) {
    errno = started;
    return -1;
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return 128;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace

void render_dot(const std::string& dot, const std::string& path) {
  const std::string extension = lower(fs::path(path).extension().string());
  if (extension == ".dot" || extension == ".gv") return write_text(path, dot);
  if (extension != ".svg" && extension != ".png" && extension != ".pdf") {
    throw Error("visualize: " + path + ": cannot write a graph as \"" + extension +
                "\" (expected a file name ending in .svg, .png, .pdf or .dot)");
  }
  TemporaryFile input("tessera-graph");
  TemporaryFile errors("tessera-dot-errors");
  write_text(input.path, dot);
  const int status = run_dot(extension.substr(1), path, input.path, errors.path);
  if (status == -1) {
    const int error = errno;
    const char* search = std::getenv("PATH");
    if (error == ENOENT) {
      throw Error("visualize: cannot draw " + path +
                  ": Graphviz's \"dot\" program is not on PATH (" + (search ? search : "") +
                  "); install Graphviz (Debian/Ubuntu: apt-get install graphviz; on a cluster "
                  "perhaps: module load graphviz), or write the DOT text with a .dot file name");
    }
    throw Error("visualize: cannot draw " + path +
                ": Graphviz's \"dot\" could not start: " + std::strerror(error));
  }
  if (status != 0) {
    std::string said = read_text(errors.path);
    while (!said.empty() && std::isspace(static_cast<unsigned char>(said.back()))) said.pop_back();
    throw Error("visualize: Graphviz's \"dot\" could not draw " + path + " (exit status " +
                std::to_string(status) + "): " + (said.empty() ? "it said nothing" : said));
  }
}

}  // namespace tessera
