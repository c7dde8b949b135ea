// The array kernels on CUDA: the same per-element code as the reference and Kokkos kernels
// (kernels.hpp, element.hpp, reduce_state.hpp compiled for the device), one thread per element
// for elementwise blocks and one per run of a cell's elements for reductions, merged on the
// host in order.

#define TESSERA_KERNELS_FOR_CUDA
#include <cuda_runtime.h>

#include <string>
#include <vector>

#include "kernels/device_kernels.hpp"
#include "kernels/element.hpp"
#include "kernels/reduce_state.hpp"
#include "tessera/array/errors.hpp"

namespace tessera::detail::array {
namespace {

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) {
    throw ArrayError(std::string("array kernels on CUDA: ") + what + ": " +
                     cudaGetErrorString(status));
  }
}

// Device memory for one kernel launch, on the calling thread's default stream.
class DeviceMemory {
 public:
  explicit DeviceMemory(std::size_t bytes) {
    if (bytes)
      check(cudaMallocAsync(&data_, bytes, cudaStreamPerThread), "allocating device memory");
  }
  ~DeviceMemory() {
    if (data_) cudaFreeAsync(data_, cudaStreamPerThread);
  }
  DeviceMemory(const DeviceMemory&) = delete;
  DeviceMemory& operator=(const DeviceMemory&) = delete;
  DeviceMemory(DeviceMemory&& other) noexcept : data_(other.data_) { other.data_ = nullptr; }
  void* data() const noexcept { return data_; }

 private:
  void* data_ = nullptr;
};

struct DeviceInputs {
  std::vector<DeviceMemory> copies;
  std::vector<const void*> data;
  explicit DeviceInputs(std::span<const Block> inputs) {
    for (const Block& block : inputs) {
      copies.emplace_back(block.data.size());
      check(cudaMemcpyAsync(copies.back().data(), block.data.data(), block.data.size(),
                            cudaMemcpyHostToDevice, cudaStreamPerThread),
            "copying an input block to the device");
      data.push_back(copies.back().data());
    }
  }
};

__global__ void elementwise_kernel(FlatProgram flat, std::byte* out, int* errors) {
  const std::int64_t e = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e >= flat.size) return;
  bool error = false;
  const FlatValue v = cuda::evaluate_element(flat, e, error);
  cuda::store(out, e, flat.dtype, v);
  if (error) atomicAdd(errors, 1);
}

__global__ void partial_kernel(FlatProgram flat, ReduceRuns runs, ReduceKind kind,
                               ReduceState* states, int* errors) {
  const std::int64_t w = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (w >= runs.cells * runs.runs) return;
  bool error = false;
  states[w] = cuda::reduce_run(flat, runs, kind, w, error);
  if (error) atomicAdd(errors, 1);
}

unsigned grid_for(std::int64_t threads, unsigned block) {
  return static_cast<unsigned>((threads + block - 1) / block);
}

void finish(const DeviceMemory& errors) {
  int failed = 0;
  check(cudaMemcpyAsync(&failed, errors.data(), sizeof failed, cudaMemcpyDeviceToHost,
                        cudaStreamPerThread),
        "reading the error count");
  check(cudaStreamSynchronize(cudaStreamPerThread), "running a kernel");
  if (failed) throw ArrayError("power: integers to negative integer powers are not allowed");
}

}  // namespace

bool cuda_device_present() noexcept {
  int devices = 0;
  return cudaGetDeviceCount(&devices) == cudaSuccess && devices > 0;
}

Block cuda_evaluate_block(const Program& program, std::int64_t block,
                          std::span<const Block> inputs) {
  const DeviceInputs device(inputs);
  const FlatProgram flat = flatten(program, block, inputs, device.data);
  Block out = Block::allocate(program.dtype, Shape(flat.shape, flat.shape + flat.ndim));
  DeviceMemory result(out.data.size());
  DeviceMemory errors(sizeof(int));
  check(cudaMemsetAsync(errors.data(), 0, sizeof(int), cudaStreamPerThread), "clearing");
  if (flat.size > 0) {
    constexpr unsigned threads = 256;
    elementwise_kernel<<<grid_for(flat.size, threads), threads, 0, cudaStreamPerThread>>>(
        flat, static_cast<std::byte*>(result.data()), static_cast<int*>(errors.data()));
    check(cudaGetLastError(), "launching the elementwise kernel");
    check(cudaMemcpyAsync(out.data.data(), result.data(), out.data.size(), cudaMemcpyDeviceToHost,
                          cudaStreamPerThread),
          "copying a block to the host");
  }
  finish(errors);
  return out;
}

Partial cuda_partial_reduce(const ReduceSpec& spec, std::int64_t block,
                            std::span<const Block> inputs) {
  const PartialLayout layout = partial_layout(spec, block, inputs);
  const DeviceInputs device(inputs);
  const FlatProgram flat = flatten(spec.input, block, inputs, device.data);
  const ReduceRuns runs = reduce_runs(spec, layout, 1024);
  const std::int64_t work = runs.cells * runs.runs;
  std::vector<ReduceState> states(static_cast<std::size_t>(work));
  DeviceMemory device_states(states.size() * sizeof(ReduceState));
  DeviceMemory errors(sizeof(int));
  check(cudaMemsetAsync(errors.data(), 0, sizeof(int), cudaStreamPerThread), "clearing");
  if (work > 0) {
    constexpr unsigned threads = 128;
    partial_kernel<<<grid_for(work, threads), threads, 0, cudaStreamPerThread>>>(
        flat, runs, reduce_kind(spec), static_cast<ReduceState*>(device_states.data()),
        static_cast<int*>(errors.data()));
    check(cudaGetLastError(), "launching the reduction kernel");
    check(cudaMemcpyAsync(states.data(), device_states.data(), states.size() * sizeof(ReduceState),
                          cudaMemcpyDeviceToHost, cudaStreamPerThread),
          "copying reduction states to the host");
  }
  finish(errors);
  return partial_from_states(spec, layout.cells, states, runs.runs);
}

}  // namespace tessera::detail::array
