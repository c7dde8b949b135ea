#include "tasks.hpp"

#include <cstring>
#include <string>

#include "evaluate.hpp"
#include "kernels/device_kernels.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/task.hpp"

namespace tessera::detail::array {

Block elementwise_task(const Program& program, const std::int64_t& block,
                       const std::vector<Block>& inputs) {
  return evaluate_block_on_kernels(program, block, inputs);
}

template <class E>
Block vector_block_task(const DType& dtype, const Shape& shape, const std::vector<E>& values) {
  // Checked before allocating: a wrong result for a huge block is not a failed allocation.
  const std::size_t bytes = tessera::detail::block_bytes(dtype, shape, "from_function");
  if (bytes != values.size() * sizeof(E)) {
    throw ArrayError("from_function/from_delayed: a block function returned " +
                     std::to_string(values.size()) + " elements for a block of shape " +
                     to_string(shape) + " (" + std::to_string(bytes / itemsize(dtype)) +
                     " elements)");
  }
  Block block = Block::allocate(dtype, shape);
  if (dtype == DType::bool_) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      reinterpret_cast<bool*>(block.data.data())[i] = values[i] != E(0);
    }
  } else if (!values.empty()) {
    std::memcpy(block.data.data(), values.data(), block.data.size());
  }
  return block;
}

Partial partial_task(const ReduceSpec& spec, const std::int64_t& block,
                     const std::vector<Block>& inputs) {
  return partial_reduce_on_kernels(spec, block, inputs);
}

Partial combine_task(const ReduceSpec& spec, const std::vector<Partial>& parts) {
  return combine_partials(spec, parts);
}

Block aggregate_task(const ReduceSpec& spec, const std::vector<Partial>& parts) {
  return finish_reduction(spec, parts);
}

TESSERA_TASK_NAMED("tessera.array.elementwise", elementwise_task);
TESSERA_TASK_NAMED("tessera.array.partial", partial_task);
TESSERA_TASK_NAMED("tessera.array.combine", combine_task);
TESSERA_TASK_NAMED("tessera.array.aggregate", aggregate_task);
TESSERA_TASK_NAMED("tessera.array.block<uint8>", vector_block_task<std::uint8_t>);
TESSERA_TASK_NAMED("tessera.array.block<int32>", vector_block_task<std::int32_t>);
TESSERA_TASK_NAMED("tessera.array.block<int64>", vector_block_task<std::int64_t>);
TESSERA_TASK_NAMED("tessera.array.block<uint64>", vector_block_task<std::uint64_t>);
TESSERA_TASK_NAMED("tessera.array.block<float32>", vector_block_task<float>);
TESSERA_TASK_NAMED("tessera.array.block<float64>", vector_block_task<double>);

}  // namespace tessera::detail::array
