// reshape as Dask does it: the axes of the two shapes fall into groups of equal size (from the
// last axis), and a block that spans whole rows of a group is the same run of elements in
// either shape, so each output block is an input block with a new shape (no copy). Where the
// input is not split that way, it is rechunked first: the trailing axes of each group whole,
// the first axis at boundaries that fall on whole rows of both shapes.

#include <numeric>
#include <string>

#include "lowering.hpp"
#include "pieces.hpp"
#include "structure.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/key.hpp"

namespace tessera::detail::array {
namespace {

/// Input axes [i0, i1] and output axes [o0, o1] holding the same elements. Its blocks span
/// whole rows of the axes after the first (per_row == 0), or, keeping blocks that do not:
/// - a group that splits one input axis, whose blocks lie within rows of output axes
///   [split, o1], has blocks of length 1 along the output axes before `split` and `per_row`
///   blocks along it (a row's pattern of cuts);
/// - a group that merges input axes, with blocks of length 1 along the axes before `split`
///   and whole ones after it, has `per_row` blocks along the output axis in each row.
struct Group {
  std::size_t i0, i1, o0, o1;
  std::size_t split = 0;
  std::int64_t per_row = 0;
};

std::int64_t product(const Shape& shape, std::size_t begin, std::size_t end) {
  std::int64_t n = 1;
  for (std::size_t d = begin; d < end; ++d) n *= shape[d];
  return n;
}

class ReshapeLayer final : public Layer {
 public:
  ReshapeLayer(Handle input, std::vector<Group> groups, ChunkGrid grid, std::string name)
      : Layer(input->dtype, std::move(grid), std::move(name)),
        input_(std::move(input)),
        groups_(std::move(groups)) {}

  NodePtr make_block(Lowering& lowering, std::int64_t linear) const override {
    const Shape index = grid.block_index(linear);
    const ChunkGrid& in = input_->grid;
    Shape in_index(in.ndim(), 0);
    const Shape numblocks = grid.shape();
    for (const Group& g : groups_) {
      if (g.per_row == 0) {
        in_index[g.i0] = index[g.o0];
        continue;
      }
      if (g.i0 == g.i1) {
        std::int64_t row = 0;  // the row of output axes [o0, split) of the block, in C order
        for (std::size_t d = g.o0; d < g.split; ++d) row = row * numblocks[d] + index[d];
        in_index[g.i0] = row * g.per_row + index[g.split];
        continue;
      }
      std::int64_t row = index[g.o0] / g.per_row;  // over input axes [i0, split), C order
      in_index[g.split] = index[g.o0] % g.per_row;
      for (std::size_t d = g.split; d-- > g.i0;) {
        in_index[d] = row % input_->shape[d];
        row /= input_->shape[d];
      }
    }
    const Shape in_shape = in.block_shape(in_index);
    const std::size_t nd = in_shape.size();
    return cut_node(block_key(name, index), lowering.block(*input_, in.linear(in_index)), in_shape,
                    Shape(nd, 0), Shape(nd, 1), in_shape, grid.block_shape(index));
  }

 private:
  Handle input_;
  std::vector<Group> groups_;
};

// Boundaries of `lengths` moved to the nearest multiple of g.
std::vector<std::int64_t> aligned(const std::vector<std::int64_t>& lengths, std::int64_t g) {
  std::vector<std::int64_t> out;
  std::int64_t at = 0, edge = 0;
  for (std::int64_t n : lengths) {
    edge += n;
    const std::int64_t rounded = (edge + g / 2) / g * g;
    if (rounded > at) {
      out.push_back(rounded - at);
      at = rounded;
    }
  }
  if (at < edge) {
    if (out.empty()) out.push_back(0);
    out.back() += edge - at;
  } else if (at > edge) {
    out.back() -= at - edge;
  }
  if (out.empty()) out.push_back(edge);
  return out;
}

// A group that splits one axis, whose blocks each lie within one row of output axes
// [split, o1] with the same cuts in every row, keeps its blocks (as Dask): blocks of length 1
// along the axes before `split`, the row's cuts along it. (730,) in blocks of 73 reshaped to
// (2, 365) gives blocks ((1, 1), (73, 73, 73, 73, 73)). Sets g.split, g.per_row and out.
bool split_within_rows(const std::vector<std::int64_t>& lengths, const Shape& shape, Group& g,
                       Chunks& out) {
  for (std::size_t split = g.o0 + 1; split <= g.o1; ++split) {
    const std::int64_t unit = product(shape, split + 1, g.o1 + 1);  // elements per step of split
    const std::int64_t row = unit * shape[split];
    std::vector<std::int64_t> cuts;  // the first row's blocks, in steps of split
    std::int64_t at = 0;
    bool fits = true;
    for (std::int64_t n : lengths) {
      fits = n > 0 && n % unit == 0 && at % row + n <= row;
      if (!fits) break;
      if (at < row) cuts.push_back(n / unit);
      at += n;
    }
    // Blocks within rows fill the first row exactly; the others must repeat its cuts.
    for (std::size_t k = 0; fits && k < lengths.size(); ++k) {
      fits = lengths[k] / unit == cuts[k % cuts.size()];
    }
    if (!fits) continue;
    g.split = split;
    g.per_row = static_cast<std::int64_t>(cuts.size());
    for (std::size_t d = g.o0; d < split; ++d) out[d].assign(static_cast<std::size_t>(shape[d]), 1);
    out[split] = std::move(cuts);
    return true;
  }
  return false;
}

// A group that merges input axes keeps its blocks where they have length 1 along the axes
// before one axis and are whole after it: (2, 365) in blocks ((1, 1), (73, 73, 73, 73, 73))
// reshaped to (730,) gives blocks of 73. Sets g.split, g.per_row and out.
bool merge_within_rows(const Chunks& chunks, const Shape& from, Group& g, Chunks& out) {
  std::size_t split = g.i0;
  while (split < g.i1 && chunks[split].size() == static_cast<std::size_t>(from[split])) {
    ++split;  // blocks of length 1
  }
  for (std::size_t d = split + 1; d <= g.i1; ++d) {
    if (chunks[d].size() != 1) return false;  // not whole
  }
  if (split == g.i0) return false;  // whole rows: the general rule
  const std::int64_t unit = product(from, split + 1, g.i1 + 1);
  const std::int64_t rows = product(from, g.i0, split);
  g.split = split;
  g.per_row = static_cast<std::int64_t>(chunks[split].size());
  out[g.o0].clear();
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t n : chunks[split]) out[g.o0].push_back(n * unit);
  }
  return true;
}

}  // namespace

Handle reshape(const Handle& a, const Shape& given) {
  const char* operation = "reshape";
  check_valid(a, operation);
  require_known(*a, operation);
  const std::int64_t size = product(a->shape, 0, a->shape.size());
  std::string text = "(";
  for (std::size_t d = 0; d < given.size(); ++d) text += (d ? ", " : "") + std::to_string(given[d]);
  text += given.size() == 1 ? ",)" : ")";
  Shape shape = given;
  std::size_t inferred = shape.size();
  std::int64_t known = 1;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == -1 && inferred == shape.size()) {
      inferred = d;
    } else if (shape[d] < 0) {
      throw ArrayError("reshape: shape " + text +
                       " has a negative length (only one -1, for a length to infer, is allowed)");
    } else {
      known *= shape[d];
    }
  }
  auto cannot = [&] {
    return ArrayError("reshape: cannot reshape an array of size " + std::to_string(size) +
                      " (shape " + to_string(a->shape) + ") into shape " + text);
  };
  if (inferred < shape.size()) {
    if (known == 0 || size % known != 0) throw cannot();
    shape[inferred] = size / known;
  }
  if (product(shape, 0, shape.size()) != size) throw cannot();
  if (shape == a->shape) return a;
  if (size == 0) {
    Chunks whole;
    for (std::int64_t n : shape) whole.push_back({n});
    return full(a->dtype, shape, Scalar{}, ChunkSpec(whole));
  }

  const Shape& from = a->shape;
  std::vector<Group> groups;
  std::size_t i = from.size(), o = shape.size();
  while (i > 0 && o > 0) {
    Group g{i - 1, i - 1, o - 1, o - 1};
    std::int64_t pi = from[g.i0], po = shape[g.o0];
    while (pi != po) {
      if (pi < po) {
        pi *= from[--g.i0];
      } else {
        po *= shape[--g.o0];
      }
    }
    groups.push_back(g);
    i = g.i0;
    o = g.o0;
  }

  // The chunks the input needs, and the output's.
  Chunks need = a->grid.chunks();
  Chunks out(shape.size());
  for (std::size_t d = 0; d < shape.size(); ++d) out[d] = {shape[d]};
  for (Group& g : groups) {
    if (g.i0 == g.i1 && g.o0 < g.o1 && split_within_rows(need[g.i0], shape, g, out)) continue;
    if (g.i0 < g.i1 && g.o0 == g.o1 && merge_within_rows(need, from, g, out)) continue;
    const std::int64_t pi = product(from, g.i0 + 1, g.i1 + 1);
    const std::int64_t po = product(shape, g.o0 + 1, g.o1 + 1);
    const std::int64_t rows = std::lcm(pi, po) / pi;  // boundaries of axis i0 fall on these
    for (std::size_t d = g.i0 + 1; d <= g.i1; ++d) need[d] = {from[d]};
    bool fits = true;
    std::int64_t edge = 0;
    for (std::int64_t n : need[g.i0]) fits = fits && (edge += n) % rows == 0;
    if (!fits) need[g.i0] = aligned(need[g.i0], rows);
    out[g.o0].clear();
    for (std::int64_t n : need[g.i0]) out[g.o0].push_back(n * pi / po);
  }
  const Handle input = rechunk_to(a, need, 0, operation);
  return array_of_layer(std::make_shared<ReshapeLayer>(
      input, std::move(groups), ChunkGrid(out, operation), unique_key(operation)));
}

}  // namespace tessera::detail::array
