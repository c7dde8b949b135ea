#pragma once
// Helpers of the jobqueue tests: a scope with no config file and no TESSERA_JOBQUEUE_*
// variables (so that the machine's own settings never leak in), variables set for a scope,
// and a temporary directory.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <tessera/errors.hpp>
#include <utility>
#include <vector>

extern char** environ;

namespace tessera_jobqueue_test {

// The message of the tessera::ConfigError that `f` throws, or "no ConfigError" (any other
// exception goes on, and fails the test).
template <class F>
std::string config_error(F&& f) {
  try {
    f();
  } catch (const tessera::ConfigError& error) {
    return error.what();
  }
  return "no ConfigError";
}

// A directory under the system's temporary directory, removed at the end of the scope.
class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("tessera-jobqueue-test-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  ~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  // Writes `text` to the file `name` in the directory and returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(file(name)) << text;
    return file(name);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Sets environment variables for the scope; restores what was there before.
class Environment {
 public:
  Environment() = default;
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;
  ~Environment() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) {
        ::setenv(it->first.c_str(), it->second->c_str(), 1);
      } else {
        ::unsetenv(it->first.c_str());
      }
    }
  }
  void set(const std::string& name, const std::string& value) {
    save(name);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  void unset(const std::string& name) {
    save(name);
    ::unsetenv(name.c_str());
  }

 private:
  void save(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    saved_.emplace_back(name, value ? std::optional<std::string>(value) : std::nullopt);
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// No config file (XDG_CONFIG_HOME points at an empty directory) and no TESSERA_JOBQUEUE_*
// or TESSERA_CONFIG variables for the scope.
class Isolated {
 public:
  Isolated() {
    std::vector<std::string> names;
    for (char** variable = environ; *variable != nullptr; ++variable) {
      const std::string entry = *variable;
      if (entry.rfind("TESSERA_JOBQUEUE_", 0) == 0)
        names.push_back(entry.substr(0, entry.find('=')));
    }
    for (const auto& name : names) environment.unset(name);
    environment.unset("TESSERA_CONFIG");
    environment.set("XDG_CONFIG_HOME", directory.path().string());
  }
  TemporaryDirectory directory;
  Environment environment;
};

}  // namespace tessera_jobqueue_test
