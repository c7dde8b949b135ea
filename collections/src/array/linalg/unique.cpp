#include "unique.hpp"

#include <algorithm>
#include <string>

#include "../dispatch.hpp"
#include "../evaluate.hpp"
#include "../lowering.hpp"
#include "order.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/config.hpp"
#include "tessera/key.hpp"
#include "tessera/task.hpp"
#include "tree.hpp"

namespace tessera::detail::array {
namespace {

// Sorts (value, count) pairs and adds up the counts of equal values.
template <class T>
Partial distinct(std::vector<std::pair<T, std::int64_t>> items) {
  auto by_value = [](const auto& x, const auto& y) { return sorts_before(x.first, y.first); };
  if (!std::is_sorted(items.begin(), items.end(), by_value)) {
    std::sort(items.begin(), items.end(), by_value);
  }
  std::size_t n = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (n > 0 && sorts_equal(items[n - 1].first, items[i].first)) {
      items[n - 1].second += items[i].second;
    } else {
      items[n++] = items[i];
    }
  }
  const Shape shape{static_cast<std::int64_t>(n)};
  Partial p{Block::allocate(dtype_of<T>(), shape), Block::allocate(DType::int64, shape)};
  T* values = p[0].values<T>().data();
  std::int64_t* counts = p[1].values<std::int64_t>().data();
  for (std::size_t i = 0; i < n; ++i) {
    values[i] = items[i].first;
    counts[i] = items[i].second;
  }
  return p;
}

void check_partial(const Partial& p, DType dtype) {
  if (p.size() != 2 || p[0].dtype != dtype || p[1].dtype != DType::int64 ||
      p[0].shape.size() != 1 || p[0].shape != p[1].shape) {
    throw ArrayError("unique: a malformed partial result");
  }
  p[0].check();
  p[1].check();
}

template <class T>
Partial merged(const std::vector<Partial>& parts) {
  if (parts.size() == 1) {
    check_partial(parts[0], dtype_of<T>());
    return parts[0];
  }
  std::vector<std::pair<T, std::int64_t>> items;
  for (const Partial& p : parts) {
    check_partial(p, dtype_of<T>());
    const auto values = p[0].values<T>();
    const auto counts = p[1].values<std::int64_t>();
    for (std::size_t i = 0; i < values.size(); ++i) items.emplace_back(values[i], counts[i]);
  }
  return distinct<T>(std::move(items));
}

}  // namespace

Partial unique_partial_task(const UniqueSpec& spec, const std::int64_t& block,
                            const std::vector<Block>& inputs) {
  const Block values = evaluate_block(spec.input, block, inputs);
  return with_type(values.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    // Sorted in a copy of the values, then counted in runs: one element's worth of memory
    // beside the block, not a (value, count) pair per element.
    const auto in = values.values<T>();
    std::vector<T> sorted(in.begin(), in.end());
    std::sort(sorted.begin(), sorted.end(), [](T x, T y) { return sorts_before(x, y); });
    std::vector<std::pair<T, std::int64_t>> runs;
    for (const T v : sorted) {
      if (!runs.empty() && sorts_equal(runs.back().first, v)) {
        ++runs.back().second;
      } else {
        runs.emplace_back(v, 1);
      }
    }
    return distinct<T>(std::move(runs));
  });
}

Partial unique_combine_task(const std::vector<Partial>& parts) {
  if (parts.empty() || parts[0].empty()) throw ArrayError("unique: nothing to merge");
  return with_type(parts[0][0].dtype,
                   [&](auto tag) { return merged<typename decltype(tag)::type>(parts); });
}

Block unique_part_task(const std::vector<Partial>& parts, const DType& dtype,
                       const std::int64_t& part) {
  if (part != 0 && part != 1) throw ArrayError("unique: a part other than values or counts");
  if (parts.empty()) return Block::allocate(part ? DType::int64 : dtype, {0});
  return with_type(dtype, [&](auto tag) {
    return merged<typename decltype(tag)::type>(parts)[static_cast<std::size_t>(part)];
  });
}

TESSERA_TASK_NAMED("tessera.array.unique_partial", unique_partial_task);
TESSERA_TASK_NAMED("tessera.array.unique_combine", unique_combine_task);
TESSERA_TASK_NAMED("tessera.array.unique", unique_part_task);

namespace {

/// The distinct values (part 0) or their counts (part 1) of an array: one block of unknown
/// length, the end of a tree of merges. The values and the counts of one unique_counts name
/// their tree's tasks alike, so that computed together they share them.
class UniqueLayer final : public Layer {
 public:
  UniqueLayer(Handle input, std::int64_t part, std::int64_t split_every, std::string tree,
              const char* operation)
      : Layer(part ? DType::int64 : input->dtype, ChunkGrid(Chunks{{-1}}, operation),
              tree + (part ? "-counts" : "")),
        input_(std::move(input)),
        part_(part),
        split_every_(split_every),
        tree_(std::move(tree)) {}

  NodePtr make_block(Lowering& lowering, std::int64_t) const override {
    const auto& expression = lowering.expression(*input_);
    const Delayed<UniqueSpec> spec = delayed_value(UniqueSpec{expression.compiled.program});
    std::vector<NodePtr> level;
    for (std::int64_t b = 0; b < input_->grid.blocks(); ++b) {
      const Shape index = input_->grid.block_index(b);
      level.push_back(task_node<&unique_partial_task>(block_key(tree_ + "-partial", index), spec, b,
                                                      lowering.inputs(expression.compiled, index)));
    }
    auto parts = merge_tree<Partial>(
        std::move(level), split_every_,
        [&](std::vector<Delayed<Partial>> group, std::int64_t depth, std::int64_t position) {
          return task_node<&unique_combine_task>(
              block_key(tree_ + "-combine-" + std::to_string(depth), {position}), std::move(group));
        });
    return task_node<&unique_part_task>(block_key(name, {0}), std::move(parts), input_->dtype,
                                        part_);
  }

 private:
  Handle input_;
  std::int64_t part_;
  std::int64_t split_every_;
  std::string tree_;
};

}  // namespace

std::pair<Handle, Handle> unique(const Handle& a, std::int64_t split_every) {
  const char* operation = "unique";
  check_valid(a, operation);
  if (split_every != 0 && split_every < 2) {
    throw ArrayError(std::string(operation) + ": split_every " + std::to_string(split_every) +
                     " is below 2");
  }
  if (split_every == 0) split_every = config::get_int("array_split_every");
  const std::string tree = unique_key(operation);
  return {array_of_layer(std::make_shared<UniqueLayer>(a, 0, split_every, tree, operation)),
          array_of_layer(std::make_shared<UniqueLayer>(a, 1, split_every, tree, operation))};
}

}  // namespace tessera::detail::array
