#pragma once
// Reductions as trees: a partial result per input block (evaluating the input's expression
// on the way, so nothing elementwise before a reduction makes a block of its own), partial
// results merged `split_every` at a time, and a final step that turns the merged partial
// into the result's block.

#include <cstdint>
#include <mutex>
#include <vector>

#include "evaluate.hpp"
#include "expr.hpp"
#include "fields_codec.hpp"
#include "kernels/reduce_state.hpp"
#include "program.hpp"
#include "tessera/delayed.hpp"

namespace tessera::detail::array {

class Lowering;

/// The state of a reduction over some elements, one Block per field (a sum; a count and a
/// sum; n, mean and M2; a value and its index; ...), each of the partial shape: the
/// input block's shape with the reduced axes of length 1.
using Partial = std::vector<Block>;

/// What the tasks of a reduction need to know; one per reduction, shared by its tasks.
struct ReduceSpec {
  Program input;  ///< evaluates a block of the reduced array
  Reduction op = Reduction::sum;
  std::vector<std::uint8_t> reduced;  ///< per input axis: 1 if reduced
  std::int32_t ddof = 0;
  DType result = DType::float64;
  std::uint8_t keepdims = 0;

  static constexpr auto fields() {
    return std::make_tuple(&ReduceSpec::input, &ReduceSpec::op, &ReduceSpec::reduced,
                           &ReduceSpec::ddof, &ReduceSpec::result, &ReduceSpec::keepdims);
  }
};

class ReductionLayer final : public Layer {
 public:
  /// `paired`, when not null, is input + input.T in the reduction's accumulator type, for a
  /// sum over both axes of a square grid: where the input reads blocks transposed (x + x.T),
  /// blocks (i, j) and (j, i) are summed as one block (i, j) of `paired`, in one pass over the
  /// two blocks they both read.
  ReductionLayer(Handle input, ReduceSpec spec, std::int64_t split_every, ChunkGrid grid,
                 std::string name, Handle paired = nullptr);
  NodePtr make_block(Lowering& lowering, std::int64_t linear) const override;

 private:
  Handle input_;
  ReduceSpec spec_;
  std::int64_t split_every_;
  Handle paired_;
  mutable std::once_flag spec_once_;
  mutable Delayed<ReduceSpec> spec_node_;
  mutable std::once_flag paired_once_;
  mutable Delayed<ReduceSpec> paired_spec_node_;
};

/// The task of the partial result of block `block` (at `index`) of a reduction whose
/// compiled input reads blocks with a halo (neighbours()): it takes their own blocks and halo
/// pieces and assembles them as it goes, a few rows at a time, instead of reading whole padded
/// blocks. Null when the input reads no blocks with a halo. (In stencil.cpp.)
NodePtr windowed_partial_node(Lowering& lowering, Key key, const Delayed<ReduceSpec>& spec,
                              std::int64_t block, const Compiled& compiled, const Shape& index);

/// The result type of `op` on elements of `input`.
DType reduction_result(Reduction op, DType input);

/// Where the elements of an input block go in its partial result: the block's shape, the
/// partial's (the cells), the cell of each element and, for arg reductions, its index.
struct PartialLayout {
  Shape shape;
  Shape cells;
  Stream cell;
  Stream index;
};
PartialLayout partial_layout(const ReduceSpec& spec, std::int64_t block,
                             std::span<const Block> inputs);
ReduceKind reduce_kind(const ReduceSpec& spec);
/// The runs of `run` elements per thread of a device reduction over a block of `layout`.
ReduceRuns reduce_runs(const ReduceSpec& spec, const PartialLayout& layout, std::int64_t run);

/// The partial result of block `block` (the reference kernels).
Partial partial_reduce(const ReduceSpec& spec, std::int64_t block, std::span<const Block> inputs);
/// The same with some inputs made a window of rows at a time by `windows`.
Partial partial_reduce(const ReduceSpec& spec, std::int64_t block, std::vector<Block>& inputs,
                       RowWindows& windows);
/// The partial result from per-thread states: `segments` runs per cell, cell-major, each
/// run's elements in C order after the previous run's.
Partial partial_from_states(const ReduceSpec& spec, const Shape& cells,
                            std::span<const ReduceState> states, std::int64_t segments);
Partial combine_partials(const ReduceSpec& spec, const std::vector<Partial>& parts);
Block finish_reduction(const ReduceSpec& spec, const std::vector<Partial>& parts);

}  // namespace tessera::detail::array

namespace tessera::detail {
template <>
struct StdCodec<array::ReduceSpec> : array::FieldsCodec<array::ReduceSpec> {};
}  // namespace tessera::detail
