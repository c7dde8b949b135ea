#include "tessera/delayed.hpp"

#include <charconv>

#include "graph/plan.hpp"

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

}  // namespace

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
      if (const auto* value = std::get_if<Value>(&arg)) {
        token.add(value->type().name());
        Frames frames = value->serialize();
        token.add(frames.header.data(), frames.header.size());
        for (const auto& buffer : frames.buffers) token.add(buffer.data(), buffer.size());
      } else if (const auto* node = std::get_if<NodePtr>(&arg)) {
        token.add((*node)->key);
      } else {
        token.add(std::get<FutureRef>(arg).state()->key());
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
  auto node = std::make_shared<NodeOf<1>>(std::array<NodeArg, 1>{std::move(value)});
  node->key = unique_key("value");
  return node;
}

NodePtr future_node(FutureStatePtr state) {
  Key key = state->key();
  auto node = std::make_shared<NodeOf<1>>(std::array<NodeArg, 1>{FutureRef(std::move(state))});
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
