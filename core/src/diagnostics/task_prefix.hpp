#pragma once
// A key's task prefix, as Dask names it: what the key says the task does, without the token
// or block index that make it unique ("sum-4f1a,(2,3)" -> "sum", "inc-1f" -> "inc").
// The dashboard colours and counts tasks by prefix.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tessera::detail {

/// The prefix of `key`: up to its first ',', without a trailing "-<hex token>".
std::string_view task_prefix(std::string_view key) noexcept;

/// Prefixes interned into small dense ids, in order of first sight.
class PrefixTable {
 public:
  /// The id of `key`'s prefix, interning it if new.
  std::uint32_t id_of_key(std::string_view key);
  const std::string& name(std::uint32_t id) const { return names_[id]; }
  std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(names_.size()); }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::uint32_t> ids_;
  std::uint32_t last_ = 0;  // keys in a graph come in runs of one prefix
};

}  // namespace tessera::detail
