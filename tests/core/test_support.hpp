#pragma once
// Helpers shared by the core tests: clients on either scheduler, a gate that tasks wait on,
// and polling with a deadline so that a broken engine fails a test instead of hanging it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "tessera/client.hpp"

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

}  // namespace tessera_test
