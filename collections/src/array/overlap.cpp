// map_overlap: each block gets a halo from its neighbours. Small tasks cut the faces, edges
// and corners that a block needs out of each neighbour (mirrored for "reflect", from the
// other end for "periodic"), so only thin slices travel; the block's task places them around
// the block in one allocation and calls the user's function on a view of it.

#include <string>

#include "block_copy.hpp"
#include "block_function.hpp"
#include "expr.hpp"
#include "lowering.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/key.hpp"
#include "tessera/task.hpp"

namespace tessera::detail::array {

/// What the tasks of a map_overlap share.
struct OverlapSpec {
  BlockCall call;
  ChunkGrid grid;                      ///< of the input
  Shape depth;                         ///< per axis
  std::vector<std::uint8_t> boundary;  ///< Boundary::Kind per axis
  std::vector<double> value;           ///< per axis, of constant boundaries

  static constexpr auto fields() {
    return std::make_tuple(&OverlapSpec::call, &OverlapSpec::grid, &OverlapSpec::depth,
                           &OverlapSpec::boundary, &OverlapSpec::value);
  }
};

}  // namespace tessera::detail::array

namespace tessera::detail {
template <>
struct StdCodec<array::OverlapSpec> : array::FieldsCodec<array::OverlapSpec> {};
}  // namespace tessera::detail

namespace tessera::detail::array {
namespace {

/// One side (-1 before, 0 the block itself, +1 after) of a block along one axis: how wide
/// the halo is there, and which block and elements along the axis fill it.
struct Side {
  std::int64_t width = 0;
  std::int64_t block = 0;
  std::int64_t start = 0;
  bool flip = false;
  bool constant = false;
};

Side side_of(const OverlapSpec& spec, std::size_t axis, std::int64_t i, int side) {
  const ChunkGrid& grid = spec.grid;
  const std::int64_t count = grid.count(axis);
  const std::int64_t length = grid.length(axis, i);
  const std::int64_t depth = spec.depth[axis];
  Side s;
  s.block = i;
  if (side == 0) {
    s.width = length;
    return s;
  }
  if (depth == 0) return s;
  s.width = depth;
  if (side < 0 ? i > 0 : i + 1 < count) {
    s.block = i + side;
    s.start = side < 0 ? grid.length(axis, i - 1) - depth : 0;
    return s;
  }
  switch (static_cast<Boundary::Kind>(spec.boundary[axis])) {
    case Boundary::Kind::none:
      s.width = 0;
      break;
    case Boundary::Kind::periodic:
      s.block = side < 0 ? count - 1 : 0;
      s.start = side < 0 ? grid.length(axis, count - 1) - depth : 0;
      break;
    case Boundary::Kind::reflect:
      s.start = side < 0 ? 0 : length - depth;
      s.flip = true;
      break;
    case Boundary::Kind::constant:
      s.constant = true;
      break;
  }
  return s;
}

// Calls f(offset, sides) for each piece of the halo of block `index` that is not empty, in
// C order of the offsets (each -1, 0 or +1 per axis; all 0, the block itself, is skipped).
template <class F>
void for_each_piece(const OverlapSpec& spec, const Shape& index, F&& f) {
  const std::size_t nd = index.size();
  std::vector<int> offset(nd, -1);
  std::vector<Side> sides(nd);
  for (;;) {
    bool center = true, empty = false;
    for (std::size_t d = 0; d < nd; ++d) {
      center = center && offset[d] == 0;
      sides[d] = side_of(spec, d, index[d], offset[d]);
      empty = empty || sides[d].width == 0;
    }
    if (!center && !empty) f(offset, sides);
    std::size_t d = nd;
    for (;;) {
      if (d == 0) return;
      --d;
      if (++offset[d] <= 1) break;
      offset[d] = -1;
    }
  }
}

Block halo_cut_task(const Shape& start, const Shape& shape, const std::vector<std::uint8_t>& flip,
                    const Block& source) {
  return cut_box(source, start, shape, flip);
}

Block overlap_task(const OverlapSpec& spec, const std::int64_t& block, const Block& center,
                   const std::vector<Block>& pieces) {
  const std::string& operation = spec.call.operation;
  if (block < 0 || block >= spec.grid.blocks()) {
    throw ArrayError(operation + ": block " + std::to_string(block) + " is out of range");
  }
  BlockInfo info;
  info.index = spec.grid.block_index(block);
  info.start = spec.grid.block_start(info.index);
  info.shape = spec.grid.block_shape(info.index);
  const std::size_t nd = info.shape.size();
  if (center.shape != info.shape) {
    throw ArrayError(operation + ": block " + to_string(info.index) + " has shape " +
                     to_string(center.shape) + " where " + to_string(info.shape) + " was expected");
  }
  Shape lo(nd), padded(nd);
  for (std::size_t d = 0; d < nd; ++d) {
    lo[d] = side_of(spec, d, info.index[d], -1).width;
    padded[d] = lo[d] + info.shape[d] + side_of(spec, d, info.index[d], +1).width;
  }
  Block whole = Block::allocate(center.dtype, padded);
  center.check();
  copy_into(whole, lo, center);
  std::size_t next = 0;
  Shape at(nd), shape(nd);
  for_each_piece(
      spec, info.index, [&](const std::vector<int>& offset, const std::vector<Side>& sides) {
        const Side* constant = nullptr;
        for (std::size_t d = 0; d < nd; ++d) {
          at[d] = offset[d] < 0 ? 0 : offset[d] == 0 ? lo[d] : lo[d] + info.shape[d];
          shape[d] = sides[d].width;
          if (sides[d].constant && !constant) constant = &sides[d];
        }
        if (constant) {
          const auto axis = static_cast<std::size_t>(constant - sides.data());
          fill_box(whole, at, shape, spec.value[axis]);
          return;
        }
        if (next >= pieces.size()) {
          throw ArrayError(operation + ": block " + to_string(info.index) +
                           " received too few halo pieces");
        }
        const Block& piece = pieces[next++];
        if (piece.shape != shape) {
          throw ArrayError(operation + ": a halo piece of shape " + to_string(piece.shape) +
                           " where " + to_string(shape) + " was expected");
        }
        piece.check();
        copy_into(whole, at, piece);
      });
  std::vector<Value> args;
  args.push_back(view_value(std::move(whole), info.shape, lo));
  return call_block_function(spec.call, std::move(args), info, padded, lo);
}

TESSERA_TASK_NAMED("tessera.array.halo_cut", halo_cut_task);
TESSERA_TASK_NAMED("tessera.array.overlap", overlap_task);

class OverlapLayer final : public Layer {
 public:
  OverlapLayer(OverlapSpec spec, Handle input, std::string name)
      : Layer(spec.call.result, input->grid, std::move(name)),
        spec_(std::move(spec)),
        spec_node_(delayed_value(spec_)),
        input_(std::move(input)) {}

  NodePtr make_block(Lowering& lowering, std::int64_t linear) const override {
    const Shape index = grid.block_index(linear);
    std::vector<Delayed<Block>> pieces;
    Shape source(index.size()), start(index.size()), shape(index.size());
    std::vector<std::uint8_t> flip(index.size());
    for_each_piece(spec_, index, [&](const std::vector<int>&, const std::vector<Side>& sides) {
      for (std::size_t d = 0; d < index.size(); ++d) {
        if (sides[d].constant) return;
        source[d] = sides[d].block;
        start[d] = sides[d].start;
        shape[d] = sides[d].width;
        flip[d] = sides[d].flip;
      }
      Shape key_index = index;
      key_index.push_back(static_cast<std::int64_t>(pieces.size()));
      NodePtr from = lowering.block(*input_, input_->grid.linear(source));
      pieces.emplace_back(task_node<&halo_cut_task>(block_key(name + "-halo", key_index), start,
                                                    shape, flip, Delayed<Block>(std::move(from))));
    });
    Delayed<Block> center(lowering.block(*input_, linear));
    return task_node<&overlap_task>(block_key(name, index), spec_node_, linear, std::move(center),
                                    std::move(pieces));
  }

 private:
  OverlapSpec spec_;
  Delayed<OverlapSpec> spec_node_;
  Handle input_;
};

}  // namespace

Handle map_overlap(const BlockFunction& fn, const Handle& input, const Shape& depth,
                   const std::vector<Boundary>& boundary) {
  const char* operation = "map_overlap";
  check_valid(input, operation);
  const std::size_t nd = input->grid.ndim();
  if (nd == 0) throw ArrayError("map_overlap: a scalar (0-d) array has no neighbours");
  if (depth.size() != 1 && depth.size() != nd) {
    throw ArrayError("map_overlap: depth " + to_string(depth) + " has " +
                     std::to_string(depth.size()) + " values for an array of " +
                     std::to_string(nd) + " dimensions (give one, or one per axis)");
  }
  if (boundary.size() != 1 && boundary.size() != nd) {
    throw ArrayError("map_overlap: " + std::to_string(boundary.size()) +
                     " boundaries for an array of " + std::to_string(nd) +
                     " dimensions (give one, or one per axis)");
  }
  OverlapSpec spec;
  spec.call = block_call(fn, operation);
  spec.grid = input->grid;
  for (std::size_t d = 0; d < nd; ++d) {
    const std::int64_t k = depth.size() == 1 ? depth[0] : depth[d];
    const Boundary& b = boundary.size() == 1 ? boundary[0] : boundary[d];
    if (k < 0) {
      throw ArrayError("map_overlap: depth " + std::to_string(k) + " along axis " +
                       std::to_string(d) + " is negative");
    }
    const auto lengths = input->grid.lengths(d);
    const std::int64_t smallest = *std::min_element(lengths.begin(), lengths.end());
    if (k > smallest) {
      throw ArrayError("map_overlap: depth " + std::to_string(k) + " along axis " +
                       std::to_string(d) + " is larger than the smallest block along it (" +
                       std::to_string(smallest) + "; chunks " + to_string(input->grid.chunks()) +
                       "): rechunk to blocks of at least " + std::to_string(k) + " first");
    }
    spec.depth.push_back(k);
    spec.boundary.push_back(static_cast<std::uint8_t>(b.kind));
    spec.value.push_back(b.value);
  }
  const std::string name = unique_key(spec.call.function + "-overlap");
  return array_of_layer(std::make_shared<OverlapLayer>(std::move(spec), input, name));
}

}  // namespace tessera::detail::array
