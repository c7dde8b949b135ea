#pragma once
// The results of a run's tasks, in slots that are reused: a task takes a slot when it runs and
// gives it back when its last dependent has read it. A run of millions of tasks then holds a
// Value for each result alive at once (few, in depth-first order) and four bytes per task for
// where its result is, instead of a Value (32 bytes) per task; and the slots it reuses are
// still in cache. The slots are one array with room for a slot per task, whose memory the
// system gives only as slots are first taken (it is never written before).

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "tessera/value.hpp"

namespace tessera::detail {

class ResultSlots {
 public:
  /// For `tasks` tasks run by `workers` threads (indices 0 .. workers - 1).
  ResultSlots(std::uint32_t tasks, std::uint32_t workers);
  ~ResultSlots();
  ResultSlots(const ResultSlots&) = delete;
  ResultSlots& operator=(const ResultSlots&) = delete;

  /// The result of `task`, which holds one (it took a slot and has not released it).
  Value& operator[](std::uint32_t task) noexcept { return at(slot_of_[task]); }

  /// An empty slot for the result of `task`, taken by `worker`: the last one it released, or
  /// a new one.
  Value& take(std::uint32_t task, std::uint32_t worker) {
    auto& released = free_[worker].slots;
    const std::uint32_t slot = released.empty() ? new_slot() : released.back();
    if (!released.empty()) released.pop_back();
    slot_of_[task] = slot;
    return at(slot);
  }

  /// Empties the result of `task`, if it took a slot, and gives the slot to `worker`.
  void release(std::uint32_t task, std::uint32_t worker) noexcept {
    const auto slot = slot_of_[task];
    if (slot == no_slot) return;  // it did not run (it failed first, or was skipped)
    at(slot).reset();
    auto& released = free_[worker].slots;
    if (released.size() < released.capacity()) {
      released.push_back(slot);
    } else {
      keep_released(released, slot);
    }
  }

  /// Slots made so far: the most results held at once, give or take what workers keep.
  std::uint32_t slots_made() const noexcept { return next_.load(std::memory_order_relaxed); }

 private:
  static constexpr std::uint32_t no_slot = std::numeric_limits<std::uint32_t>::max();

  Value& at(std::uint32_t slot) noexcept { return slots_[slot]; }
  // A slot never taken before.
  std::uint32_t new_slot() noexcept;
  // Adds `slot` to a worker's full list of released slots, if memory allows.
  static void keep_released(std::vector<std::uint32_t>& released, std::uint32_t slot) noexcept;

  // Each worker's released slots, on a cache line of its own (the workers push and pop them
  // at every task).
  struct alignas(64) FreeList {
    std::vector<std::uint32_t> slots;
  };

  std::unique_ptr<std::uint32_t[]> slot_of_;  // per task, or no_slot
  Value* slots_;                              // room for one per task; the first next_ made
  std::atomic<std::uint32_t> next_{0};        // slots ever taken new
  std::unique_ptr<FreeList[]> free_;
};

}  // namespace tessera::detail
