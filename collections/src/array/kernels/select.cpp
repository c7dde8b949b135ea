#include <string>

#include "evaluate.hpp"
#include "kernels/device_kernels.hpp"
#include "kernels/flat_program.hpp"
#include "tessera/config.hpp"

namespace tessera::detail::array {
namespace {

bool is_kernel_choice(std::string_view text) noexcept {
  return text == "auto" || text == "reference" || text == "kokkos" || text == "cuda";
}

const bool kernels_defined = config::define(
    {"array_kernels", "auto",
     "auto, reference, kokkos or cuda (auto: CUDA on a worker with a GPU resource, Kokkos when "
     "it runs on a device, else the reference kernels)",
     is_kernel_choice});

#ifdef TESSERA_WITH_KOKKOS
constexpr bool with_kokkos = true;
#else
constexpr bool with_kokkos = false;
#endif
#ifdef TESSERA_WITH_CUDA
constexpr bool with_cuda = true;
#else
constexpr bool with_cuda = false;
#endif

bool has_gpu_resource() {
  const std::string resources = config::get("resources");
  return resources.find("GPU") != std::string::npos;
}

}  // namespace

#ifdef TESSERA_WITH_KOKKOS
bool kokkos_runs_on_device() noexcept;
#else
bool kokkos_runs_on_device() noexcept { return false; }
Block kokkos_evaluate_block(const Program&, std::int64_t, std::span<const Block>) {
  throw ConfigError("tessera was built without Kokkos (TESSERA_WITH_KOKKOS)");
}
Partial kokkos_partial_reduce(const ReduceSpec&, std::int64_t, std::span<const Block>) {
  throw ConfigError("tessera was built without Kokkos (TESSERA_WITH_KOKKOS)");
}
#endif

#ifndef TESSERA_WITH_CUDA
bool cuda_device_present() noexcept { return false; }
Block cuda_evaluate_block(const Program&, std::int64_t, std::span<const Block>) {
  throw ConfigError("tessera was built without CUDA (TESSERA_WITH_CUDA)");
}
Partial cuda_partial_reduce(const ReduceSpec&, std::int64_t, std::span<const Block>) {
  throw ConfigError("tessera was built without CUDA (TESSERA_WITH_CUDA)");
}
#endif

Kernels kernels_for(const Program& program) {
  (void)kernels_defined;
  const std::string choice = config::get("array_kernels");
  if (choice == "reference") return Kernels::reference;
  if (choice == "kokkos" && !with_kokkos) {
    throw ConfigError(
        "array_kernels is \"kokkos\" but this tessera was built without Kokkos: "
        "configure with -DTESSERA_WITH_KOKKOS=ON, or set it to \"reference\"");
  }
  if (choice == "cuda" && !with_cuda) {
    throw ConfigError(
        "array_kernels is \"cuda\" but this tessera was built without CUDA: "
        "configure with -DTESSERA_WITH_CUDA=ON, or set it to \"reference\"");
  }
  if (!fits_flat(program)) return Kernels::reference;
  if (choice == "kokkos") return Kernels::kokkos;
  if (choice == "cuda") return Kernels::cuda;
  if (with_cuda && has_gpu_resource() && cuda_device_present()) return Kernels::cuda;
  if (with_kokkos && kokkos_runs_on_device()) return Kernels::kokkos;
  return Kernels::reference;
}

Block evaluate_block_on_kernels(const Program& program, std::int64_t block,
                                std::span<const Block> inputs) {
  switch (kernels_for(program)) {
    case Kernels::kokkos:
      return kokkos_evaluate_block(program, block, inputs);
    case Kernels::cuda:
      return cuda_evaluate_block(program, block, inputs);
    case Kernels::reference:
      break;
  }
  return evaluate_block(program, block, inputs);
}

Partial partial_reduce_on_kernels(const ReduceSpec& spec, std::int64_t block,
                                  std::span<const Block> inputs) {
  switch (kernels_for(spec.input)) {
    case Kernels::kokkos:
      return kokkos_partial_reduce(spec, block, inputs);
    case Kernels::cuda:
      return cuda_partial_reduce(spec, block, inputs);
    case Kernels::reference:
      break;
  }
  return partial_reduce(spec, block, inputs);
}

}  // namespace tessera::detail::array
