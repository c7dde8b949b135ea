// Layers that bring blocks in: copies of host memory, futures, delayed blocks, and blocks
// made by a function of their position.

#include <cstring>
#include <string>

#include "evaluate.hpp"
#include "expr.hpp"
#include "lowering.hpp"
#include "tasks.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/key.hpp"

namespace tessera::detail::array {
namespace {

/// Blocks that are nodes already (values, futures, delayed results), in C order.
class NodesLayer final : public Layer {
 public:
  NodesLayer(DType dtype, ChunkGrid grid, std::string name, std::vector<NodePtr> nodes)
      : Layer(dtype, std::move(grid), std::move(name)), nodes_(std::move(nodes)) {}
  NodePtr make_block(Lowering&, std::int64_t linear) const override {
    return nodes_[static_cast<std::size_t>(linear)];
  }

 private:
  std::vector<NodePtr> nodes_;
};

/// Blocks made of std::vectors that other tasks return.
class VectorsLayer final : public Layer {
 public:
  VectorsLayer(DType dtype, ChunkGrid grid, std::string name, std::vector<NodePtr> vectors)
      : Layer(dtype, std::move(grid), std::move(name)), vectors_(std::move(vectors)) {}
  NodePtr make_block(Lowering&, std::int64_t linear) const override {
    return block_of_vector(dtype, grid, name, linear, vectors_[static_cast<std::size_t>(linear)]);
  }

  static NodePtr block_of_vector(DType dtype, const ChunkGrid& grid, const std::string& name,
                                 std::int64_t linear, NodePtr vector) {
    const Shape index = grid.block_index(linear);
    Key key = block_key(name, index);
    const Shape shape = grid.block_shape(index);
    switch (dtype) {
      case DType::bool_:
      case DType::uint8:
        return task_node<&vector_block_task<std::uint8_t>>(
            std::move(key), dtype, shape, Delayed<std::vector<std::uint8_t>>(std::move(vector)));
      case DType::int32:
        return task_node<&vector_block_task<std::int32_t>>(
            std::move(key), dtype, shape, Delayed<std::vector<std::int32_t>>(std::move(vector)));
      case DType::int64:
        return task_node<&vector_block_task<std::int64_t>>(
            std::move(key), dtype, shape, Delayed<std::vector<std::int64_t>>(std::move(vector)));
      case DType::uint64:
        return task_node<&vector_block_task<std::uint64_t>>(
            std::move(key), dtype, shape, Delayed<std::vector<std::uint64_t>>(std::move(vector)));
      case DType::float32:
        return task_node<&vector_block_task<float>>(std::move(key), dtype, shape,
                                                    Delayed<std::vector<float>>(std::move(vector)));
      case DType::float64:
        break;
    }
    return task_node<&vector_block_task<double>>(std::move(key), dtype, shape,
                                                 Delayed<std::vector<double>>(std::move(vector)));
  }

 private:
  std::vector<NodePtr> vectors_;
};

/// Blocks made by a user's function of their BlockInfo.
class FunctionLayer final : public Layer {
 public:
  FunctionLayer(DType dtype, ChunkGrid grid, std::string name, TaskCodePtr code)
      : Layer(dtype, std::move(grid), std::move(name)), code_(std::move(code)) {}
  NodePtr make_block(Lowering&, std::int64_t linear) const override {
    BlockInfo info;
    info.index = grid.block_index(linear);
    info.start = grid.block_start(info.index);
    info.shape = grid.block_shape(info.index);
    auto call = make_call_node(TypeList<BlockInfo>{}, info);
    call->code = code_;
    call->key = block_key(name + "-values", info.index);
    return VectorsLayer::block_of_vector(dtype, grid, name, linear, std::move(call));
  }

 private:
  TaskCodePtr code_;
};

ChunkGrid checked_grid(const Shape& shape, const Chunks& chunks, const char* operation,
                       std::size_t nodes) {
  ChunkGrid grid(chunks, operation);
  if (grid.shape() != shape) {
    throw ArrayError(std::string(operation) + ": chunks " + to_string(chunks) +
                     " do not make up shape " + to_string(shape));
  }
  if (static_cast<std::int64_t>(nodes) != grid.blocks()) {
    throw ArrayError(std::string(operation) + ": " + std::to_string(nodes) +
                     " blocks were given for a grid of " + std::to_string(grid.blocks()) +
                     " blocks (chunks " + to_string(chunks) + ")");
  }
  return grid;
}

}  // namespace

void check_host_count(const char* operation, std::size_t count, const Shape& shape) {
  std::uint64_t n = 1;
  bool fits = true;
  for (std::int64_t d : shape) {
    if (d < 0) fits = false;
    const auto length = static_cast<std::uint64_t>(d < 0 ? 0 : d);
    if (length != 0 && n > UINT64_MAX / length) fits = false;
    n *= length;
  }
  if (!fits || n > static_cast<std::uint64_t>(INT64_MAX)) {
    throw ArrayError(std::string(operation) + ": shape " + to_string(shape) +
                     " has negative lengths or more than 2^63 elements");
  }
  if (n != count) {
    throw ArrayError(std::string(operation) + ": " + std::to_string(count) +
                     " elements do not fill shape " + to_string(shape) + " (" + std::to_string(n) +
                     " elements)");
  }
}

Handle from_host(DType dtype, const void* data, const Shape& shape, const ChunkSpec& chunks) {
  ChunkGrid grid(normalize_chunks(chunks, shape, dtype, "from_vector"), "from_vector");
  const std::size_t size = itemsize(dtype);
  const auto strides = c_strides(shape);
  std::vector<NodePtr> nodes;
  const std::string name = unique_key("array");
  nodes.reserve(static_cast<std::size_t>(grid.blocks()));
  for (std::int64_t b = 0; b < grid.blocks(); ++b) {
    const Shape index = grid.block_index(b);
    const Shape start = grid.block_start(index);
    Block block = Block::allocate(dtype, grid.block_shape(index));
    // Copy rows (along the last axis) out of the whole array.
    const std::size_t nd = shape.size();
    const std::int64_t row = nd ? block.shape[nd - 1] : 1;
    const std::int64_t rows = row ? block.size() / row : 0;
    Shape at(nd ? nd - 1 : 0, 0);
    for (std::int64_t r = 0; r < rows; ++r) {
      std::int64_t offset = nd ? start[nd - 1] : 0;
      for (std::size_t d = 0; d + 1 < nd; ++d) offset += (start[d] + at[d]) * strides[d];
      std::memcpy(block.data.data() + r * row * static_cast<std::int64_t>(size),
                  static_cast<const std::byte*>(data) + offset * static_cast<std::int64_t>(size),
                  static_cast<std::size_t>(row) * size);
      for (std::size_t d = at.size(); d-- > 0;) {
        if (++at[d] < block.shape[d]) break;
        at[d] = 0;
      }
    }
    nodes.push_back(value_node(Value(std::move(block))));
  }
  return array_of_layer(
      std::make_shared<NodesLayer>(dtype, std::move(grid), name, std::move(nodes)));
}

Handle from_block_nodes(DType dtype, const Shape& shape, const Chunks& chunks,
                        std::vector<NodePtr> nodes, std::string name) {
  ChunkGrid grid = checked_grid(shape, chunks, "from_delayed", nodes.size());
  return array_of_layer(
      std::make_shared<NodesLayer>(dtype, std::move(grid), std::move(name), std::move(nodes)));
}

Handle from_vector_nodes(DType dtype, const Shape& shape, const Chunks& chunks,
                         std::vector<NodePtr> nodes) {
  ChunkGrid grid = checked_grid(shape, chunks, "from_delayed", nodes.size());
  return array_of_layer(std::make_shared<VectorsLayer>(
      dtype, std::move(grid), unique_key("from-delayed"), std::move(nodes)));
}

Handle from_block_function(DType dtype, const Shape& shape, const ChunkSpec& chunks,
                           TaskCodePtr code) {
  ChunkGrid grid(normalize_chunks(chunks, shape, dtype, "from_function"), "from_function");
  const std::string name = unique_key(std::string(code->name));
  return array_of_layer(
      std::make_shared<FunctionLayer>(dtype, std::move(grid), name, std::move(code)));
}

Handle from_futures(const Handle& like, const std::vector<FutureStatePtr>& futures) {
  std::vector<NodePtr> nodes;
  nodes.reserve(futures.size());
  for (const auto& state : futures) nodes.push_back(future_node(state));
  return array_of_layer(
      std::make_shared<NodesLayer>(like->dtype, like->grid, like->name, std::move(nodes)));
}

}  // namespace tessera::detail::array
