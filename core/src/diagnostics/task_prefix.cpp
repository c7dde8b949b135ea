#include "diagnostics/task_prefix.hpp"

#include <algorithm>

namespace tessera::detail {

std::string_view task_prefix(std::string_view key) noexcept {
  return key.substr(0, key.find_first_of("-,"));
}

std::uint32_t PrefixTable::id_of_key(std::string_view key) {
  for (std::size_t i = 0; i < recent_.size(); ++i) {
    const auto id = recent_[i];
    if (id >= names_.size()) break;
    const auto& name = names_[id];
    if (key.starts_with(name) &&
        (key.size() == name.size() || key[name.size()] == '-' || key[name.size()] == ',')) {
      std::rotate(recent_.begin(), recent_.begin() + static_cast<std::ptrdiff_t>(i),
                  recent_.begin() + static_cast<std::ptrdiff_t>(i) + 1);
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
