#include "diagnostics/task_prefix.hpp"

#include <algorithm>

namespace tessera::detail {

std::string_view task_prefix(std::string_view key) noexcept {
  return key.substr(0, key.find_first_of("-,"));
}

std::uint32_t PrefixTable::id_of_key(std::string_view key) {
  // No reordering on a hit: with two prefixes taking turns, that would be a write every time.
  for (const auto id : recent_) {
    if (id >= names_.size()) break;
    const std::string_view name = names_[id];
    const auto n = name.size();
    if (key.size() >= n && (key.size() == n || key[n] == '-' || key[n] == ',') &&
        std::char_traits<char>::compare(key.data(), name.data(), n) == 0) {
      return id;
    }
  }
  auto [it, added] = ids_.try_emplace(std::string(task_prefix(key)), size());
  if (added) names_.push_back(it->first);
  std::rotate(recent_.begin(), recent_.end() - 1, recent_.end());
  recent_[0] = it->second;
  return it->second;
}

}  // namespace tessera::detail
