#pragma once
// Lowering: from the layers of an array to engine tasks, block by block and only for the
// blocks asked for (culling), each made once however many consumers ask for it.

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "expr.hpp"
#include "program.hpp"
#include "tessera/delayed.hpp"

namespace tessera::detail::array {

/// "name,(i,j)": the key of a block, as Dask writes it.
Key block_key(const std::string& name, const Shape& index);

/// A task node calling registered function F on `args` (values, Delayeds, packs).
template <auto F, class... A>
NodePtr task_node(Key key, A&&... args);

class Lowering {
 public:
  /// The node of block `linear` of `array`: the block of its layer when the array is one
  /// unchanged, else a task evaluating its expression.
  NodePtr block(const ArrayNode& array, std::int64_t linear);
  /// The node of block `linear` of `layer`.
  NodePtr block(const Layer& layer, std::int64_t linear);

  struct Expression {
    Compiled compiled;
    Delayed<Program> program;  ///< one value node, shared by every task of the array
  };
  /// The compiled expression of `array`.
  const Expression& expression(const ArrayNode& array);
  /// The blocks that block `index` of a compiled array reads, one per input position.
  std::vector<Delayed<Block>> inputs(const Compiled& compiled, const Shape& index);

 private:
  std::vector<NodePtr>& memo(const void* owner, std::int64_t blocks);

  std::unordered_map<const void*, std::vector<NodePtr>> blocks_;
  std::unordered_map<const ArrayNode*, std::unique_ptr<Expression>> expressions_;
};

/// The code of a function registered by the array module.
TaskCode registered_code(const void* function);

template <auto F, class... A>
NodePtr task_node(Key key, A&&... args) {
  static const TaskCodePtr code =
      TaskCodePtr::make(registered_code(reinterpret_cast<const void*>(F)));
  using Params = typename Signature<decltype(F)>::parameters;
  auto node = make_call_node(Params{}, std::forward<A>(args)...);
  node->code = code;
  node->key = std::move(key);
  // Not a chosen key for the engine: lowering already makes each block once, so the plan
  // need not look its key up (a million blocks lower about a second faster).
  return node;
}

}  // namespace tessera::detail::array
