#pragma once
// Labels a run's tasks with their prefix ids as the run is submitted: the dashboard's cost per
// task submitted. A key made from its function's name ("inc-1f2a") has the prefix of the
// function, so the task's code predicts the prefix of its key; the prediction is checked on
// the key's first bytes (two word compares), so that a key of another prefix (chosen by the
// user, a collection's block key) still gets its own. What misses goes to the PrefixTable.

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "diagnostics/task_prefix.hpp"

namespace tessera::detail {

class PrefixLabeller {
 public:
  explicit PrefixLabeller(PrefixTable& table) noexcept : table_(table) {}

  /// The id of `key`'s prefix in the table: table.id_of_key(key). `code` (any pointer that
  /// tasks of the same function share, or null) picks the guesses tried first.
  std::uint32_t id_of_key(std::string_view key, const void* code) {
    auto& set = sets_[set_of(code)];
    if (set[0].matches(key)) return set[0].id;
    if (set[1].matches(key)) return set[1].id;
    return miss(key, set);
  }

 private:
  // A prefix and the separator after it, up to 16 bytes, compared as two words: the first 8
  // bytes of the key and the 8 that end with the separator (the same word when shorter).
  struct Guess {
    std::uint64_t head = 0;
    std::uint64_t tail = 0;
    std::uint64_t mask = 0;    // the bytes of each word that are compared
    std::uint32_t need = ~0u;  // the shortest key compared (at least 8): none when unset
    std::uint32_t id = 0;

    bool matches(std::string_view key) const noexcept {
      if (key.size() < need) return false;
      std::uint64_t head_word;
      std::uint64_t tail_word;
      std::memcpy(&head_word, key.data(), sizeof head_word);
      std::memcpy(&tail_word, key.data() + need - sizeof tail_word, sizeof tail_word);
      return (((head_word ^ head) | (tail_word ^ tail)) & mask) == 0;
    }
  };
  using Set = std::array<Guess, 2>;  // the latest missed first

  static std::size_t set_of(const void* code) noexcept {
    const auto bits = reinterpret_cast<std::uintptr_t>(code);
    return (bits >> 5) % set_count;  // codes are ~100-byte objects: neighbours differ
  }
  std::uint32_t miss(std::string_view key, Set& set);

  static constexpr std::size_t set_count = 8;
  PrefixTable& table_;
  std::array<Set, set_count> sets_{};
};

}  // namespace tessera::detail
