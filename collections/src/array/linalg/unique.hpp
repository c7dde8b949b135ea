#pragma once
// unique and unique_counts as tree reductions: each block's sorted distinct values with their
// counts, merged split_every at a time, the last merge giving the (small) result: an array of
// one block whose length is unknown until it is computed (as Dask's unique).

#include <cstdint>
#include <utility>
#include <vector>

#include "../fields_codec.hpp"
#include "../program.hpp"
#include "../reduce.hpp"

namespace tessera::detail::array {

/// What the tasks of one unique need; shared by them.
struct UniqueSpec {
  Program input;  ///< evaluates a block of the input

  static constexpr auto fields() { return std::make_tuple(&UniqueSpec::input); }
};

/// {sorted distinct values (1-d), their counts (1-d int64)} of one block.
Partial unique_partial_task(const UniqueSpec& spec, const std::int64_t& block,
                            const std::vector<Block>& inputs);
/// Several of those merged into one.
Partial unique_combine_task(const std::vector<Partial>& parts);
/// The merged values (part 0, of `dtype`) or their counts (part 1), as one 1-d block.
Block unique_part_task(const std::vector<Partial>& parts, const DType& dtype,
                       const std::int64_t& part);

}  // namespace tessera::detail::array

namespace tessera::detail {
template <>
struct StdCodec<array::UniqueSpec> : array::FieldsCodec<array::UniqueSpec> {};
}  // namespace tessera::detail
