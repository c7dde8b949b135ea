#pragma once
// The array kernels of a device backend (Kokkos; CUDA later), with the same results as the
// reference kernels in evaluate.cpp and reduce.cpp. Which kernels run is the "array_kernels"
// setting: "reference", "kokkos", or "auto" (Kokkos when its default execution space is a
// device, else the reference kernels, which are faster on a CPU).

#include <cstdint>
#include <span>

#include "program.hpp"
#include "reduce.hpp"

namespace tessera::detail::array {

/// Whether the block kernels of this program run on Kokkos.
bool use_kokkos(const Program& program);

/// Block `block` of `program`, on Kokkos.
Block kokkos_evaluate_block(const Program& program, std::int64_t block,
                            std::span<const Block> inputs);
/// The partial result of a reduction over block `block`, on Kokkos.
Partial kokkos_partial_reduce(const ReduceSpec& spec, std::int64_t block,
                              std::span<const Block> inputs);

}  // namespace tessera::detail::array
