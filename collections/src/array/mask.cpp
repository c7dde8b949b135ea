// Boolean masks: a[mask] keeps the elements where the mask is true, in C order, as a 1-d array
// whose chunk sizes are unknown until computed (Dask's nan chunks); compute_chunk_sizes() runs
// the blocks to learn them.

#include <cstring>
#include <string>

#include "lowering.hpp"
#include "structure.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/client.hpp"
#include "tessera/key.hpp"
#include "tessera/task.hpp"

namespace tessera::detail::array {
namespace {

Block mask_task(const Block& x, const Block& mask) {
  x.check();
  mask.check();
  if (mask.dtype != DType::bool_ || x.shape.size() != 1 || mask.shape != x.shape) {
    throw ArrayError("a[mask]: a mask block of " + std::string(dtype_name(mask.dtype)) +
                     " and shape " + to_string(mask.shape) + " for a block of shape " +
                     to_string(x.shape));
  }
  const bool* keep = reinterpret_cast<const bool*>(mask.data.data());
  std::int64_t n = 0;
  for (std::int64_t i = 0; i < x.size(); ++i) n += keep[i];
  Block out = Block::allocate(x.dtype, {n});
  const std::size_t size = itemsize(x.dtype);
  std::byte* to = out.data.data();
  const std::byte* from = x.data.data();
  for (std::int64_t i = 0; i < x.size(); ++i) {
    if (!keep[i]) continue;
    std::memcpy(to, from + static_cast<std::size_t>(i) * size, size);
    to += size;
  }
  return out;
}

Shape shape_task(const Block& block) { return block.shape; }

TESSERA_TASK_NAMED("tessera.array.mask", mask_task);
TESSERA_TASK_NAMED("tessera.array.block_shape", shape_task);

class MaskLayer final : public Layer {
 public:
  MaskLayer(Handle x, Handle mask, ChunkGrid grid, std::string name)
      : Layer(x->dtype, std::move(grid), std::move(name)),
        x_(std::move(x)),
        mask_(std::move(mask)) {}
  NodePtr make_block(Lowering& lowering, std::int64_t linear) const override {
    return task_node<&mask_task>(block_key(name, {linear}),
                                 Delayed<Block>(lowering.block(*x_, linear)),
                                 Delayed<Block>(lowering.block(*mask_, linear)));
  }

 private:
  Handle x_, mask_;
};

/// The blocks of an array, with its chunk sizes known.
class KnownLayer final : public Layer {
 public:
  KnownLayer(Handle input, ChunkGrid grid)
      : Layer(input->dtype, std::move(grid), input->name), input_(std::move(input)) {}
  NodePtr make_block(Lowering& lowering, std::int64_t linear) const override {
    return lowering.block(*input_, linear);
  }

 private:
  Handle input_;
};

}  // namespace

ChunkGrid grid_of_blocks(const ChunkGrid& grid, const std::vector<Shape>& shapes,
                         const char* operation) {
  Chunks chunks = grid.chunks();
  for (std::size_t b = 0; b < shapes.size(); ++b) {
    const Shape index = grid.block_index(static_cast<std::int64_t>(b));
    if (shapes[b].size() != grid.ndim()) {
      throw ArrayError(std::string(operation) + ": block " + to_string(index) + " has shape " +
                       to_string(shapes[b]) + " in an array of " + std::to_string(grid.ndim()) +
                       " dimensions");
    }
    for (std::size_t d = 0; d < grid.ndim(); ++d) {
      auto& length = chunks[d][static_cast<std::size_t>(index[d])];
      if (length < 0) length = shapes[b][d];
      if (length != shapes[b][d]) {
        throw ArrayError(std::string(operation) + ": block " + to_string(index) + " has shape " +
                         to_string(shapes[b]) + ", which does not fit the chunks " +
                         to_string(chunks));
      }
    }
  }
  return ChunkGrid(chunks, operation);
}

Handle select_mask(const Handle& a, const Handle& mask) {
  const char* operation = "a[mask]";
  check_valid(a, operation);
  check_valid(mask, operation);
  if (mask->dtype != DType::bool_) {
    throw ArrayError(std::string(operation) + ": the mask is an array of " +
                     dtype_name(mask->dtype) + " (expected bool)");
  }
  if (mask->shape != a->shape) {
    throw ArrayError(std::string(operation) + ": the mask's shape " + to_string(mask->shape) +
                     " does not match the array's shape " + to_string(a->shape));
  }
  require_known(*a, operation);
  require_known(*mask, operation);
  const Handle x = reshape(a, {-1});
  const Handle m = rechunk_to(reshape(mask, {-1}), x->grid.chunks(), 0, operation);
  const Chunks chunks{std::vector<std::int64_t>(static_cast<std::size_t>(x->grid.blocks()), -1)};
  return array_of_layer(
      std::make_shared<MaskLayer>(x, m, ChunkGrid(chunks, operation), unique_key("getitem-mask")));
}

Handle compute_chunk_sizes(const Handle& a) {
  check_valid(a, "compute_chunk_sizes");
  if (a->grid.known()) return a;
  const std::string name = unique_key("chunk-sizes");
  std::vector<NodePtr> shapes;
  for (NodePtr& node : block_nodes(a)) {
    shapes.push_back(task_node<&shape_task>(
        block_key(name, a->grid.block_index(static_cast<std::int64_t>(shapes.size()))),
        Delayed<Block>(std::move(node))));
  }
  auto client = get_client();
  std::vector<Future<Shape>> futures;
  for (auto& state : client.run(shapes)) futures.emplace_back(std::move(state));
  const ChunkGrid grid = grid_of_blocks(a->grid, client.gather(futures), "compute_chunk_sizes");
  return array_of_layer(std::make_shared<KnownLayer>(a, grid));
}

}  // namespace tessera::detail::array
