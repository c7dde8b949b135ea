#include "halo.hpp"

#include <algorithm>
#include <string>

#include "block_copy.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/task.hpp"

namespace tessera::detail::array {

Side side_of(const Halo& halo, std::size_t axis, std::int64_t i, int side) {
  const ChunkGrid& grid = halo.grid;
  const std::int64_t count = grid.count(axis);
  const std::int64_t length = grid.length(axis, i);
  const std::int64_t depth = halo.depth[axis];
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
  switch (static_cast<Boundary::Kind>(halo.boundary[axis])) {
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

namespace {

// Calls f(offset, sides) for each piece of the halo of block `index` that is not empty, in
// C order of the offsets (each -1, 0 or +1 per axis; all 0, the block itself, is skipped).
template <class F>
void for_each_piece(const Halo& halo, const Shape& index, F&& f) {
  const std::size_t nd = index.size();
  std::vector<int> offset(nd, -1);
  std::vector<Side> sides(nd);
  for (;;) {
    bool center = true, empty = false;
    for (std::size_t d = 0; d < nd; ++d) {
      center = center && offset[d] == 0;
      sides[d] = side_of(halo, d, index[d], offset[d]);
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

}  // namespace

TESSERA_TASK_NAMED("tessera.array.halo_cut", halo_cut_task);

Halo make_halo(const Handle& input, const Shape& depth, const std::vector<Boundary>& boundary,
               const char* operation) {
  const std::string op = operation;
  check_valid(input, operation);
  const std::size_t nd = input->grid.ndim();
  if (nd == 0) throw ArrayError(op + ": a scalar (0-d) array has no neighbours");
  if (depth.size() != 1 && depth.size() != nd) {
    throw ArrayError(op + ": depth " + to_string(depth) + " has " + std::to_string(depth.size()) +
                     " values for an array of " + std::to_string(nd) +
                     " dimensions (give one, or one per axis)");
  }
  if (boundary.size() != 1 && boundary.size() != nd) {
    throw ArrayError(op + ": " + std::to_string(boundary.size()) + " boundaries for an array of " +
                     std::to_string(nd) + " dimensions (give one, or one per axis)");
  }
  Halo halo;
  halo.grid = input->grid;
  for (std::size_t d = 0; d < nd; ++d) {
    const std::int64_t k = depth.size() == 1 ? depth[0] : depth[d];
    const Boundary& b = boundary.size() == 1 ? boundary[0] : boundary[d];
    if (k < 0) {
      throw ArrayError(op + ": depth " + std::to_string(k) + " along axis " + std::to_string(d) +
                       " is negative");
    }
    const auto lengths = input->grid.lengths(d);
    const std::int64_t smallest = *std::min_element(lengths.begin(), lengths.end());
    if (k > smallest) {
      throw ArrayError(op + ": depth " + std::to_string(k) + " along axis " + std::to_string(d) +
                       " is larger than the smallest block along it (" + std::to_string(smallest) +
                       "; chunks " + to_string(input->grid.chunks()) +
                       "): rechunk to blocks of at least " + std::to_string(k) + " first");
    }
    halo.depth.push_back(k);
    halo.boundary.push_back(static_cast<std::uint8_t>(b.kind));
    halo.value.push_back(b.value);
  }
  return halo;
}

std::vector<PieceCut> piece_cuts(const Halo& halo, const Shape& index) {
  std::vector<PieceCut> cuts;
  const std::size_t nd = index.size();
  for_each_piece(halo, index, [&](const std::vector<int>& offset, const std::vector<Side>& sides) {
    PieceCut cut;
    for (std::size_t d = 0; d < nd; ++d) {
      if (sides[d].constant) return;
      cut.slot = cut.slot * 3 + static_cast<std::size_t>(offset[d] + 1);
      cut.source.push_back(sides[d].block);
      cut.start.push_back(sides[d].start);
      cut.shape.push_back(sides[d].width);
      cut.flip.push_back(sides[d].flip);
    }
    cuts.push_back(std::move(cut));
  });
  return cuts;
}

NodePtr piece_node(Lowering& lowering, const ArrayNode& input, const PieceCut& cut, Key key) {
  NodePtr from = lowering.block(input, input.grid.linear(cut.source));
  return task_node<&halo_cut_task>(std::move(key), cut.start, cut.shape, cut.flip,
                                   Delayed<Block>(std::move(from)));
}

std::vector<Delayed<Block>> halo_pieces(Lowering& lowering, const Halo& halo,
                                        const ArrayNode& input, const Shape& index,
                                        const std::string& name) {
  std::vector<Delayed<Block>> pieces;
  for (const PieceCut& cut : piece_cuts(halo, index)) {
    Shape key_index = index;
    key_index.push_back(static_cast<std::int64_t>(pieces.size()));
    pieces.emplace_back(piece_node(lowering, input, cut, block_key(name + "-halo", key_index)));
  }
  return pieces;
}

namespace {

// Rows [first, first + rows) along axis 0 of `part`, a block of `nd` axes, as a Block that
// borrows its memory.
Block rows_of(const Block& part, std::int64_t first, std::int64_t rows) {
  Block view;
  view.dtype = part.dtype;
  view.shape = part.shape;
  view.shape[0] = rows;
  const auto row_bytes = static_cast<std::size_t>(part.shape[0] ? part.size() / part.shape[0] : 0) *
                         itemsize(part.dtype);
  view.data = Buffer::borrow(part.data.data() + static_cast<std::size_t>(first) * row_bytes,
                             static_cast<std::size_t>(rows) * row_bytes);
  return view;
}

}  // namespace

Shape padded_shape(const Halo& halo, const Shape& index, Shape& lo) {
  const Shape own = halo.grid.block_shape(index);
  const std::size_t nd = own.size();
  lo.assign(nd, 0);
  Shape padded(nd);
  for (std::size_t d = 0; d < nd; ++d) {
    lo[d] = side_of(halo, d, index[d], -1).width;
    padded[d] = lo[d] + own[d] + side_of(halo, d, index[d], +1).width;
  }
  return padded;
}

void padded_rows(const Halo& halo, const std::string& operation, std::int64_t block,
                 const Block& center, std::span<const Block> pieces, std::int64_t first,
                 Block& window) {
  if (block < 0 || block >= halo.grid.blocks()) {
    throw ArrayError(operation + ": block " + std::to_string(block) + " is out of range");
  }
  const Shape index = halo.grid.block_index(block);
  const Shape own = halo.grid.block_shape(index);
  const std::size_t nd = own.size();
  if (center.shape != own || center.dtype != window.dtype) {
    throw ArrayError(operation + ": block " + to_string(index) + " is a block of " +
                     dtype_name(center.dtype) + " and shape " + to_string(center.shape) +
                     " where " + dtype_name(window.dtype) + " and " + to_string(own) +
                     " were expected");
  }
  Shape lo;
  const Shape padded = padded_shape(halo, index, lo);
  Shape expected = padded;
  expected[0] = window.shape.empty() ? 0 : window.shape[0];
  if (window.shape != expected || first < 0 || first + expected[0] > padded[0]) {
    throw ArrayError(operation + ": rows " + std::to_string(first) + " of a block of shape " +
                     to_string(padded) + " do not fit a window of shape " +
                     to_string(window.shape));
  }
  const std::int64_t last = first + expected[0];
  // Places a part whose first element goes at `at` in the padded block: its rows that fall
  // in the window.
  auto place = [&](Shape at, Shape shape, const Block* part, double value) {
    const std::int64_t begin = std::max(first, at[0]), end = std::min(last, at[0] + shape[0]);
    if (begin >= end) return;
    const std::int64_t skip = begin - at[0];
    at[0] = begin - first;
    shape[0] = end - begin;
    if (!part) {
      fill_box(window, at, shape, value);
    } else {
      copy_into(window, at, rows_of(*part, skip, end - begin));
    }
  };
  center.check();
  place(lo, own, &center, 0);
  std::size_t next = 0;
  Shape at(nd), shape(nd);
  for_each_piece(halo, index, [&](const std::vector<int>& offset, const std::vector<Side>& sides) {
    const Side* constant = nullptr;
    for (std::size_t d = 0; d < nd; ++d) {
      at[d] = offset[d] < 0 ? 0 : offset[d] == 0 ? lo[d] : lo[d] + own[d];
      shape[d] = sides[d].width;
      if (sides[d].constant && !constant) constant = &sides[d];
    }
    if (constant) {
      const auto axis = static_cast<std::size_t>(constant - sides.data());
      place(at, shape, nullptr, halo.value[axis]);
      return;
    }
    if (next >= pieces.size()) {
      throw ArrayError(operation + ": block " + to_string(index) + " received too few halo pieces");
    }
    const Block& piece = pieces[next++];
    if (piece.shape != shape || piece.dtype != center.dtype) {
      throw ArrayError(operation + ": a halo piece of shape " + to_string(piece.shape) + " where " +
                       to_string(shape) + " was expected");
    }
    piece.check();
    place(at, shape, &piece, 0);
  });
  if (next != pieces.size()) {
    throw ArrayError(operation + ": block " + to_string(index) + " received " +
                     std::to_string(pieces.size()) + " halo pieces where " + std::to_string(next) +
                     " were expected");
  }
}

Block padded_block(const Halo& halo, const std::string& operation, std::int64_t block,
                   const Block& center, const std::vector<Block>& pieces, Shape& lo) {
  if (block < 0 || block >= halo.grid.blocks()) {
    throw ArrayError(operation + ": block " + std::to_string(block) + " is out of range");
  }
  Block whole = Block::allocate(center.dtype, padded_shape(halo, halo.grid.block_index(block), lo));
  padded_rows(halo, operation, block, center, pieces, 0, whole);
  return whole;
}

}  // namespace tessera::detail::array
