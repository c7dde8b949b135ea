#pragma once
// topk and argtopk as tree reductions along one axis: each input block keeps, in every lane
// along the axis, its |k| first elements in topk's order (with their indices along the
// axis); the kept elements are merged split_every blocks at a time, and the last merge
// gives the sorted result.

#include <cstdint>
#include <vector>

#include "../fields_codec.hpp"
#include "../program.hpp"
#include "../reduce.hpp"

namespace tessera::detail::array {

/// What the tasks of one topk need; shared by them.
struct TopkSpec {
  Program input;       ///< evaluates a block of the input
  std::int64_t k = 1;  ///< > 0: the largest first; < 0: the smallest first
  std::int32_t axis = 0;
  std::uint8_t arg = 0;  ///< the result is the indices, not the values

  static constexpr auto fields() {
    return std::make_tuple(&TopkSpec::input, &TopkSpec::k, &TopkSpec::axis, &TopkSpec::arg);
  }
};

/// The kept elements of one block, {values, indices along the axis}, sorted in each lane.
Partial topk_partial_task(const TopkSpec& spec, const std::int64_t& block,
                          const std::vector<Block>& inputs);
/// Kept elements of neighbouring blocks along the axis merged into one.
Partial topk_combine_task(const TopkSpec& spec, const std::vector<Partial>& parts);
/// The result block: the values (or indices) of the merged kept elements.
Block topk_finish_task(const TopkSpec& spec, const std::vector<Partial>& parts);

}  // namespace tessera::detail::array

namespace tessera::detail {
template <>
struct StdCodec<array::TopkSpec> : array::FieldsCodec<array::TopkSpec> {};
}  // namespace tessera::detail
