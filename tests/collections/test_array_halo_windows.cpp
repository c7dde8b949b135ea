// Blocks with a halo assembled a window of rows at a time (what a stencil's reduction tasks
// do instead of making the whole padded block): every window holds the same bytes as those
// rows of the padded block, for each kind of boundary, and a window that does not fit is an
// error.

#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

#include "array/block_copy.hpp"
#include "array/halo.hpp"
#include "tessera/array.hpp"

using namespace tessera::detail::array;
using tessera::ArrayError;
using tessera::Block;
using tessera::Boundary;
using tessera::Chunks;
using tessera::DType;
using tessera::Shape;

namespace {

// Block `index` of `whole` and the halo pieces its neighbours give it.
struct Parts {
  Block center;
  std::vector<Block> pieces;
};
Parts parts_of(const Halo& halo, const Block& whole, const Shape& index) {
  const Shape own = halo.grid.block_shape(index);
  Parts parts;
  parts.center = cut_box(whole, halo.grid.block_start(index), own);
  for (const PieceCut& cut : piece_cuts(halo, index)) {
    const Block source =
        cut_box(whole, halo.grid.block_start(cut.source), halo.grid.block_shape(cut.source));
    parts.pieces.push_back(cut_box(source, cut.start, cut.shape, cut.flip));
  }
  return parts;
}

}  // namespace

TEST_CASE("windows of rows of a block with its halo hold what the padded block holds there") {
  Block whole = Block::allocate(DType::float64, {9, 7});
  auto values = whole.values<double>();
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i);
  for (const auto kind :
       {Boundary::Kind::periodic, Boundary::Kind::reflect, Boundary::Kind::constant}) {
    INFO("boundary " << static_cast<int>(kind));
    Halo halo;
    halo.grid = ChunkGrid(Chunks{{4, 4, 1}, {3, 3, 1}}, "test");
    halo.depth = {1, 1};
    halo.boundary = {static_cast<std::uint8_t>(kind), static_cast<std::uint8_t>(kind)};
    halo.value = {-1.5, -2.5};
    for (std::int64_t block = 0; block < halo.grid.blocks(); ++block) {
      const Shape index = halo.grid.block_index(block);
      const Parts parts = parts_of(halo, whole, index);
      Shape lo;
      const Block padded = padded_block(halo, "test", block, parts.center, parts.pieces, lo);
      const std::size_t row =
          static_cast<std::size_t>(padded.shape[1]) * sizeof(double);  // bytes per row
      for (std::int64_t rows = 1; rows <= padded.shape[0]; ++rows) {
        for (std::int64_t first = 0; first + rows <= padded.shape[0]; ++first) {
          Block window = Block::allocate(DType::float64, {rows, padded.shape[1]});
          padded_rows(halo, "test", block, parts.center, parts.pieces, first, window);
          REQUIRE(std::memcmp(window.data.data(), padded.data.data() + first * row,
                              static_cast<std::size_t>(rows) * row) == 0);
        }
      }
      // Past the last row, or rows of another width: refused.
      Block beyond = Block::allocate(DType::float64, {2, padded.shape[1]});
      CHECK_THROWS_AS(
          padded_rows(halo, "test", block, parts.center, parts.pieces, padded.shape[0] - 1, beyond),
          ArrayError);
      Block narrow = Block::allocate(DType::float64, {1, padded.shape[1] - 1});
      CHECK_THROWS_AS(padded_rows(halo, "test", block, parts.center, parts.pieces, 0, narrow),
                      ArrayError);
      if (!parts.pieces.empty()) {  // a piece missing
        const std::vector<Block> fewer(parts.pieces.begin(), parts.pieces.end() - 1);
        Block window = Block::allocate(DType::float64, {1, padded.shape[1]});
        CHECK_THROWS_AS(padded_rows(halo, "test", block, parts.center, fewer, 0, window),
                        ArrayError);
      }
    }
  }
}
