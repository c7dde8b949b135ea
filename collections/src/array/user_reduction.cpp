// reduction(): tree reductions with the user's chunk, combine and aggregate functions, as
// Dask's da.reduction. Partial results are arrays that keep the reduced axes; a combine or
// aggregate step concatenates a group of them along those axes (up to split_every in all,
// spread over the reduced axes) before calling the function.

#include <algorithm>
#include <cmath>
#include <string>

#include "block_copy.hpp"
#include "block_function.hpp"
#include "expr.hpp"
#include "lowering.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/config.hpp"
#include "tessera/key.hpp"
#include "tessera/task.hpp"

namespace tessera::detail::array {

/// What the tasks of a user reduction share.
struct UserReduceSpec {
  std::string chunk, combine, aggregate;  ///< registered names
  std::vector<int> axes;                  ///< reduced, ascending
  DType partial = DType::float64;
  DType result = DType::float64;
  std::uint8_t keepdims = 0;

  static constexpr auto fields() {
    return std::make_tuple(&UserReduceSpec::chunk, &UserReduceSpec::combine,
                           &UserReduceSpec::aggregate, &UserReduceSpec::axes,
                           &UserReduceSpec::partial, &UserReduceSpec::result,
                           &UserReduceSpec::keepdims);
  }
};

}  // namespace tessera::detail::array

namespace tessera::detail {
template <>
struct StdCodec<array::UserReduceSpec> : array::FieldsCodec<array::UserReduceSpec> {};
}  // namespace tessera::detail

namespace tessera::detail::array {
namespace {

bool is_reduced(const UserReduceSpec& spec, std::size_t axis) {
  return std::find(spec.axes.begin(), spec.axes.end(), static_cast<int>(axis)) != spec.axes.end();
}

// Calls `function` on `x` and checks that its result keeps the axes that are not reduced
// (and, when `last`, has length 1 along the reduced ones).
Block reduce_step(const UserReduceSpec& spec, const std::string& function, DType result,
                  const Block& x, const Shape& where, bool last) {
  std::vector<Value> args;
  args.push_back(view_value(x));
  args.emplace_back(spec.axes);
  const Value value = call_registered(function, args, "reduction");
  Block out = result_block(value, result, "reduction", function, where);
  bool fits = out.shape.size() == x.shape.size();
  Shape expected = x.shape;
  for (std::size_t d = 0; d < expected.size(); ++d) {
    if (is_reduced(spec, d)) {
      expected[d] = last ? 1 : (fits ? out.shape[d] : -1);
    }
  }
  if (!fits || out.shape != expected) {
    throw ArrayError("reduction: " + function + " returned a block of shape " +
                     to_string(out.shape) + " from one of shape " + to_string(x.shape) +
                     " for block " + to_string(where) + " (reduced axes " +
                     to_string(Shape(spec.axes.begin(), spec.axes.end())) + "): " +
                     (last ? "the result keeps the other axes and has length 1 along the "
                             "reduced ones"
                           : "a partial result keeps the axes that are not reduced"));
  }
  return out;
}

Block user_chunk_task(const UserReduceSpec& spec, const Shape& index, const Block& block) {
  return reduce_step(spec, spec.chunk, spec.partial, block, index, false);
}

Block user_combine_task(const UserReduceSpec& spec, const Shape& index, const Shape& group,
                        const std::uint8_t& last, const std::vector<Block>& parts) {
  const Block joined = concatenate_grid(parts, group, "reduction");
  Block out = last ? reduce_step(spec, spec.aggregate, spec.result, joined, index, true)
                   : reduce_step(spec, spec.combine, spec.partial, joined, index, false);
  if (last && !spec.keepdims) {
    Shape kept;
    for (std::size_t d = 0; d < out.shape.size(); ++d) {
      if (!is_reduced(spec, d)) kept.push_back(out.shape[d]);
    }
    out.shape = std::move(kept);
  }
  return out;
}

TESSERA_TASK_NAMED("tessera.array.user_chunk", user_chunk_task);
TESSERA_TASK_NAMED("tessera.array.user_combine", user_combine_task);

class UserReductionLayer final : public Layer {
 public:
  UserReductionLayer(UserReduceSpec spec, Handle input, std::int64_t fan_in, ChunkGrid grid,
                     std::string name)
      : Layer(spec.result, std::move(grid), std::move(name)),
        spec_(std::move(spec)),
        spec_node_(delayed_value(spec_)),
        input_(std::move(input)),
        fan_in_(fan_in) {}

  NodePtr make_block(Lowering& lowering, std::int64_t linear) const override {
    const ChunkGrid& in = input_->grid;
    const Shape out_index = grid.block_index(linear);
    const std::size_t nd = in.ndim();
    Shape first(nd, 0);
    for (std::size_t d = 0, o = 0; d < nd; ++d) {
      if (!is_reduced(spec_, d)) {
        first[d] = out_index[o++];
      } else if (spec_.keepdims) {
        ++o;
      }
    }
    // The partial results, a grid over the reduced axes in C order.
    const std::size_t r = spec_.axes.size();
    Shape counts(r);
    for (std::size_t k = 0; k < r; ++k)
      counts[k] = in.count(static_cast<std::size_t>(spec_.axes[k]));
    std::vector<NodePtr> level;
    Shape index = first;
    for (;;) {
      level.push_back(
          task_node<&user_chunk_task>(block_key(name + "-chunk", index), spec_node_, index,
                                      Delayed<Block>(lowering.block(*input_, in.linear(index)))));
      std::size_t k = r;
      while (k > 0) {
        const auto d = static_cast<std::size_t>(spec_.axes[k - 1]);
        if (++index[d] < in.count(d)) break;
        index[d] = 0;
        --k;
      }
      if (k == 0) break;
    }
    // Groups of up to fan_in_ partials along each reduced axis, level by level.
    for (int depth = 1;; ++depth) {
      bool last = true;
      for (std::int64_t c : counts) last = last && c <= fan_in_;
      Shape groups(r);
      for (std::size_t k = 0; k < r; ++k)
        groups[k] = last ? 1 : (counts[k] + fan_in_ - 1) / fan_in_;
      std::vector<NodePtr> next;
      Shape g(r, 0);
      for (;;) {
        std::vector<Delayed<Block>> parts;
        Shape group_shape(nd, 1), sub(r, 0), size(r);
        for (std::size_t k = 0; k < r; ++k) {
          size[k] = last ? counts[k] : std::min(fan_in_, counts[k] - g[k] * fan_in_);
          group_shape[static_cast<std::size_t>(spec_.axes[k])] = size[k];
        }
        for (;;) {
          std::int64_t at = 0;
          for (std::size_t k = 0; k < r; ++k) {
            at = at * counts[k] + (last ? 0 : g[k] * fan_in_) + sub[k];
          }
          parts.emplace_back(level[static_cast<std::size_t>(at)]);
          std::size_t k = r;
          while (k > 0 && ++sub[k - 1] == size[k - 1]) sub[--k] = 0;
          if (k == 0) break;
        }
        const std::uint8_t final_step = last ? 1 : 0;
        Key key = last ? block_key(name, out_index)
                       : block_key(name + "-combine-" + std::to_string(depth),
                                   {linear, static_cast<std::int64_t>(next.size())});
        next.push_back(task_node<&user_combine_task>(std::move(key), spec_node_, out_index,
                                                     group_shape, final_step, std::move(parts)));
        std::size_t k = r;
        while (k > 0 && ++g[k - 1] == groups[k - 1]) g[--k] = 0;
        if (k == 0) break;
      }
      if (last) return next[0];
      level = std::move(next);
      counts = groups;
    }
  }

 private:
  UserReduceSpec spec_;
  Delayed<UserReduceSpec> spec_node_;
  Handle input_;
  std::int64_t fan_in_;
};

}  // namespace

Handle user_reduction(const void* chunk, const void* combine, const void* aggregate, DType partial,
                      DType result, const Handle& input, const Axes& axes,
                      const ReduceOptions& options) {
  const char* operation = "reduction";
  check_valid(input, operation);
  const auto n = static_cast<int>(input->grid.ndim());
  UserReduceSpec spec;
  spec.chunk = registered_name(chunk, operation);
  spec.aggregate = registered_name(aggregate, operation);
  spec.combine = combine ? registered_name(combine, operation) : spec.aggregate;
  spec.partial = partial;
  spec.result = result;
  spec.keepdims = options.keepdims;
  std::vector<std::uint8_t> reduced(static_cast<std::size_t>(n), axes.all() ? 1 : 0);
  for (int axis : axes.list()) {
    if (axis < -n || axis >= n) {
      throw ArrayError("reduction: axis " + std::to_string(axis) +
                       " is out of bounds for an array of dimension " + std::to_string(n) +
                       " (shape " + to_string(input->shape) + ")");
    }
    auto& r = reduced[static_cast<std::size_t>(axis < 0 ? axis + n : axis)];
    if (r) throw ArrayError("reduction: axis " + std::to_string(axis) + " is given twice");
    r = 1;
  }
  Chunks chunks;
  for (int d = 0; d < n; ++d) {
    if (reduced[static_cast<std::size_t>(d)]) {
      spec.axes.push_back(d);
      if (options.keepdims) chunks.push_back({1});
    } else {
      chunks.push_back(input->grid.lengths(static_cast<std::size_t>(d)));
    }
  }
  if (options.split_every != 0 && options.split_every < 2) {
    throw ArrayError("reduction: split_every " + std::to_string(options.split_every) +
                     " is below 2");
  }
  const std::int64_t split_every =
      options.split_every ? options.split_every : config::get_int("array_split_every");
  // Spread the fan-in over the reduced axes, as Dask does.
  const double per_axis =
      std::pow(static_cast<double>(split_every),
               1.0 / static_cast<double>(std::max<std::size_t>(1, spec.axes.size())));
  const auto fan_in = std::max<std::int64_t>(2, static_cast<std::int64_t>(per_axis + 1e-9));
  const std::string name = unique_key(spec.aggregate + "-reduction");
  return array_of_layer(std::make_shared<UserReductionLayer>(std::move(spec), input, fan_in,
                                                             ChunkGrid(chunks, operation), name));
}

}  // namespace tessera::detail::array
