#include "local/result_slots.hpp"

#include <algorithm>

namespace tessera::detail {

ResultSlots::ResultSlots(std::uint32_t tasks, std::uint32_t workers)
    : slot_of_(new std::uint32_t[tasks]),
      // Memory of this size comes from the system untouched (glibc maps it), and stays so
      // where no slot is made.
      slots_(static_cast<Value*>(::operator new(std::max<std::size_t>(tasks, 1) * sizeof(Value)))),
      free_(new FreeList[std::max<std::uint32_t>(workers, 1)]) {
  std::fill(slot_of_.get(), slot_of_.get() + tasks, no_slot);
}

ResultSlots::~ResultSlots() {
  const auto made = next_.load(std::memory_order_relaxed);
  for (std::uint32_t slot = 0; slot < made; ++slot) slots_[slot].~Value();
  ::operator delete(slots_);
}

std::uint32_t ResultSlots::new_slot() noexcept {
  // Each task takes at most one slot, so a run never needs more slots than tasks.
  const std::uint32_t slot = next_.fetch_add(1, std::memory_order_relaxed);
  ::new (static_cast<void*>(slots_ + slot)) Value();
  return slot;
}

void ResultSlots::keep_released(std::vector<std::uint32_t>& released, std::uint32_t slot) noexcept {
  try {
    released.push_back(slot);
  } catch (...) {  // out of memory: the slot is not reused
  }
}

}  // namespace tessera::detail
