#include "topk.hpp"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <string>
#include <utility>

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

const char* name_of(const TopkSpec& spec) { return spec.arg ? "argtopk" : "topk"; }

// The kept elements of the lanes along the axis of `values` (blocks that follow each other
// along it); their indices along the axis are `indices`, or start + position when empty.
template <class T>
Partial keep(const TopkSpec& spec, const std::vector<const Block*>& values,
             const std::vector<const Block*>& indices, std::int64_t start) {
  const auto axis = static_cast<std::size_t>(spec.axis);
  const Shape& first = values.at(0)->shape;
  if (axis >= first.size()) {
    throw ArrayError(std::string(name_of(spec)) + ": a block of shape " + to_string(first) +
                     " has no axis " + std::to_string(axis));
  }
  std::int64_t outer = 1, inner = 1, total = 0;
  for (std::size_t d = 0; d < axis; ++d) outer *= first[d];
  for (std::size_t d = axis + 1; d < first.size(); ++d) inner *= first[d];
  for (const Block* v : values) {
    Shape other = v->shape;
    other[axis] = first[axis];
    if (other != first) {
      throw ArrayError(std::string(name_of(spec)) + ": blocks of shapes " + to_string(first) +
                       " and " + to_string(v->shape) + " do not follow each other along axis " +
                       std::to_string(axis));
    }
    total += v->shape[axis];
  }
  const std::int64_t m = std::min(std::abs(spec.k), total);
  Shape shape = first;
  shape[axis] = m;
  Partial kept{Block::allocate(dtype_of<T>(), shape), Block::allocate(DType::int64, shape)};
  T* out_values = kept[0].values<T>().data();
  std::int64_t* out_indices = kept[1].values<std::int64_t>().data();

  const bool largest = spec.k > 0;
  auto comes_first = [largest](const std::pair<T, std::int64_t>& x,
                               const std::pair<T, std::int64_t>& y) {
    if (!sorts_equal(x.first, y.first)) {
      return largest ? sorts_before(y.first, x.first) : sorts_before(x.first, y.first);
    }
    return x.second < y.second;
  };
  std::vector<std::pair<T, std::int64_t>> lane(static_cast<std::size_t>(total));
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t i = 0; i < inner; ++i) {
      std::size_t at = 0;
      for (std::size_t p = 0; p < values.size(); ++p) {
        const std::int64_t n = values[p]->shape[axis];
        const T* v = values[p]->values<T>().data();
        const std::int64_t* x =
            indices.empty() ? nullptr : indices[p]->values<std::int64_t>().data();
        for (std::int64_t j = 0; j < n; ++j) {
          const std::int64_t e = (o * n + j) * inner + i;
          lane[at++] = {v[e], x ? x[e] : start + j};
        }
      }
      std::partial_sort(lane.begin(), lane.begin() + m, lane.end(), comes_first);
      for (std::int64_t j = 0; j < m; ++j) {
        const std::int64_t e = (o * m + j) * inner + i;
        out_values[e] = lane[static_cast<std::size_t>(j)].first;
        out_indices[e] = lane[static_cast<std::size_t>(j)].second;
      }
    }
  }
  return kept;
}

Partial merge(const TopkSpec& spec, const std::vector<Partial>& parts) {
  if (parts.empty()) throw ArrayError(std::string(name_of(spec)) + ": nothing to merge");
  std::vector<const Block*> values, indices;
  for (const Partial& p : parts) {
    if (p.size() != 2 || p[0].dtype != parts[0][0].dtype || p[1].dtype != DType::int64 ||
        p[0].shape != p[1].shape) {
      throw ArrayError(std::string(name_of(spec)) + ": a malformed partial result");
    }
    p[0].check();
    p[1].check();
    values.push_back(&p[0]);
    indices.push_back(&p[1]);
  }
  return with_type(values[0]->dtype, [&](auto tag) {
    return keep<typename decltype(tag)::type>(spec, values, indices, 0);
  });
}

class TopkLayer final : public Layer {
 public:
  TopkLayer(Handle input, TopkSpec spec, std::int64_t split_every, ChunkGrid grid, std::string name)
      : Layer(spec.arg ? DType::int64 : input->dtype, std::move(grid), std::move(name)),
        input_(std::move(input)),
        spec_(std::move(spec)),
        split_every_(split_every) {}

  NodePtr make_block(Lowering& lowering, std::int64_t linear) const override {
    const auto& expression = lowering.expression(*input_);
    std::call_once(spec_once_, [&] {
      TopkSpec spec = spec_;
      spec.input = expression.compiled.program;
      spec_node_ = delayed_value(std::move(spec));
    });
    const auto axis = static_cast<std::size_t>(spec_.axis);
    const Shape out = grid.block_index(linear);
    std::vector<NodePtr> level;
    Shape index = out;
    for (index[axis] = 0; index[axis] < input_->grid.count(axis); ++index[axis]) {
      level.push_back(task_node<&topk_partial_task>(block_key(name + "-partial", index), spec_node_,
                                                    input_->grid.linear(index),
                                                    lowering.inputs(expression.compiled, index)));
    }
    auto parts = merge_tree<Partial>(
        std::move(level), split_every_,
        [&](std::vector<Delayed<Partial>> group, std::int64_t depth, std::int64_t position) {
          return task_node<&topk_combine_task>(
              block_key(name + "-combine-" + std::to_string(depth), extend(out, position)),
              spec_node_, std::move(group));
        });
    return task_node<&topk_finish_task>(block_key(name, out), spec_node_, std::move(parts));
  }

 private:
  Handle input_;
  TopkSpec spec_;
  std::int64_t split_every_;
  mutable std::once_flag spec_once_;
  mutable Delayed<TopkSpec> spec_node_;
};

}  // namespace

Partial topk_partial_task(const TopkSpec& spec, const std::int64_t& block,
                          const std::vector<Block>& inputs) {
  const Block values = evaluate_block(spec.input, block, inputs);
  const Shape index = spec.input.grid.block_index(block);
  const std::int64_t start =
      spec.input.grid.block_start(index).at(static_cast<std::size_t>(spec.axis));
  return with_type(values.dtype, [&](auto tag) {
    return keep<typename decltype(tag)::type>(spec, {&values}, {}, start);
  });
}

Partial topk_combine_task(const TopkSpec& spec, const std::vector<Partial>& parts) {
  return merge(spec, parts);
}

Block topk_finish_task(const TopkSpec& spec, const std::vector<Partial>& parts) {
  Partial kept = merge(spec, parts);
  return std::move(kept[spec.arg ? 1 : 0]);
}

TESSERA_TASK_NAMED("tessera.array.topk_partial", topk_partial_task);
TESSERA_TASK_NAMED("tessera.array.topk_combine", topk_combine_task);
TESSERA_TASK_NAMED("tessera.array.topk", topk_finish_task);

Handle topk(const Handle& a, std::int64_t k, int axis, bool arg, std::int64_t split_every) {
  const char* operation = arg ? "argtopk" : "topk";
  check_valid(a, operation);
  const auto n = static_cast<int>(a->shape.size());
  if (axis < -n || axis >= n) {
    throw ArrayError(std::string(operation) + ": axis " + std::to_string(axis) +
                     " is out of bounds for an array of dimension " + std::to_string(n) +
                     " (shape " + to_string(a->shape) + ")");
  }
  const auto d = static_cast<std::size_t>(axis < 0 ? axis + n : axis);
  if (a->shape[d] == 0) {
    throw ArrayError(std::string(operation) + ": axis " + std::to_string(d) + " of shape " +
                     to_string(a->shape) + " is empty: there is no top k");
  }
  if (k == 0 || k < -a->shape[d] || k > a->shape[d]) {  // not std::abs: -INT64_MIN overflows
    throw ArrayError(std::string(operation) + ": k = " + std::to_string(k) + " is not in [-" +
                     std::to_string(a->shape[d]) + ", -1] or [1, " + std::to_string(a->shape[d]) +
                     "], as the length of axis " + std::to_string(d) + " (shape " +
                     to_string(a->shape) + ") requires");
  }
  if (split_every != 0 && split_every < 2) {
    throw ArrayError(std::string(operation) + ": split_every " + std::to_string(split_every) +
                     " is below 2");
  }
  TopkSpec spec;
  spec.input.dtype = a->dtype;
  spec.k = k;
  spec.axis = static_cast<std::int32_t>(d);
  spec.arg = arg;
  Chunks chunks = a->grid.chunks();
  chunks[d] = {std::abs(k)};
  return array_of_layer(std::make_shared<TopkLayer>(
      a, std::move(spec), split_every ? split_every : config::get_int("array_split_every"),
      ChunkGrid(chunks, operation), unique_key(operation)));
}

}  // namespace tessera::detail::array
