#pragma once
// Blocked tensor contraction (tensordot; matmul and dot are cases of it). The operands are
// first arranged, in the graph, so that a's free axes come before its contracted ones and
// b's contracted axes before its free ones; a block of a is then an m × k matrix in C order
// and a block of b a k × n one. Output block (i, j) is the sum over the blocks k along the
// contracted axes of a[i, k] · b[k, j]: each task multiplies a group of pairs into one
// accumulator, and the groups' sums are added in a tree.

#include <cstdint>
#include <vector>

#include "../expr.hpp"
#include "../fields_codec.hpp"

namespace tessera::detail::array {

/// What a product task needs to see its blocks as matrices.
struct ProductSpec {
  DType dtype = DType::float64;  ///< of the operands and the result
  std::int32_t free_a = 0;       ///< a's leading free axes; the rest are contracted
  std::int32_t contracted = 0;   ///< b's leading contracted axes; the rest are free

  static constexpr auto fields() {
    return std::make_tuple(&ProductSpec::dtype, &ProductSpec::free_a, &ProductSpec::contracted);
  }
};

/// The sum of a[p] · b[p] over the pairs, as a block of `shape` (zeros when there are none).
Block product_task(const ProductSpec& spec, const Shape& shape, const std::vector<Block>& a,
                   const std::vector<Block>& b);
/// The elementwise sum of blocks of one shape.
Block sum_task(const std::vector<Block>& parts);

}  // namespace tessera::detail::array

namespace tessera::detail {
template <>
struct StdCodec<array::ProductSpec> : array::FieldsCodec<array::ProductSpec> {};
}  // namespace tessera::detail
