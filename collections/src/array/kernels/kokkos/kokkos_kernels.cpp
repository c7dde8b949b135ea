// The array kernels on Kokkos: one thread per element for elementwise blocks, one per run of
// elements of a cell for reductions. Kokkos 3.4's Serial parallel_reduce shares scratch
// memory between the threads that call it (kokkos#4053), and worker threads run blocks at the
// same time, so reductions here are parallel_for over runs, each writing its own state, and
// the states are merged on the host in order.

#define TESSERA_KERNELS_FOR_KOKKOS
#include <Kokkos_Core.hpp>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "kernels/device_kernels.hpp"
#include "kernels/element.hpp"
#include "kernels/reduce_state.hpp"
#include "tessera/array/errors.hpp"

namespace tessera::detail::array {
namespace {

using Space = Kokkos::DefaultExecutionSpace;
using Memory = Space::memory_space;
constexpr bool host_memory = Kokkos::SpaceAccessibility<Kokkos::HostSpace, Memory>::accessible;

// Starts Kokkos once, unless the program did; finalizes it at exit if tessera started it.
void ensure_kokkos() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (!Kokkos::is_initialized()) {
      Kokkos::initialize();
      std::atexit([] {
        if (Kokkos::is_initialized()) Kokkos::finalize();
      });
    }
  });
}

// The inputs' elements where the kernels can read them: the blocks themselves in host
// memory, copies on a device.
struct DeviceInputs {
  std::vector<Kokkos::View<std::byte*, Memory>> copies;
  std::vector<const void*> data;

  explicit DeviceInputs(std::span<const Block> inputs) {
    for (const Block& block : inputs) {
      if constexpr (host_memory) {
        data.push_back(block.data.data());
      } else {
        Kokkos::View<std::byte*, Memory> copy("tessera.array.input", block.data.size());
        Kokkos::View<const std::byte*, Kokkos::HostSpace, Kokkos::MemoryUnmanaged> host(
            block.data.data(), block.data.size());
        Kokkos::deep_copy(copy, host);
        data.push_back(copy.data());
        copies.push_back(copy);
      }
    }
  }
};

[[noreturn]] void negative_power() {
  throw ArrayError("power: integers to negative integer powers are not allowed");
}

}  // namespace

bool kokkos_runs_on_device() noexcept { return !host_memory; }

Block kokkos_evaluate_block(const Program& program, std::int64_t block,
                            std::span<const Block> inputs) {
  ensure_kokkos();
  const DeviceInputs device(inputs);
  const FlatProgram flat = flatten(program, block, inputs, device.data);
  Block out = Block::allocate(program.dtype, Shape(flat.shape, flat.shape + flat.ndim));
  Kokkos::View<std::byte*, Memory> result("tessera.array.block", out.data.size());
  Kokkos::View<int, Memory> errors("tessera.array.errors");
  std::byte* result_data = result.data();
  const DType dtype = flat.dtype;
  Kokkos::parallel_for(
      "tessera.array.elementwise", Kokkos::RangePolicy<Space>(0, flat.size),
      KOKKOS_LAMBDA(const std::int64_t e) {
        bool error = false;
        const FlatValue v = kokkos::evaluate_element(flat, e, error);
        kokkos::store(result_data, e, dtype, v);
        if (error) Kokkos::atomic_increment(&errors());
      });
  Kokkos::fence();
  int failed = 0;
  Kokkos::deep_copy(failed, errors);
  if (failed) negative_power();
  Kokkos::View<std::byte*, Kokkos::HostSpace, Kokkos::MemoryUnmanaged> host(out.data.data(),
                                                                            out.data.size());
  Kokkos::deep_copy(host, result);
  return out;
}

Partial kokkos_partial_reduce(const ReduceSpec& spec, std::int64_t block,
                              std::span<const Block> inputs) {
  ensure_kokkos();
  const PartialLayout layout = partial_layout(spec, block, inputs);
  const DeviceInputs device(inputs);
  const FlatProgram flat = flatten(spec.input, block, inputs, device.data);
  const ReduceKind kind = reduce_kind(spec);

  const ReduceRuns runs = reduce_runs(spec, layout, 4096);
  const std::int64_t threads = runs.cells * runs.runs;
  Kokkos::View<ReduceState*, Memory> states("tessera.array.states",
                                            static_cast<std::size_t>(threads));
  Kokkos::View<int, Memory> errors("tessera.array.errors");
  Kokkos::parallel_for(
      "tessera.array.partial", Kokkos::RangePolicy<Space>(0, threads),
      KOKKOS_LAMBDA(const std::int64_t w) {
        bool error = false;
        states(w) = kokkos::reduce_run(flat, runs, kind, w, error);
        if (error) Kokkos::atomic_increment(&errors());
      });
  Kokkos::fence();
  int failed = 0;
  Kokkos::deep_copy(failed, errors);
  if (failed) negative_power();
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace{}, states);
  return partial_from_states(spec, layout.cells,
                             std::span<const ReduceState>(host.data(), host.size()), runs.runs);
}

}  // namespace tessera::detail::array
