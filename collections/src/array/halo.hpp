#pragma once
// Halos of blocks from their neighbours, shared by map_overlap and the fused stencils: which
// thin slices (faces, edges, corners) of which neighbours a block needs, the small tasks
// that cut them, and the block with its halo assembled in one allocation.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "fields_codec.hpp"
#include "grid.hpp"
#include "lowering.hpp"
#include "tessera/array/blocks.hpp"

namespace tessera::detail::array {

/// The halo of the blocks of one array.
struct Halo {
  ChunkGrid grid;                      ///< of the array
  Shape depth;                         ///< per axis
  std::vector<std::uint8_t> boundary;  ///< Boundary::Kind per axis
  std::vector<double> value;           ///< per axis, of constant boundaries

  static constexpr auto fields() {
    return std::make_tuple(&Halo::grid, &Halo::depth, &Halo::boundary, &Halo::value);
  }
};

/// One side (-1 before, 0 the block itself, +1 after) of a block along one axis: how wide
/// the halo is there, and which block and elements along the axis fill it.
struct Side {
  std::int64_t width = 0;
  std::int64_t block = 0;
  std::int64_t start = 0;
  bool flip = false;
  bool constant = false;
};

Side side_of(const Halo& halo, std::size_t axis, std::int64_t i, int side);

/// A Halo for `input` from map_overlap's arguments (one depth and boundary, or one per
/// axis); ArrayError naming `operation` when they do not fit the array.
Halo make_halo(const Handle& input, const Shape& depth, const std::vector<Boundary>& boundary,
               const char* operation);

/// The tasks that cut the halo pieces of block `index` out of its neighbours (constant
/// pieces need none), in the order padded_block() takes them.
std::vector<Delayed<Block>> halo_pieces(Lowering& lowering, const Halo& halo,
                                        const ArrayNode& input, const Shape& index,
                                        const std::string& name);

/// A piece of the halo of a block that a neighbour gives: its slot among the 3^ndim offsets
/// (C order of -1, 0, +1 per axis), the neighbour's block index, and the box cut from it.
struct PieceCut {
  std::size_t slot = 0;
  Shape source, start, shape;
  std::vector<std::uint8_t> flip;
};
/// The pieces of the halo of block `index` that neighbours give (constant ones are filled in
/// place), in the order padded_block() takes them.
std::vector<PieceCut> piece_cuts(const Halo& halo, const Shape& index);
/// The task that cuts `cut` out of its block of `input`.
NodePtr piece_node(Lowering& lowering, const ArrayNode& input, const PieceCut& cut, Key key);

/// The shape of block `index` with its halo; `lo` is set to the halo's width before it.
Shape padded_shape(const Halo& halo, const Shape& index, Shape& lo);

/// Rows [first, first + window.shape[0]) along axis 0 of block `block` with its halo, into
/// `window` (of the padded block's shape but for its rows): the parts of `center` and
/// `pieces` that fall there, and constant boundaries. ArrayError naming `operation` if the
/// parts do not fit.
void padded_rows(const Halo& halo, const std::string& operation, std::int64_t block,
                 const Block& center, std::span<const Block> pieces, std::int64_t first,
                 Block& window);

/// Block `block` with its halo: `center` and `pieces` placed in one new block. `lo` is set
/// to the width of the halo before the block along each axis.
Block padded_block(const Halo& halo, const std::string& operation, std::int64_t block,
                   const Block& center, const std::vector<Block>& pieces, Shape& lo);

}  // namespace tessera::detail::array

namespace tessera::detail {
template <>
struct StdCodec<array::Halo> : array::FieldsCodec<array::Halo> {};
}  // namespace tessera::detail
