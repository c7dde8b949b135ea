// concatenate and stack: the blocks of the result are the blocks of the inputs, side by side
// (no task of their own); the inputs are rechunked first where they are split differently
// along the other axes.

#include <algorithm>
#include <string>

#include "lowering.hpp"
#include "structure.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/key.hpp"

namespace tessera::detail::array {
namespace {

class ConcatLayer final : public Layer {
 public:
  ConcatLayer(std::vector<Handle> inputs, std::size_t axis, ChunkGrid grid, std::string name)
      : Layer(inputs.front()->dtype, std::move(grid), std::move(name)),
        inputs_(std::move(inputs)),
        axis_(axis) {
    first_.push_back(0);
    for (const auto& a : inputs_) first_.push_back(first_.back() + a->grid.count(axis_));
  }
  NodePtr make_block(Lowering& lowering, std::int64_t linear) const override {
    Shape index = grid.block_index(linear);
    const auto k = static_cast<std::size_t>(
        std::upper_bound(first_.begin(), first_.end(), index[axis_]) - first_.begin() - 1);
    index[axis_] -= first_[k];
    return lowering.block(*inputs_[k], inputs_[k]->grid.linear(index));
  }

 private:
  std::vector<Handle> inputs_;
  std::size_t axis_;
  std::vector<std::int64_t> first_;  ///< the first block of each input along the axis
};

std::string shapes_text(const std::vector<Handle>& arrays) {
  std::string text;
  for (std::size_t i = 0; i < arrays.size(); ++i) {
    if (i) text += ", ";
    text += to_string(arrays[i]->shape);
  }
  return text;
}

std::size_t normal_axis(int axis, std::size_t n, const std::vector<Handle>& arrays,
                        const char* operation) {
  const auto dims = static_cast<int>(n);
  if (axis < -dims || axis >= dims) {
    throw ArrayError(std::string(operation) + ": axis " + std::to_string(axis) +
                     " is out of bounds for arrays of " + std::to_string(n) +
                     " dimensions (shapes " + shapes_text(arrays) + ")");
  }
  return static_cast<std::size_t>(axis < 0 ? axis + dims : axis);
}

}  // namespace

Handle concatenate(const std::vector<Handle>& given, int axis_in) {
  const char* operation = "concatenate";
  if (given.empty()) throw ArrayError("concatenate: no arrays to join");
  for (const auto& a : given) check_valid(a, operation);
  const std::size_t nd = given.front()->shape.size();
  if (nd == 0) throw ArrayError("concatenate: zero-dimensional arrays cannot be concatenated");
  DType dtype = given.front()->dtype;
  for (const auto& a : given) {
    if (a->shape.size() != nd) {
      throw ArrayError("concatenate: the arrays have different numbers of dimensions (shapes " +
                       shapes_text(given) + ")");
    }
    dtype = promote(dtype, a->dtype);
  }
  const std::size_t axis = normal_axis(axis_in, nd, given, operation);
  // The other axes: equal lengths, and one splitting (the common refinement) for all.
  Chunks chunks = given.front()->grid.chunks();
  for (const auto& a : given) {
    for (std::size_t d = 0; d < nd; ++d) {
      if (d == axis) continue;
      if (a->shape[d] != given.front()->shape[d]) {
        throw ArrayError("concatenate: the shapes " + shapes_text(given) + " differ along axis " +
                         std::to_string(d) + " (only axis " + std::to_string(axis) +
                         " may differ)");
      }
      const auto lengths = a->grid.lengths(d);
      if (lengths != chunks[d]) {
        if (a->shape[d] < 0) require_known(*a, operation);
        chunks[d] = common_refinement(chunks[d], lengths);
      }
    }
  }
  std::vector<Handle> inputs;
  Chunks out = chunks;
  out[axis].clear();
  for (const auto& given_array : given) {
    Handle a = astype(given_array, dtype);
    Chunks own = a->grid.chunks();
    bool differs = false;
    for (std::size_t d = 0; d < nd; ++d) {
      if (d != axis && own[d] != chunks[d]) {
        own[d] = chunks[d];
        differs = true;
      }
    }
    if (differs) a = rechunk_to(a, own, 0, operation);
    out[axis].insert(out[axis].end(), own[axis].begin(), own[axis].end());
    inputs.push_back(std::move(a));
  }
  if (inputs.size() == 1) return inputs.front();
  return array_of_layer(std::make_shared<ConcatLayer>(
      std::move(inputs), axis, ChunkGrid(out, operation), unique_key(operation)));
}

Handle stack(const std::vector<Handle>& given, int axis_in) {
  const char* operation = "stack";
  if (given.empty()) throw ArrayError("stack: no arrays to join");
  for (const auto& a : given) {
    check_valid(a, operation);
    if (a->shape != given.front()->shape) {
      throw ArrayError("stack: the arrays have different shapes " + shapes_text(given) +
                       " (expected one shape)");
    }
  }
  const std::size_t axis = normal_axis(axis_in, given.front()->shape.size() + 1, given, operation);
  std::vector<Index> at(axis, Index(all));
  at.emplace_back(newaxis);
  std::vector<Handle> expanded;
  for (const auto& a : given) expanded.push_back(index(a, at));
  return concatenate(expanded, static_cast<int>(axis));
}

}  // namespace tessera::detail::array
