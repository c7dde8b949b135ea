#pragma once
// A key's task prefix, as Dask's dashboard groups tasks: what the key says the task does,
// without the token or block index that make it unique ("sum-4f1a,(2,3)" -> "sum",
// "inc-1f" -> "inc"). tessera's keys start with a function's name (a C++ identifier, or a
// registered name) or a collection's name, so the prefix is the key up to its first '-' or ','.
// The dashboard colours and counts tasks by prefix.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tessera::detail {

/// The prefix of `key`: up to its first '-' or ','.
std::string_view task_prefix(std::string_view key) noexcept;

/// Prefixes interned into small dense ids, in order of first sight. Past `most_prefixes`
/// (keys written one by one without separators, "t0", "t1", ...), new prefixes all share the
/// id of one named `other_prefixes`: the table, and what is kept per prefix, stay bounded.
class PrefixTable {
 public:
  static constexpr std::uint32_t most_prefixes = 4096;
  static constexpr std::string_view other_prefixes = "(other prefixes)";

  /// The id of `key`'s prefix, interning it if new. Keys of a graph come in runs of a few
  /// prefixes (leaves and reductions alternate), so the last few are tried first.
  std::uint32_t id_of_key(std::string_view key);

  /// The last two prefixes a caller met, tried before the table: a graph's keys come in runs
  /// of a few prefixes, and a per-task lookup is the dashboard's cost per task submitted.
  struct Recent {
    std::array<std::string, 2> names;
    std::array<std::uint32_t, 2> ids{};
    int filled = 0;
  };
  std::uint32_t id_of_key(std::string_view key, Recent& recent);

  /// Whether `key` has the prefix `name` (it starts with it, then ends or goes on with '-' or
  /// ','); a few bytes compared in place, as a memcmp call costs more for names this short.
  static bool has_prefix(std::string_view key, std::string_view name) noexcept {
    const auto n = name.size();
    if (key.size() < n || (key.size() > n && key[n] != '-' && key[n] != ',')) return false;
    for (std::size_t i = 0; i < n; ++i) {
      if (key[i] != name[i]) return false;
    }
    return true;
  }
  const std::string& name(std::uint32_t id) const { return names_[id]; }
  std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(names_.size()); }
  /// Whether `id` stands for the prefixes past most_prefixes.
  bool is_other(std::uint32_t id) const noexcept { return id == other_; }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::uint32_t> ids_;
  std::array<std::uint32_t, 4> recent_{};    // ids, the latest missed first; valid below size()
  std::uint32_t other_ = ~std::uint32_t{0};  // the id of other_prefixes, once needed
};

}  // namespace tessera::detail
