#pragma once
// Labels a run's tasks with their prefix ids as the run is submitted: the dashboard's cost per
// task submitted. Reading a task's key is most of that cost (the key lies in the task's node,
// a cache miss each), so the key is read only when the task's code does not tell its prefix:
// a code whose tasks all have keys made from its name (TaskCode::keys_from_name) gives the
// prefix of that name. Other keys (chosen by the user, a collection's block keys) are matched
// against the prefixes last seen with the same code, on their first bytes (two word
// compares); what misses goes to the PrefixTable.

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "diagnostics/task_prefix.hpp"
#include "tessera/detail/invoke.hpp"
#include "tessera/key.hpp"

namespace tessera::detail {

class PrefixLabeller {
 public:
  explicit PrefixLabeller(PrefixTable& table) noexcept : table_(table) {}

  /// The id of the prefix of `key`, the key of a task with `code`: table.id_of_key(key).
  std::uint32_t id_of_task(const Key& key, const TaskCode& code) {
    auto& set = sets_[set_of(&code)];
    if (code.keys_from_name) {
      // Codes copied per call (generic lambdas) share their name's characters.
      if (code.name.data() == set.name && code.name.size() == set.name_size) return set.name_id;
      return name_miss(code.name, set);
    }
    const std::string_view view = key;
    if (set.guesses[0].matches(view)) return set.guesses[0].id;
    if (set.guesses[1].matches(view)) return set.guesses[1].id;
    return key_miss(view, set);
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
  // What the tasks of the codes that hash here were last labelled: the name of a code whose
  // keys are made from it, and the prefixes of other keys (the latest missed first).
  struct Set {
    const char* name = nullptr;
    std::size_t name_size = ~std::size_t{0};  // none yet
    std::uint32_t name_id = 0;
    std::array<Guess, 2> guesses{};
  };

  static std::size_t set_of(const TaskCode* code) noexcept {
    const auto bits = reinterpret_cast<std::uintptr_t>(code);
    return (bits >> 5) % set_count;  // codes are ~100-byte objects: neighbours differ
  }
  std::uint32_t name_miss(std::string_view name, Set& set);
  std::uint32_t key_miss(std::string_view key, Set& set);

  static constexpr std::size_t set_count = 8;
  PrefixTable& table_;
  std::array<Set, set_count> sets_{};
};

}  // namespace tessera::detail
