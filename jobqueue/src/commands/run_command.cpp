#include "commands/run_command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "tessera/errors.hpp"

extern char** environ;

namespace tessera::jobqueue::detail {
namespace {

bool is_executable(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

// Closes a descriptor at the end of a scope.
struct Descriptor {
  int fd = -1;
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
};

std::string system_error(std::string_view what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// The input travels in an anonymous memory file rather than a pipe: the child reads it at
// its own pace, and a child that never reads it cannot block us or raise SIGPIPE here.
int input_file(std::string_view input) {
  const int fd = ::memfd_create("tessera-jobqueue-input", MFD_CLOEXEC);
  if (fd < 0) throw Error(std::string("jobqueue: ") + system_error("memfd_create"));
  std::size_t written = 0;
  while (written < input.size()) {
    const ssize_t n = ::write(fd, input.data() + written, input.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      throw Error(std::string("jobqueue: ") + system_error("writing a command's input"));
    }
    written += static_cast<std::size_t>(n);
  }
  ::lseek(fd, 0, SEEK_SET);
  return fd;
}

pid_t spawn(const std::string& path, const std::vector<std::string>& argv, int input, int output) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, input, 0);
  posix_spawn_file_actions_adddup2(&actions, output, 1);
  posix_spawn_file_actions_adddup2(&actions, output, 2);
  pid_t pid = 0;
  const int error = ::posix_spawn(&pid, path.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    throw Error(std::string("jobqueue: cannot start ") + command_line(argv) + ": " +
                std::strerror(error));
  }
  return pid;
}

int exit_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return exit_status(status);
}

// Waits for `pid` until `deadline`; false if it still runs then.
bool wait_until(pid_t pid, std::chrono::steady_clock::time_point deadline, int& status) {
  while (true) {
    int raw = 0;
    const pid_t done = ::waitpid(pid, &raw, WNOHANG);
    if (done == pid) {
      status = exit_status(raw);
      return true;
    }
    if (done < 0 && errno != EINTR) {
      status = -1;
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    ::usleep(5000);
  }
}

[[noreturn]] void timed_out(pid_t pid, const std::vector<std::string>& argv,
                            std::chrono::milliseconds timeout, const std::string& output) {
  ::kill(pid, SIGKILL);
  wait_for(pid);
  throw TimeoutError(std::string("jobqueue: ") + command_line(argv) + " did not finish within " +
                     std::to_string(timeout.count()) + " ms and was killed; its output so far: " +
                     (output.empty() ? std::string("none") : output));
}

}  // namespace

std::string find_program(std::string_view program) {
  if (program.empty()) return {};
  if (program.find('/') != std::string_view::npos) {
    return is_executable(std::string(program)) ? std::string(program) : std::string();
  }
  const char* path = std::getenv("PATH");
  std::string_view directories = path != nullptr ? path : "/usr/bin:/bin";
  while (true) {
    const auto colon = directories.find(':');
    std::string_view directory = directories.substr(0, colon);
    if (directory.empty()) directory = ".";
    std::string candidate(directory);
    candidate.append("/").append(program);
    if (is_executable(candidate)) return candidate;
    if (colon == std::string_view::npos) return {};
    directories.remove_prefix(colon + 1);
  }
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& arg : argv) {
    if (!line.empty()) line += ' ';
    const bool plain =
        !arg.empty() && arg.find_first_of(" \t\n\"'\\$`*?;&|<>()#~") == std::string::npos;
    if (plain) {
      line += arg;
      continue;
    }
    line += '\'';
    for (char c : arg) {
      if (c == '\'') {
        line += "'\\''";
      } else {
        line += c;
      }
    }
    line += '\'';
  }
  return line;
}

CommandResult run_command(const std::vector<std::string>& argv, std::string_view input,
                          std::chrono::milliseconds timeout) {
  const std::string path = find_program(argv.at(0));
  if (path.empty()) {
    const char* search = std::getenv("PATH");
    throw ConfigError(std::string("jobqueue: ") + command_line(argv) + ": the command " + argv[0] +
                      " is not found on PATH (" + (search != nullptr ? search : "unset") +
                      "): run this on a login node of the batch system, or put its commands "
                      "on PATH");
  }
  Descriptor in{input_file(input)};
  int pipe_ends[2];
  if (::pipe2(pipe_ends, O_CLOEXEC) != 0)
    throw Error(std::string("jobqueue: ") + system_error("pipe"));
  Descriptor read_end{pipe_ends[0]};
  Descriptor write_end{pipe_ends[1]};
  const pid_t pid = spawn(path, argv, in.fd, write_end.fd);
  ::close(write_end.fd);
  write_end.fd = -1;

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  CommandResult result;
  char buffer[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) timed_out(pid, argv, timeout, result.output);
    pollfd poll_fd{read_end.fd, POLLIN, 0};
    const int ready = ::poll(&poll_fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    const ssize_t n = ::read(read_end.fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of output: every writer has closed it
    result.output.append(buffer, static_cast<std::size_t>(n));
  }
  // The output can end before the program does (it closed its descriptors).
  if (!wait_until(pid, deadline, result.status)) timed_out(pid, argv, timeout, result.output);
  return result;
}

}  // namespace tessera::jobqueue::detail
