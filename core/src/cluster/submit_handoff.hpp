#pragma once
// The task specs that rank 0's own client gives the scheduler of its process: moved from one
// to the other instead of copied into a Submit message, copied out of the message batch and
// copied again into the scheduler's run (three copies of ~100 bytes per task at once, at the
// moment the whole graph is held).

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tessera::detail {

class SubmitHandoff {
 public:
  /// Leaves the specs of `run` for the scheduler, which takes them when its Submit arrives.
  void put(std::uint64_t run, std::vector<std::byte> specs) {
    std::lock_guard lock(mutex_);
    specs_[run] = std::move(specs);
  }
  /// The specs left for `run`, once; nothing if none were.
  std::optional<std::vector<std::byte>> take(std::uint64_t run) {
    std::lock_guard lock(mutex_);
    auto found = specs_.find(run);
    if (found == specs_.end()) return std::nullopt;
    auto specs = std::move(found->second);
    specs_.erase(found);
    return specs;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::vector<std::byte>> specs_;
};

}  // namespace tessera::detail
