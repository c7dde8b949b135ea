#include "tessera/delayed.hpp"

#include <charconv>

#include "graph/plan.hpp"
#include "tessera/errors.hpp"

namespace tessera::detail {
namespace {

struct Fnv1a {
  std::uint64_t hash = 14695981039346656037ull;
  void add(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
      hash ^= bytes[i];
      hash *= 1099511628211ull;
    }
  }
  void add(std::string_view text) {
    add(text.data(), text.size());
    add("\0", 1);
  }
};

// The nodes whose last reference the current thread is releasing; null when it releases none.
thread_local std::vector<NodePtr>* releasing = nullptr;

}  // namespace

void Node::release_inputs(std::span<NodeArg> inputs) noexcept {
  // Inputs go to a list that the outermost release empties one by one; the destructor of
  // each then adds its own inputs to the list instead of releasing them. Every input goes,
  // not only those held only here: one read twice by this node (a stencil's clamped edge) is
  // held twice here, and would be freed recursively by the arguments' destructors.
  std::vector<NodePtr> list;
  std::vector<NodePtr>* pending = releasing ? releasing : &list;
  for (auto& input : inputs) {
    NodePtr* node = input.node();
    if (!node || !*node) continue;
    try {
      pending->push_back(std::move(*node));
    } catch (...) {  // out of memory: released with the arguments, recursively
    }
  }
  if (releasing || list.empty()) return;
  releasing = &list;
  while (!list.empty()) {
    NodePtr node = std::move(list.back());
    list.pop_back();
    node.reset();
  }
  releasing = nullptr;
}

void throw_empty_delayed(const std::type_info& type, const char* use) {
  throw Error("an empty Delayed<" + demangle(type.name()) + "> (default-constructed) " + use +
              ": assign it the result of delayed(f)(...) first");
}

void throw_empty_future(const std::type_info& type, const char* use) {
  throw Error("an empty Future<" + demangle(type.name()) + "> (released or default-constructed) " +
              use);
}

Key pure_key(const TaskCode& code, std::span<const NodeArg> args) {
  const std::string_view name = code.name;
  Fnv1a token;
  token.add(name);
  if (!code.registered) {  // no stable name: the function is what the code points to
    token.add(&code.invoke, sizeof code.invoke);
    token.add(&code.callable, sizeof code.callable);
  }
  try {
    for (const auto& arg : args) {
      if (const Value* value = arg.value()) {
        token.add(value->type().name());
        Frames frames = value->serialize();
        token.add(frames.header.data(), frames.header.size());
        for (const auto& buffer : frames.buffers) token.add(buffer.data(), buffer.size());
      } else if (const NodePtr* node = arg.node()) {
        token.add((*node)->key);
      } else {
        token.add(arg.future()->state()->key());
      }
    }
  } catch (const SerializationError&) {
    return unique_key(name);  // an argument that cannot be hashed: no sharing, like Dask
  }
  char digits[17];
  auto [end, ec] = std::to_chars(digits, digits + 16, token.hash, 16);
  return std::string(name) + "-" + std::string(digits, end);
}

NodePtr value_node(Value value) {
  auto node = make_node<NodeOf<1>>(std::array<NodeArg, 1>{std::move(value)});
  node->key = unique_key("value");
  return node;
}

NodePtr future_node(FutureStatePtr state) {
  if (!state)
    throw Error("an empty Future (released or default-constructed) cannot stand for a Delayed");
  Key key = state->key();
  auto node = make_node<NodeOf<1>>(std::array<NodeArg, 1>{FutureRef(std::move(state))});
  node->key = std::move(key);
  return node;
}

std::string to_dot(const std::vector<NodePtr>& outputs) {
  std::vector<NodePtr> tasks;
  for (const auto& output : outputs) {
    if (output->is_task()) tasks.push_back(output);
  }
  std::vector<std::uint32_t> output_tasks;
  return plan_to_dot(lower(tasks, output_tasks));
}

}  // namespace tessera::detail

namespace tessera::detail {
// Memory per task is a budget (DESIGN.md: ~200 bytes held per task): a node of a one-argument
// call is 88 bytes before its shared_ptr control block (with it and its link to its slab, a
// 112-byte piece), of a two-argument one 120 (a 144-byte piece: 8 bytes more would make it 160).
static_assert(sizeof(void*) != 8 || sizeof(NodeArg) == 32, "NodeArg grew");
static_assert(sizeof(void*) != 8 || sizeof(Node) == 56, "Node grew");
static_assert(sizeof(void*) != 8 || sizeof(NodeOf<1>) == 88, "Node grew");
static_assert(sizeof(void*) != 8 || sizeof(NodeOf<2>) == 120, "Node grew");
}  // namespace tessera::detail
