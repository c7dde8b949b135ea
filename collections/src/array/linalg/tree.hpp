#pragma once
// Merging many nodes into one by a tree of tasks, `fan_in` at a time, as the reductions do:
// the memory a merge holds is bounded by fan_in inputs, and the depth is log_fan_in(n).

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "tessera/delayed.hpp"

namespace tessera::detail::array {

/// Merges `level` by calls merge(inputs, depth, position) of up to `fan_in` nodes each until
/// at most `fan_in` are left, and returns those (the inputs of the final task).
template <class V, class Merge>
std::vector<Delayed<V>> merge_tree(std::vector<NodePtr> level, std::int64_t fan_in, Merge merge) {
  const auto fan = static_cast<std::size_t>(std::max<std::int64_t>(fan_in, 2));
  auto group = [&](std::size_t begin, std::size_t end) {
    std::vector<Delayed<V>> parts;
    for (std::size_t i = begin; i < end; ++i) parts.emplace_back(level[i]);
    return parts;
  };
  for (std::int64_t depth = 1; level.size() > fan; ++depth) {
    std::vector<NodePtr> next;
    for (std::size_t i = 0; i < level.size(); i += fan) {
      next.push_back(merge(group(i, std::min(level.size(), i + fan)), depth,
                           static_cast<std::int64_t>(i / fan)));
    }
    level = std::move(next);
  }
  return group(0, level.size());
}

/// `index` with `extra` appended: the key index of a task among several for one block.
inline Shape extend(Shape index, std::int64_t extra) {
  index.push_back(extra);
  return index;
}

}  // namespace tessera::detail::array
