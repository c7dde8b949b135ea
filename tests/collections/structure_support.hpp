#pragma once
// Helpers of the structure tests: arrays whose values are their C-order index, reference
// results from plain loops, and a look at the task graph an array lowers to.

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tessera/array.hpp"

namespace structure_test {

using tessera::Chunks;
using tessera::Shape;

inline std::int64_t product(const Shape& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

/// 0, 1, 2, ... in C order, split into `chunks`.
inline tessera::Array<std::int64_t> iota(const Shape& shape, const Chunks& chunks) {
  std::vector<std::int64_t> values(static_cast<std::size_t>(product(shape)));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<std::int64_t>(i);
  return tessera::from_vector(values, shape, tessera::ChunkSpec(chunks));
}

/// Random block lengths adding up to n: 1-element blocks, ragged ones, sometimes one block.
inline std::vector<std::int64_t> random_lengths(std::int64_t n, std::mt19937& rng) {
  if (n == 0) return {0};
  std::vector<std::int64_t> lengths;
  const int style = static_cast<int>(rng() % 4);
  if (style == 0) return {n};
  if (style == 1) return std::vector<std::int64_t>(static_cast<std::size_t>(n), 1);
  if (style == 2) {  // regular with a smaller last block
    const std::int64_t c = 1 + static_cast<std::int64_t>(rng() % static_cast<unsigned>(n));
    for (std::int64_t at = 0; at < n; at += c) lengths.push_back(std::min(c, n - at));
    return lengths;
  }
  for (std::int64_t at = 0; at < n;) {
    const std::int64_t c =
        std::min(n - at, 1 + static_cast<std::int64_t>(rng() % static_cast<unsigned>(n)));
    lengths.push_back(c);
    at += c;
  }
  return lengths;
}

inline Chunks random_chunks(const Shape& shape, std::mt19937& rng) {
  Chunks chunks;
  for (auto n : shape) chunks.push_back(random_lengths(n, rng));
  return chunks;
}

inline Shape random_shape(std::mt19937& rng, int max_ndim = 4, int max_len = 7) {
  Shape shape(1 + rng() % static_cast<unsigned>(max_ndim));
  for (auto& n : shape) n = static_cast<std::int64_t>(rng() % static_cast<unsigned>(max_len + 1));
  return shape;
}

/// Nodes of the graph behind `nodes`: how many tasks of each function, and the most inputs
/// (other nodes) one task of each function has.
struct GraphStats {
  std::map<std::string, std::int64_t> tasks;
  std::map<std::string, std::int64_t> most_inputs;
  std::int64_t nodes = 0;
};

inline GraphStats graph_stats(const std::vector<tessera::detail::NodePtr>& outputs) {
  GraphStats stats;
  std::set<const tessera::detail::Node*> seen;
  std::vector<const tessera::detail::Node*> stack;
  for (const auto& n : outputs) stack.push_back(n.get());
  while (!stack.empty()) {
    const auto* node = stack.back();
    stack.pop_back();
    if (!seen.insert(node).second) continue;
    ++stats.nodes;
    std::int64_t inputs = 0;
    for (const auto& arg : node->args()) {
      if (const auto* p = arg.node()) {
        stack.push_back(p->get());
        ++inputs;
      }
    }
    if (node->is_task()) {
      const std::string name(node->code->name);
      ++stats.tasks[name];
      stats.most_inputs[name] = std::max(stats.most_inputs[name], inputs);
    }
  }
  return stats;
}

template <class T>
GraphStats graph_stats(const tessera::Array<T>& a) {
  std::vector<tessera::detail::NodePtr> nodes;
  for (const auto& d : a.to_delayed()) nodes.push_back(d.node());
  return graph_stats(nodes);
}

}  // namespace structure_test
