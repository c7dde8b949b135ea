#include "tessera/delayed.hpp"

#include <charconv>

#include "plan.hpp"

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

Key pure_key(std::string_view name, const std::vector<NodeArg>& args) {
  Fnv1a token;
  token.add(name);
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
        token.add(std::get<FutureStatePtr>(arg)->key());
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
  auto node = std::make_shared<Node>();
  node->key = unique_key("value");
  node->args.emplace_back(std::move(value));
  return node;
}

NodePtr future_node(FutureStatePtr state) {
  auto node = std::make_shared<Node>();
  node->key = state->key();
  node->args.emplace_back(std::move(state));
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
