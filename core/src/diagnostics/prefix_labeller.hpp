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

/// Labels the tasks of one run: it knows codes by their addresses, which the run's codes
/// keep while it lives.
class PrefixLabeller {
 public:
  explicit PrefixLabeller(PrefixTable& table) noexcept : table_(table) {}

  /// The id of the prefix of `key`, the key of a task with `code`: table.id_of_key(key).
  std::uint32_t id_of_task(const Key& key, const TaskCode& code) {
    return code.keys_from_name ? id_of_named(code) : id_of_key(key, code);
  }
  /// id_of_task for a code whose keys are made from its name, without the key.
  std::uint32_t id_of_named(const TaskCode& code) {
    auto& named = named_[slot_of(&code)];
    if (named.code == &code) return named.id;
    return named_miss(code, named);
  }
  /// id_of_task for a code whose keys are not made from its name: the key is read.
  std::uint32_t id_of_key(std::string_view key, const TaskCode& code) {
    return id_of_key(key, static_cast<const void*>(&code));
  }
  /// The id of `key`'s prefix, read from the key; `hint`, any address that keys of the same
  /// prefixes share (their function's), or null, picks the prefixes tried first.
  std::uint32_t id_of_key(std::string_view key, const void* hint) {
    auto& guesses = guesses_[slot_of(hint)];
    if (guesses[0].matches(key)) return guesses[0].id;
    if (guesses[1].matches(key)) return guesses[1].id;
    return key_miss(key, guesses);
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
  // A code whose keys are made from its name, and its name's prefix.
  struct Named {
    const TaskCode* code = nullptr;
    const char* name = nullptr;
    std::size_t name_size = ~std::size_t{0};  // no name yet
    std::uint32_t id = 0;
  };
  // The prefixes last met with the codes that hash here, the latest missed first.
  using Guesses = std::array<Guess, 2>;

  static std::size_t slot_of(const void* code) noexcept {
    const auto bits = reinterpret_cast<std::uintptr_t>(code);
    return (bits >> 5) % slots;  // codes are ~100-byte objects: neighbours differ
  }
  std::uint32_t named_miss(const TaskCode& code, Named& named);
  std::uint32_t key_miss(std::string_view key, Guesses& guesses);

  static constexpr std::size_t slots = 8;
  PrefixTable& table_;
  std::array<Named, slots> named_{};
  std::array<Guesses, slots> guesses_{};
};

}  // namespace tessera::detail
