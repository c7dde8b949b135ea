// Shared helpers of the elastic probes: a clock, a tiny argument reader, an atomically
// written "port file", and one JSON line per measurement on stdout.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace probe {

inline double now() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

// "--name value" pairs and bare flags after the role word.
class Args {
 public:
  Args(int argc, char** argv) : items_(argv + 1, argv + argc) {}
  bool flag(const std::string& name) const {
    for (const auto& item : items_)
      if (item == name) return true;
    return false;
  }
  std::string text(const std::string& name, const std::string& fallback) const {
    for (std::size_t i = 0; i + 1 < items_.size(); ++i)
      if (items_[i] == name) return items_[i + 1];
    return fallback;
  }
  long number(const std::string& name, long fallback) const {
    const std::string value = text(name, "");
    if (value.empty()) return fallback;
    char* end = nullptr;
    const long parsed = std::strtol(value.c_str(), &end, 10);
    if (*end != '\0') throw std::invalid_argument(name + ": not an integer: " + value);
    return parsed;
  }
  std::string role() const { return items_.empty() ? std::string() : items_.front(); }

 private:
  std::vector<std::string> items_;
};

// Write-then-rename, so a reader never sees half a port string.
inline void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + temporary);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0)
    throw std::runtime_error("cannot rename " + temporary + " to " + path);
}

// Waits (bounded) for the file to appear, then returns its contents.
inline std::string wait_for_file(const std::string& path, double timeout_s) {
  const double deadline = now() + timeout_s;
  while (now() < deadline) {
    std::ifstream in(path);
    if (in) {
      std::stringstream text;
      text << in.rdbuf();
      if (!text.str().empty()) return text.str();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("no file " + path + " after " + std::to_string(timeout_s) + " s");
}

// Message sizes 8 B .. 64 MiB, by factors of 8.
inline std::vector<std::size_t> message_sizes(std::size_t largest) {
  std::vector<std::size_t> sizes;
  for (std::size_t size = 8; size <= largest; size *= 8) sizes.push_back(size);
  if (sizes.back() != largest) sizes.push_back(largest);
  return sizes;
}

// Round trips per size: many for small messages, a few for large ones (runs stay short).
inline int round_trips(std::size_t size, int most = 2000) {
  const std::size_t budget = std::size_t{256} << 20;  // bytes moved one way per size
  const std::size_t trips = budget / size;
  const std::size_t cap = static_cast<std::size_t>(most);
  return static_cast<int>(trips < 5 ? 5 : (trips > cap ? cap : trips));
}

inline void emit(const std::string& json) {
  std::printf("%s\n", json.c_str());
  std::fflush(stdout);
}

}  // namespace probe
