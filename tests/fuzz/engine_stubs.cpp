// The engine functions that reduce.cpp's reduction layer names (it builds graph nodes) but the
// fuzz targets never call: they read and run specs, they build no graph. Each stops the
// fuzzer if it is ever reached, rather than compiling the whole engine into the fuzz build.

#include "lowering.hpp"
#include "tasks.hpp"
#include "tessera/detail/future_state.hpp"
#include "tessera/detail/node.hpp"
#include "tessera/key.hpp"

namespace tessera {
Key unique_key(std::string_view) { __builtin_trap(); }
}  // namespace tessera

namespace tessera::detail {
NodePtr value_node(Value) { __builtin_trap(); }
void throw_empty_delayed(const std::type_info&, const char*) { __builtin_trap(); }
void FutureState::drop_handle() { __builtin_trap(); }
void Node::release_inputs(std::span<NodeArg>) noexcept { __builtin_trap(); }
}  // namespace tessera::detail

namespace tessera::detail::array {
TaskCode registered_code(const void*) { __builtin_trap(); }
Key block_key(const std::string&, const Shape&) { __builtin_trap(); }
void check_valid(const Handle&, const char*) { __builtin_trap(); }
Handle array_of_layer(LayerPtr) { __builtin_trap(); }
Handle binary(Binary, const Handle&, const Handle&) { __builtin_trap(); }
Handle astype(const Handle&, DType) { __builtin_trap(); }
Handle transpose(const Handle&, const std::vector<int>&) { __builtin_trap(); }
const Lowering::Expression& Lowering::expression(const ArrayNode&) { __builtin_trap(); }
std::vector<Delayed<Block>> Lowering::inputs(const Compiled&, const Shape&) { __builtin_trap(); }
Partial partial_task(const ReduceSpec&, const std::int64_t&, const std::vector<Block>&) {
  __builtin_trap();
}
Partial combine_task(const ReduceSpec&, const std::vector<Partial>&) { __builtin_trap(); }
Block aggregate_task(const ReduceSpec&, const std::vector<Partial>&) { __builtin_trap(); }
NodePtr windowed_partial_node(Lowering&, Key, const Delayed<ReduceSpec>&, std::int64_t,
                              const Compiled&, const Shape&) {
  __builtin_trap();
}
}  // namespace tessera::detail::array
