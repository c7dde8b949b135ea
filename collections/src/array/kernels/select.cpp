#include <string>

#include "kernels/device_kernels.hpp"
#include "kernels/flat_program.hpp"
#include "tessera/config.hpp"

namespace tessera::detail::array {
namespace {

bool is_kernel_choice(std::string_view text) noexcept {
  return text == "auto" || text == "reference" || text == "kokkos";
}

const bool kernels_defined = config::define(
    {"array_kernels", "auto",
     "auto, reference or kokkos (auto: Kokkos when it runs on a device, else the reference "
     "kernels)",
     is_kernel_choice});

}  // namespace

#ifndef TESSERA_WITH_KOKKOS
bool use_kokkos(const Program&) {
  (void)kernels_defined;
  if (config::get("array_kernels") == "kokkos") {
    throw ConfigError(
        "array_kernels is \"kokkos\" but this tessera was built without Kokkos: "
        "configure with -DTESSERA_WITH_KOKKOS=ON, or set it to \"reference\"");
  }
  return false;
}

Block kokkos_evaluate_block(const Program&, std::int64_t, std::span<const Block>) {
  throw ConfigError("tessera was built without Kokkos (TESSERA_WITH_KOKKOS)");
}

Partial kokkos_partial_reduce(const ReduceSpec&, std::int64_t, std::span<const Block>) {
  throw ConfigError("tessera was built without Kokkos (TESSERA_WITH_KOKKOS)");
}
#else
bool kokkos_runs_on_device() noexcept;

bool use_kokkos(const Program& program) {
  (void)kernels_defined;
  const std::string choice = config::get("array_kernels");
  if (choice == "reference") return false;
  if (choice == "auto" && !kokkos_runs_on_device()) return false;
  return fits_flat(program);
}
#endif

}  // namespace tessera::detail::array
