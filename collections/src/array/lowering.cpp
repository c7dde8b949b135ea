#include "lowering.hpp"

#include <cstring>

#include "evaluate.hpp"
#include "structure.hpp"
#include "tasks.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/client.hpp"

namespace tessera::detail::array {

Key block_key(const std::string& name, const Shape& index) {
  Key key = name;
  key += ",(";
  for (std::size_t d = 0; d < index.size(); ++d) {
    if (d) key += ',';
    key += std::to_string(index[d]);
  }
  key += ')';
  return key;
}

TaskCode registered_code(const void* function) {
  const FunctionEntry* entry = find_function_at(function);
  if (!entry) throw RegistryError("tessera: a task function of the array module is not registered");
  TaskCode code;
  code.invoke = entry->invoke;
  code.callable = entry->callable;
  code.registered = entry;
  code.name = entry->name;
  return code;
}

std::vector<NodePtr>& Lowering::memo(const void* owner, std::int64_t blocks) {
  auto& nodes = blocks_[owner];
  if (nodes.empty()) nodes.resize(static_cast<std::size_t>(blocks));
  return nodes;
}

NodePtr Lowering::block(const Layer& layer, std::int64_t linear) {
  auto& nodes = memo(&layer, layer.grid.blocks());
  auto& node = nodes[static_cast<std::size_t>(linear)];
  if (!node) node = layer.make_block(*this, linear);
  return node;
}

NodePtr Lowering::block(const ArrayNode& array, std::int64_t linear) {
  if (const Layer* layer = array.plain_layer()) return block(*layer, linear);
  auto& nodes = memo(&array, array.grid.blocks());
  auto& node = nodes[static_cast<std::size_t>(linear)];
  if (!node) {
    const Expression& e = expression(array);
    const Shape index = array.grid.block_index(linear);
    node = task_node<&elementwise_task>(block_key(array.name, index), e.program, linear,
                                        inputs(e.compiled, index));
  }
  return node;
}

const Lowering::Expression& Lowering::expression(const ArrayNode& array) {
  auto& entry = expressions_[&array];
  if (!entry) {
    entry = std::make_unique<Expression>();
    entry->compiled = compile(array);
    entry->program = delayed_value(entry->compiled.program);
  }
  return *entry;
}

std::vector<Delayed<Block>> Lowering::inputs(const Compiled& compiled, const Shape& index) {
  std::vector<Delayed<Block>> nodes;
  nodes.reserve(compiled.sources.size());
  for (const auto& source : compiled.sources) {
    nodes.emplace_back(block(*source.layer, source_block(source, compiled.program.grid, index)));
  }
  return nodes;
}

std::vector<NodePtr> block_nodes(const Handle& a) {
  check_valid(a, "compute");
  Lowering lowering;
  std::vector<NodePtr> nodes;
  const std::int64_t blocks = a->grid.blocks();
  nodes.reserve(static_cast<std::size_t>(blocks));
  for (std::int64_t b = 0; b < blocks; ++b) nodes.push_back(lowering.block(*a, b));
  return nodes;
}

void wait(const Handle& a) {
  std::vector<FutureStatePtr> held;
  for (const auto& node : block_nodes(a)) {
    if (node->is_task() || node->args().empty()) continue;
    if (const auto* future = node->args()[0].future()) held.push_back(future->state());
  }
  std::vector<FutureState*> states;
  for (const auto& state : held) states.push_back(state.get());
  wait_for_states(states, states.size(), Clock::time_point::max());
}

Block compute(const Handle& a) {
  auto client = get_client();
  std::vector<Future<Block>> futures;
  for (auto& state : client.compute_nodes(block_nodes(a))) futures.emplace_back(std::move(state));
  const std::vector<Block> blocks = client.gather(futures);

  ChunkGrid grid = a->grid;
  if (!grid.known()) {  // after a boolean mask: the blocks say how long they are
    std::vector<Shape> shapes;
    for (const Block& block : blocks) shapes.push_back(block.shape);
    grid = grid_of_blocks(grid, shapes, "compute");
  }
  Block out = Block::allocate(a->dtype, grid.shape());
  const std::size_t size = itemsize(a->dtype);
  const auto out_strides = c_strides(out.shape);
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    const Block& block = blocks[b];
    const Shape index = grid.block_index(static_cast<std::int64_t>(b));
    const Shape expected = grid.block_shape(index);
    if (block.dtype != a->dtype || block.shape != expected) {
      throw ArrayError("compute: block " + to_string(index) + " is a block of " +
                       dtype_name(block.dtype) + " and shape " + to_string(block.shape) +
                       " where " + dtype_name(a->dtype) + " and " + to_string(expected) +
                       " were expected");
    }
    block.check();
    if (block.size() == 0) continue;
    const Shape start = grid.block_start(index);
    // Copy row by row (rows along the last axis) into place.
    const std::size_t nd = expected.size();
    const std::int64_t row = nd ? expected[nd - 1] : 1;
    const std::int64_t rows = block.size() / row;
    Shape at(nd > 0 ? nd - 1 : 0, 0);
    for (std::int64_t r = 0; r < rows; ++r) {
      std::int64_t offset = 0;
      for (std::size_t d = 0; d + 1 < nd; ++d) offset += (start[d] + at[d]) * out_strides[d];
      if (nd) offset += start[nd - 1];
      std::memcpy(out.data.data() + offset * static_cast<std::int64_t>(size),
                  block.data.data() + r * row * static_cast<std::int64_t>(size),
                  static_cast<std::size_t>(row) * size);
      for (std::size_t d = at.size(); d-- > 0;) {
        if (++at[d] < expected[d]) break;
        at[d] = 0;
      }
    }
  }
  return out;
}

}  // namespace tessera::detail::array
