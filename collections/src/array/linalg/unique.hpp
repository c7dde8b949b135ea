#pragma once
// unique and unique_counts as tree reductions: each block's sorted distinct values with their
// counts, merged split_every at a time, the last merge giving the (small) result.

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
/// The merged values, as the std::vector that unique(x).compute() returns.
template <class T>
std::vector<T> unique_values_task(const std::vector<Partial>& parts);
/// The merged values and counts, as unique_counts(x).compute() returns them.
template <class T>
std::pair<std::vector<T>, std::vector<std::int64_t>> unique_counts_task(
    const std::vector<Partial>& parts);

}  // namespace tessera::detail::array

namespace tessera::detail {
template <>
struct StdCodec<array::UniqueSpec> : array::FieldsCodec<array::UniqueSpec> {};
}  // namespace tessera::detail
