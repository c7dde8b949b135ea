#include "diagnostics/task_prefix.hpp"

namespace tessera::detail {

std::string_view task_prefix(std::string_view key) noexcept {
  auto name = key.substr(0, key.find(','));
  const auto dash = name.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return name;
  for (auto c : name.substr(dash + 1)) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return name;
  }
  return name.substr(0, dash);
}

std::uint32_t PrefixTable::id_of_key(std::string_view key) {
  const auto prefix = task_prefix(key);
  if (last_ < names_.size() && names_[last_] == prefix) return last_;
  auto [it, added] = ids_.try_emplace(std::string(prefix), size());
  if (added) names_.push_back(it->first);
  last_ = it->second;
  return last_;
}

}  // namespace tessera::detail
