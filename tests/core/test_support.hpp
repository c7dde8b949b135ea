#pragma once
// Helpers shared by the core tests: clients on either scheduler, a gate that tasks wait on,
// and polling with a deadline so that a broken engine fails a test instead of hanging it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "tessera/client.hpp"
#include "tessera/config.hpp"

namespace tessera_test {

using namespace std::chrono_literals;

/// A local client on `scheduler` ("sync" or "threads").
inline tessera::Client make_client(const std::string& scheduler, std::uint32_t threads = 2) {
  return tessera::Client({.scheduler = scheduler, .threads = threads});
}

/// A flag that tasks wait on until the test opens it. A wait gives up after `limit` (and
/// returns false) so that a test that fails before opening the gate does not hang.
class Gate {
 public:
  void open() noexcept { open_.store(true, std::memory_order_release); }
  bool is_open() const noexcept { return open_.load(std::memory_order_acquire); }
  bool wait(std::chrono::milliseconds limit = 5s) const {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!is_open()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(1ms);
    }
    return true;
  }

 private:
  std::atomic<bool> open_{false};
};

/// Polls `condition` until it holds or `limit` passes; returns whether it held.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

/// Whether `text` contains `part`.
inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// Sets (or unsets, for null) an environment variable for the life of the guard.
class EnvGuard {
 public:
  EnvGuard(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;
  ~EnvGuard() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

/// Forgets config::set values when the test ends, however it ends.
struct ConfigReset {
  ConfigReset() { tessera::config::reset(); }
  ConfigReset(const ConfigReset&) = delete;
  ConfigReset& operator=(const ConfigReset&) = delete;
  ~ConfigReset() { tessera::config::reset(); }
};

}  // namespace tessera_test
