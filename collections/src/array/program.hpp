#pragma once
// Program: an elementwise expression compiled for the tasks that evaluate it block by block.
// Instructions are in evaluation order and each writes one slot; loads name the task's
// inputs (blocks of layers) by position. A Program travels with its tasks, so it holds no
// pointers.

#include <cstdint>
#include <vector>

#include "expr.hpp"
#include "fields_codec.hpp"

namespace tessera::detail::array {

struct Instruction {
  ExprOp op = ExprOp::constant;
  std::uint8_t code = 0;                ///< the Unary or Binary operation
  DType dtype = DType::float64;         ///< of the result
  DType from = DType::float64;          ///< of the operands (cast, comparisons, logical operations)
  std::int32_t a = -1, b = -1, c = -1;  ///< operand instructions
  std::int32_t leaf = -1;               ///< load: input position; constant, generate: table index
  std::int32_t map = -1;   ///< load, generate: offset of the axis map in Program::axis_maps
  std::int32_t halo = -1;  ///< load of blocks with a halo: offset in Program::halos, else -1
  std::int32_t view = -1;  ///< load, generate of part of a source: offset in Program::views
  std::int32_t grid = -1;  ///< load with a view: its layer's grid in Program::view_grids
};

struct GeneratorSpec {
  GeneratorKind kind = GeneratorKind::iota;
  Distribution distribution = Distribution::uniform;
  std::uint64_t seed = 0;
  double a = 0, b = 0, last = 0;
  std::int64_t last_index = -1;
  std::int64_t low = 0, high = 0;  ///< random integers in [low, high)
  std::int32_t shape_offset = 0;   ///< in Program::generator_shapes
  std::int32_t ndim = 0;
};

struct Program {
  DType dtype = DType::float64;  ///< of the result
  ChunkGrid grid;                ///< of the array it computes
  std::vector<Instruction> code;
  std::vector<std::int32_t> axis_maps;
  std::vector<Scalar> constants;
  std::vector<GeneratorSpec> generators;
  std::vector<std::int64_t> generator_shapes;
  /// Loads of blocks with a halo (see Expr::halo): two numbers per axis of the input.
  std::vector<std::int64_t> halos;
  /// Leaves that read part of their source (see Expr::view): two numbers per source axis.
  std::vector<std::int64_t> views;
  std::vector<ChunkGrid> view_grids;  ///< of the layers that loads with a view read
  std::int32_t inputs = 0;

  static constexpr auto fields() {
    return std::make_tuple(&Program::dtype, &Program::grid, &Program::code, &Program::axis_maps,
                           &Program::constants, &Program::generators, &Program::generator_shapes,
                           &Program::halos, &Program::views, &Program::view_grids,
                           &Program::inputs);
  }
};

/// A compiled expression, with the blocks its loads read.
struct Compiled {
  Program program;
  struct Source {
    LayerPtr layer;
    std::vector<int> axis_map;
    std::vector<std::int64_t> view;  ///< see Expr::view
  };
  std::vector<Source> sources;  ///< one per input position
};

/// Compiles `array`'s expression; ArrayError if the program would not be valid.
Compiled compile(const ArrayNode& array);

/// The block of `source` that block `index` of the compiled array (of grid `grid`) reads.
std::int64_t source_block(const Compiled::Source& source, const ChunkGrid& grid,
                          const Shape& index);

/// Where a leaf with a view reads along source axis `p` for the block of `grid` that starts
/// at `start`: its first position, given the leaf's `axis_map` and `view` (see Expr::view).
std::int64_t view_first(const std::int64_t* view, const std::int32_t* axis_map, std::size_t ndim,
                        const Shape& start, std::size_t p);

}  // namespace tessera::detail::array

namespace tessera::detail {
template <>
struct StdCodec<array::Program> : array::FieldsCodec<array::Program> {};
}  // namespace tessera::detail
