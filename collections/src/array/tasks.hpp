#pragma once
// The registered task functions of the array module: what workers run for array blocks.

#include <cstdint>
#include <vector>

#include "program.hpp"
#include "reduce.hpp"

namespace tessera::detail::array {

/// Block `block` of a compiled elementwise expression.
Block elementwise_task(const Program& program, const std::int64_t& block,
                       const std::vector<Block>& inputs);

/// A block of `dtype` and `shape` holding `values` (a user function's result).
template <class E>
Block vector_block_task(const DType& dtype, const Shape& shape, const std::vector<E>& values);

/// The partial result of a reduction over one block of its input.
Partial partial_task(const ReduceSpec& spec, const std::int64_t& block,
                     const std::vector<Block>& inputs);
/// Partial results merged into one.
Partial combine_task(const ReduceSpec& spec, const std::vector<Partial>& parts);
/// The final block of a reduction from the partial results of its inputs.
Block aggregate_task(const ReduceSpec& spec, const std::vector<Partial>& parts);

}  // namespace tessera::detail::array
