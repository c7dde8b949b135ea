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

template <class T>
std::vector<T> as_vector(const Block& block) {
  const auto values = block.values<T>();
  return std::vector<T>(values.begin(), values.end());
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

template <class T>
std::vector<T> unique_values_task(const std::vector<Partial>& parts) {
  if (parts.empty()) return {};
  return as_vector<T>(merged<T>(parts)[0]);
}

template <class T>
std::pair<std::vector<T>, std::vector<std::int64_t>> unique_counts_task(
    const std::vector<Partial>& parts) {
  if (parts.empty()) return {};
  const Partial p = merged<T>(parts);
  return {as_vector<T>(p[0]), as_vector<std::int64_t>(p[1])};
}

TESSERA_TASK_NAMED("tessera.array.unique_partial", unique_partial_task);
TESSERA_TASK_NAMED("tessera.array.unique_combine", unique_combine_task);
TESSERA_TASK_NAMED("tessera.array.unique<bool>", unique_values_task<bool>);
TESSERA_TASK_NAMED("tessera.array.unique<uint8>", unique_values_task<std::uint8_t>);
TESSERA_TASK_NAMED("tessera.array.unique<int32>", unique_values_task<std::int32_t>);
TESSERA_TASK_NAMED("tessera.array.unique<int64>", unique_values_task<std::int64_t>);
TESSERA_TASK_NAMED("tessera.array.unique<uint64>", unique_values_task<std::uint64_t>);
TESSERA_TASK_NAMED("tessera.array.unique<float32>", unique_values_task<float>);
TESSERA_TASK_NAMED("tessera.array.unique<float64>", unique_values_task<double>);
TESSERA_TASK_NAMED("tessera.array.unique_counts<bool>", unique_counts_task<bool>);
TESSERA_TASK_NAMED("tessera.array.unique_counts<uint8>", unique_counts_task<std::uint8_t>);
TESSERA_TASK_NAMED("tessera.array.unique_counts<int32>", unique_counts_task<std::int32_t>);
TESSERA_TASK_NAMED("tessera.array.unique_counts<int64>", unique_counts_task<std::int64_t>);
TESSERA_TASK_NAMED("tessera.array.unique_counts<uint64>", unique_counts_task<std::uint64_t>);
TESSERA_TASK_NAMED("tessera.array.unique_counts<float32>", unique_counts_task<float>);
TESSERA_TASK_NAMED("tessera.array.unique_counts<float64>", unique_counts_task<double>);

NodePtr unique(const Handle& a, bool counts, std::int64_t split_every) {
  const char* operation = counts ? "unique_counts" : "unique";
  check_valid(a, operation);
  if (split_every != 0 && split_every < 2) {
    throw ArrayError(std::string(operation) + ": split_every " + std::to_string(split_every) +
                     " is below 2");
  }
  Lowering lowering;
  const auto& expression = lowering.expression(*a);
  const Delayed<UniqueSpec> spec = delayed_value(UniqueSpec{expression.compiled.program});
  const std::string name = unique_key(operation);
  std::vector<NodePtr> level;
  for (std::int64_t b = 0; b < a->grid.blocks(); ++b) {
    const Shape index = a->grid.block_index(b);
    level.push_back(task_node<&unique_partial_task>(block_key(name + "-partial", index), spec, b,
                                                    lowering.inputs(expression.compiled, index)));
  }
  auto parts = merge_tree<Partial>(
      std::move(level), split_every ? split_every : config::get_int("array_split_every"),
      [&](std::vector<Delayed<Partial>> group, std::int64_t depth, std::int64_t position) {
        return task_node<&unique_combine_task>(
            block_key(name + "-combine-" + std::to_string(depth), {position}), std::move(group));
      });
  return with_type(a->dtype, [&](auto tag) -> NodePtr {
    using T = typename decltype(tag)::type;
    if (counts) return task_node<&unique_counts_task<T>>(Key(name), std::move(parts));
    return task_node<&unique_values_task<T>>(Key(name), std::move(parts));
  });
}

}  // namespace tessera::detail::array
