// Basic indexing (NumPy's slices, integers, new axes) and Dask's x.blocks[...]: a layer whose
// blocks are pieces of the input's blocks. Only the input blocks that the selection touches
// are asked for, and a block taken whole is the input's block itself (no task). An index of
// an elementwise expression is an expression itself, whose leaves read only the part of
// their blocks that it selects: nothing is evaluated that is then cut away.

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "lowering.hpp"
#include "pieces.hpp"
#include "structure.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/key.hpp"

namespace tessera::detail::array {
namespace {

/// A piece of one input block along one axis.
struct AxisPiece {
  std::int64_t block = 0, start = 0, step = 1, count = 0;
};

struct InputAxis {
  int output = -1;  ///< the output axis it becomes; -1 when an integer drops it
  AxisPiece fixed;  ///< the piece of a dropped axis
};
struct OutputAxis {
  int input = -1;                 ///< -1 for a new axis
  std::vector<AxisPiece> pieces;  ///< one per output block
};

class SelectLayer final : public Layer {
 public:
  SelectLayer(Handle input, std::vector<InputAxis> in, std::vector<OutputAxis> out, ChunkGrid grid,
              std::string name)
      : Layer(input->dtype, std::move(grid), std::move(name)),
        input_(std::move(input)),
        in_(std::move(in)),
        out_(std::move(out)) {}

  NodePtr make_block(Lowering& lowering, std::int64_t linear) const override {
    const Shape index = grid.block_index(linear);
    const std::size_t nd = in_.size();
    Shape in_index(nd), start(nd), step(nd), count(nd);
    for (std::size_t p = 0; p < nd; ++p) {
      const InputAxis& axis = in_[p];
      const AxisPiece& piece =
          axis.output < 0
              ? axis.fixed
              : out_[static_cast<std::size_t>(axis.output)]
                    .pieces[static_cast<std::size_t>(index[static_cast<std::size_t>(axis.output)])];
      in_index[p] = piece.block;
      start[p] = piece.start;
      step[p] = piece.step;
      count[p] = piece.count;
    }
    const ChunkGrid& in_grid = input_->grid;
    return cut_node(block_key(name, index), lowering.block(*input_, in_grid.linear(in_index)),
                    in_grid.block_shape(in_index), std::move(start), std::move(step),
                    std::move(count), grid.block_shape(index));
  }

 private:
  Handle input_;
  std::vector<InputAxis> in_;
  std::vector<OutputAxis> out_;
};

std::string where(std::size_t axis, const Shape& shape) {
  return "axis " + std::to_string(axis) + " of shape " + to_string(shape);
}

// The indices with the ellipsis expanded and whole axes added at the end: one entry per
// input axis, plus the new axes.
std::vector<Index> expand(const std::vector<Index>& index, const Shape& shape,
                          const char* operation) {
  std::size_t used = 0, ellipses = 0;
  for (const Index& i : index) {
    if (i.kind() == Index::Kind::ellipsis) {
      ++ellipses;
    } else if (i.kind() != Index::Kind::new_axis) {
      ++used;
    }
  }
  if (ellipses > 1) {
    throw ArrayError(std::string(operation) + ": an index can only have a single ellipsis");
  }
  if (used > shape.size()) {
    throw ArrayError(std::string(operation) + ": too many indices for an array of shape " +
                     to_string(shape) + ": it is " + std::to_string(shape.size()) +
                     "-dimensional, but " + std::to_string(used) + " were indexed");
  }
  std::vector<Index> out;
  for (const Index& i : index) {
    if (i.kind() == Index::Kind::ellipsis) {
      for (std::size_t k = used; k < shape.size(); ++k) out.emplace_back(all);
    } else {
      out.push_back(i);
    }
  }
  if (!ellipses) {
    for (std::size_t k = used; k < shape.size(); ++k) out.emplace_back(all);
  }
  return out;
}

struct Range {
  std::int64_t start = 0, step = 1, count = 0;
};

// How many of e, e + step, e + 2 step, ... lie within `distance` (> 0) elements of e in the
// step's direction; no step, not even INT64_MIN, overflows.
std::int64_t steps_within(std::int64_t distance, std::int64_t step) {
  const std::uint64_t size =
      step > 0 ? static_cast<std::uint64_t>(step) : static_cast<std::uint64_t>(-(step + 1)) + 1;
  return static_cast<std::int64_t>((static_cast<std::uint64_t>(distance) - 1) / size + 1);
}

// Python's slice.indices(n): the first index, the step and the number of indices.
Range resolve(const Slice& s, std::int64_t n, std::size_t axis, const Shape& shape,
              const char* operation) {
  if (s.step == 0) {
    throw ArrayError(std::string(operation) + ": slice step cannot be zero (" + where(axis, shape) +
                     ")");
  }
  Range r;
  r.step = s.step;
  auto bound = [&](std::optional<std::int64_t> v, std::int64_t otherwise, std::int64_t low,
                   std::int64_t high) {
    if (!v) return otherwise;
    std::int64_t x = *v < 0 ? *v + n : *v;
    return std::clamp(x, low, high);
  };
  std::int64_t stop;
  if (s.step > 0) {
    r.start = bound(s.start, 0, 0, n);
    stop = bound(s.stop, n, 0, n);
    r.count = stop > r.start ? steps_within(stop - r.start, s.step) : 0;
  } else {
    r.start = bound(s.start, n - 1, -1, n - 1);
    stop = bound(s.stop, -1, -1, n - 1);
    r.count = r.start > stop ? steps_within(r.start - stop, s.step) : 0;
  }
  return r;
}

std::int64_t resolve(std::int64_t i, std::int64_t n, std::size_t axis, const Shape& shape,
                     const char* operation, const char* what) {
  if (i < -n || i >= n) {
    throw ArrayError(std::string(operation) + ": index " + std::to_string(i) +
                     " is out of bounds for " + where(axis, shape) + " (" + what + " " +
                     std::to_string(n) + ")");
  }
  return i < 0 ? i + n : i;
}

// The pieces of the input's blocks along `axis` that elements r.start, r.start + r.step, ...
// (r.count of them) come from, one per block touched, in the order of the selection.
std::vector<AxisPiece> pieces_of(const ChunkGrid& grid, std::size_t axis, const Range& r) {
  std::vector<AxisPiece> pieces;
  if (r.count == 0) {
    pieces.push_back({0, 0, 1, 0});
    return pieces;
  }
  std::int64_t e = r.start, left = r.count;
  while (left > 0) {
    const std::int64_t b = grid.block_of(axis, e);
    const std::int64_t begin = grid.start(axis, b);
    const std::int64_t end = begin + grid.length(axis, b);
    const std::int64_t k = std::min(
        left, r.step > 0 ? steps_within(end - e, r.step) : steps_within(e - begin + 1, r.step));
    pieces.push_back({b, e - begin, r.step, k});
    left -= k;
    if (left > 0) e += k * r.step;  // within the axis: no overflow
  }
  return pieces;
}

ChunkGrid grid_of(const std::vector<OutputAxis>& out, const char* operation) {
  Chunks chunks;
  for (const OutputAxis& axis : out) {
    std::vector<std::int64_t> lengths;
    for (const AxisPiece& p : axis.pieces) lengths.push_back(p.count);
    chunks.push_back(std::move(lengths));
  }
  return ChunkGrid(chunks, operation);
}

Handle select(const Handle& a, std::vector<InputAxis> in, std::vector<OutputAxis> out,
              const char* operation) {
  ChunkGrid grid = grid_of(out, operation);
  return array_of_layer(std::make_shared<SelectLayer>(a, std::move(in), std::move(out),
                                                      std::move(grid), unique_key(operation)));
}

// --- an index of an expression, as an expression ----------------------------------------------

/// Where the index reads along one axis of the indexed array: position first + step * i for
/// index i of the output axis it becomes (an integer: step 0, no output axis).
struct Along {
  int output = -1;
  std::int64_t first = 0, step = 0;
};

// Whether every load of `e` reads a layer of known chunks (a view needs their bounds).
bool viewable(const Expr& e, std::unordered_set<const Expr*>& seen) {
  if (!seen.insert(&e).second) return true;
  if (e.op == ExprOp::load) return e.layer->grid.known();
  for (const ExprPtr& operand : e.operands) {
    if (!viewable(*operand, seen)) return false;
  }
  return true;
}

// `e` as an expression over the output's axes: each leaf reads, per axis of its source, the
// positions that the index selects (composed with the view it had already).
ExprPtr viewed(const ExprPtr& e, const std::vector<Along>& along, std::size_t output_ndim,
               std::unordered_map<const Expr*, ExprPtr>& done) {
  if (auto it = done.find(e.get()); it != done.end()) return it->second;
  ExprPtr result;
  if (e->op == ExprOp::load || e->op == ExprOp::generate) {
    auto leaf = std::make_shared<Expr>(*e);
    const std::size_t rank =
        e->op == ExprOp::load ? e->layer->grid.ndim() : e->generator.shape.size();
    if (leaf->view.empty()) {
      for (std::size_t p = 0; p < rank; ++p) leaf->view.insert(leaf->view.end(), {0, 1});
    }
    leaf->axis_map.assign(output_ndim, -1);
    for (std::size_t d = 0; d < along.size(); ++d) {
      const int p = e->axis_map[d];
      if (p < 0) continue;
      const auto sp = static_cast<std::size_t>(p);
      leaf->view[2 * sp] += leaf->view[2 * sp + 1] * along[d].first;
      leaf->view[2 * sp + 1] *= along[d].step;
      if (along[d].output >= 0) leaf->axis_map[static_cast<std::size_t>(along[d].output)] = p;
    }
    result = leaf;
  } else if (e->operands.empty()) {
    result = e;
  } else {
    auto copy = std::make_shared<Expr>(*e);
    for (auto& operand : copy->operands) operand = viewed(operand, along, output_ndim, done);
    result = copy;
  }
  done.emplace(e.get(), result);
  return result;
}

}  // namespace

void require_known(const ArrayNode& a, const char* operation) {
  if (a.grid.known()) return;
  throw ArrayError(std::string(operation) + ": the array of shape " + to_string(a.shape) +
                   " and chunks " + to_string(a.grid.chunks()) +
                   " has unknown chunk sizes; call compute_chunk_sizes() first");
}

Handle index(const Handle& a, const std::vector<Index>& given) {
  const char* operation = "index";
  check_valid(a, operation);
  const std::vector<Index> index = expand(given, a->shape, operation);
  bool trivial = true;
  for (const Index& i : index) {
    trivial = trivial && i.kind() == Index::Kind::slice && !i.slice().start && !i.slice().stop &&
              i.slice().step == 1;
  }
  if (trivial) return a;
  require_known(*a, operation);
  std::vector<InputAxis> in(a->shape.size());
  std::vector<OutputAxis> out;
  std::vector<Along> along(a->shape.size());
  std::size_t p = 0;
  for (const Index& i : index) {
    if (i.kind() == Index::Kind::new_axis) {
      out.push_back({-1, {{0, 0, 1, 1}}});
      continue;
    }
    const std::int64_t n = a->shape[p];
    if (i.kind() == Index::Kind::integer) {
      const std::int64_t e = resolve(i.integer(), n, p, a->shape, operation, "size");
      const std::int64_t b = a->grid.block_of(p, e);
      in[p] = {-1, {b, e - a->grid.start(p, b), 1, 1}};
      along[p] = {-1, e, 0};
    } else {
      const Range r = resolve(i.slice(), n, p, a->shape, operation);
      in[p].output = static_cast<int>(out.size());
      along[p] = {in[p].output, r.start, r.step};
      out.push_back({static_cast<int>(p), pieces_of(a->grid, p, r)});
    }
    ++p;
  }
  // The output's blocks follow the input's, so each lies inside one block of every layer
  // that the expression loads: its leaves can read them in place. An array that is a layer's
  // blocks unchanged is cut instead, so that blocks taken whole are no tasks at all.
  std::unordered_set<const Expr*> seen;
  if (!a->plain_layer() && viewable(*a->expr, seen)) {
    std::unordered_map<const Expr*, ExprPtr> done;
    return array_of_expr(viewed(a->expr, along, out.size(), done), grid_of(out, operation),
                         operation);
  }
  return select(a, std::move(in), std::move(out), operation);
}

Handle select_blocks(const Handle& a, const std::vector<Index>& given) {
  const char* operation = "blocks";
  check_valid(a, operation);
  const Shape numblocks = a->grid.numblocks();
  const std::vector<Index> index = expand(given, numblocks, operation);
  std::vector<InputAxis> in(numblocks.size());
  std::vector<OutputAxis> out;
  for (std::size_t p = 0; p < index.size(); ++p) {
    const Index& i = index[p];
    auto whole = [&](std::int64_t b) { return AxisPiece{b, 0, 1, a->grid.length(p, b)}; };
    OutputAxis axis{static_cast<int>(p), {}};
    if (i.kind() == Index::Kind::new_axis) {
      throw ArrayError("blocks: new axes are not supported when selecting blocks");
    } else if (i.kind() == Index::Kind::integer) {
      axis.pieces.push_back(
          whole(resolve(i.integer(), numblocks[p], p, numblocks, operation, "blocks")));
    } else {
      const Range r = resolve(i.slice(), numblocks[p], p, numblocks, operation);
      for (std::int64_t k = 0; k < r.count; ++k) axis.pieces.push_back(whole(r.start + k * r.step));
      if (axis.pieces.empty()) axis.pieces.push_back({0, 0, 1, 0});
    }
    in[p].output = static_cast<int>(p);
    out.push_back(std::move(axis));
  }
  return select(a, std::move(in), std::move(out), operation);
}

}  // namespace tessera::detail::array
