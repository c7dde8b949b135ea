#pragma once
// The array kernels of a device backend (Kokkos; CUDA later), with the same results as the
// reference kernels in evaluate.cpp and reduce.cpp. Which kernels run is the "array_kernels"
// setting: "reference", "kokkos", "cuda" or "auto" (Kokkos when its default execution space is a
// device, else the reference kernels, which are faster on a CPU), or "cuda" (builds with
// TESSERA_WITH_CUDA; "auto" chooses it on a worker with a GPU in its "resources" setting when
// a CUDA device is present).

#include <cstdint>
#include <span>

#include "program.hpp"
#include "reduce.hpp"

namespace tessera::detail::array {

/// Which kernels run a program's blocks: the "array_kernels" setting, and what this build and
/// machine have. ConfigError when the setting asks for kernels this build does not have.
enum class Kernels { reference, kokkos, cuda };
Kernels kernels_for(const Program& program);

/// Block `block` of `program`, on Kokkos.
Block kokkos_evaluate_block(const Program& program, std::int64_t block,
                            std::span<const Block> inputs);
/// The partial result of a reduction over block `block`, on Kokkos.
Partial kokkos_partial_reduce(const ReduceSpec& spec, std::int64_t block,
                              std::span<const Block> inputs);

/// The same on CUDA (builds with TESSERA_WITH_CUDA).
Block cuda_evaluate_block(const Program& program, std::int64_t block,
                          std::span<const Block> inputs);
Partial cuda_partial_reduce(const ReduceSpec& spec, std::int64_t block,
                            std::span<const Block> inputs);
bool cuda_device_present() noexcept;

/// Block `block` of `program` on the kernels that kernels_for() chooses.
Block evaluate_block_on_kernels(const Program& program, std::int64_t block,
                                std::span<const Block> inputs);
Partial partial_reduce_on_kernels(const ReduceSpec& spec, std::int64_t block,
                                  std::span<const Block> inputs);

}  // namespace tessera::detail::array
