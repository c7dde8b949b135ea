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
    if (has_prefix(key, names_[id])) return id;
  }
  std::string prefix(task_prefix(key));
  if (size() >= most_prefixes && !ids_.contains(prefix)) prefix = other_prefixes;
  auto [it, added] = ids_.try_emplace(std::move(prefix), size());
  if (added) names_.push_back(it->first);
  if (it->first == other_prefixes) other_ = it->second;
  std::rotate(recent_.begin(), recent_.end() - 1, recent_.end());
  recent_[0] = it->second;
  return it->second;
}

std::uint32_t PrefixTable::id_of_key(std::string_view key, Recent& recent) {
  for (int i = 0; i < recent.filled; ++i) {
    if (has_prefix(key, recent.names[static_cast<std::size_t>(i)])) {
      return recent.ids[static_cast<std::size_t>(i)];
    }
  }
  const auto id = id_of_key(key);
  recent.names[1] = std::move(recent.names[0]);
  recent.ids[1] = recent.ids[0];
  recent.names[0] = names_[id];
  recent.ids[0] = id;
  recent.filled = std::min(recent.filled + 1, 2);
  return id;
}

}  // namespace tessera::detail
