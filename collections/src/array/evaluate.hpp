#pragma once
// Evaluating a compiled expression over one block, tile by tile: each instruction works on a
// few hundred elements at a time in a small scratch area that stays in cache, so a chain of
// operations costs one pass over the inputs and no intermediate blocks.

#include <cstdint>
#include <span>
#include <vector>

#include "program.hpp"

namespace tessera::detail::array {

/// Elements per tile.
inline constexpr std::int64_t tile_size = 512;

/// An index stream that a consumer of tiles needs besides the values (the cell of a partial
/// reduction, the global index of an element): base + sum over axes of index * stride.
struct Stream {
  std::vector<std::int64_t> strides;  ///< one per axis of the block
  std::int64_t base = 0;
};

/// Receives the values of a block in C order, a tile at a time.
class TileSink {
 public:
  virtual ~TileSink() = default;
  /// `count` values of the program's type at `values`; for each extra stream k, the value
  /// of its first element is bases[k], and it grows by steps[k] from one element to the next.
  virtual void tile(const void* values, std::int64_t count, const std::int64_t* bases,
                    const std::int64_t* steps) = 0;

  /// Whether tiles() may be called instead: the sink keeps a result per element of its
  /// extra streams (a cell of a partial reduction) that does not depend on the order in which
  /// different cells come, only on the order of each cell's values.
  virtual bool takes_rows_together() const noexcept { return false; }
  /// At most this many rows' tiles come in one call of tiles().
  static constexpr int max_rows = 4;
  /// The tiles of `rows` consecutive rows of a block read as it is (a program of one load,
  /// reduced along its outer axis): `count` values at each values[r], all for the same
  /// elements of the extra streams. A sink that sums them can add them in registers before it
  /// stores; by default, tile() for each row in order.
  virtual void tiles(const void* const* values, int rows, std::int64_t count,
                     const std::int64_t* bases, const std::int64_t* steps) {
    for (int r = 0; r < rows; ++r) tile(values[r], count, bases, steps);
  }
};

/// Where the loads and generators of a program read, for block `block`: per instruction its
/// stream (-1 for other instructions); per stream the first element's offset (in elements of
/// the input, or the generator's own flat index) and the step along each axis of the block.
struct LeafStreams {
  Shape shape;  ///< of the block
  Shape start;  ///< of the block in the array
  std::vector<std::int32_t> stream_of;
  std::vector<std::vector<std::int64_t>> strides;
  std::vector<std::int64_t> bases;
};
/// ArrayError if an input does not fit the program.
LeafStreams leaf_streams(const Program& program, std::int64_t block, std::span<const Block> inputs);

/// Checks a program (read from a message) and its inputs before it runs; ArrayError if bad.
void validate(const Program& program, std::span<const Block> inputs);

/// Evaluates `program` over its block `block` (C order in its grid), reading `inputs`.
/// ArrayError if the inputs do not fit the program (their number, types or shapes).
void evaluate(const Program& program, std::int64_t block, std::span<const Block> inputs,
              std::span<const Stream> extra, TileSink& sink);

/// Inputs made a window of rows at a time as the evaluation goes: the blocks with a halo of a
/// stencil, assembled from their own block and their neighbours' pieces into a buffer that
/// stays in cache, instead of whole padded blocks that go out to memory and back.
class RowWindows {
 public:
  virtual ~RowWindows() = default;
  /// Rows (along the block's first axis) that one window covers.
  virtual std::int64_t rows() const = 0;
  /// Makes `inputs` hold what rows [first, first + count) of the block read. An input it
  /// makes keeps its whole shape while its data holds a window only, which starts
  /// origins[k] elements into the block.
  virtual void fill(std::int64_t first, std::int64_t count, std::vector<Block>& inputs,
                    std::vector<std::int64_t>& origins) = 0;
};

/// evaluate() with some inputs made by `windows`, a window of rows at a time, in C order.
void evaluate_in_windows(const Program& program, std::int64_t block, std::vector<Block>& inputs,
                         RowWindows& windows, std::span<const Stream> extra, TileSink& sink);

/// The shape of block `block` of `program`; lengths that its grid does not know (after a
/// boolean mask) are taken from the inputs.
Shape block_shape(const Program& program, std::int64_t block, std::span<const Block> inputs);

/// The block `block` of `program`, as a new Block.
Block evaluate_block(const Program& program, std::int64_t block, std::span<const Block> inputs);

/// C-order strides of a shape, in elements.
std::vector<std::int64_t> c_strides(const Shape& shape);

}  // namespace tessera::detail::array
