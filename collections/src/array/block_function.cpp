#include "block_function.hpp"

#include <string>

#include "block_copy.hpp"
#include "dispatch.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/task.hpp"

namespace tessera::detail::array {

void check_view(DType dtype, const Block& padded, const Shape& shape, const Shape& halo) {
  bool fits =
      padded.dtype == dtype && padded.shape.size() == shape.size() && halo.size() == shape.size();
  for (std::size_t d = 0; fits && d < shape.size(); ++d) {
    fits = halo[d] >= 0 && shape[d] >= 0 && halo[d] + shape[d] <= padded.shape[d];
  }
  if (!fits) {
    throw ArrayError(std::string("BlockView<") + dtype_name(dtype) + ">: a block of shape " +
                     to_string(shape) + " with a halo of " + to_string(halo) +
                     " does not fit in a block of " + dtype_name(padded.dtype) + " and shape " +
                     to_string(padded.shape));
  }
  padded.check();
}

void throw_view_with_halo(const Shape& shape) {
  throw ArrayError("BlockView::values: the view has a halo (the padded block has shape " +
                   to_string(shape) + "): index it with x(i, ...) or use padded()");
}

std::string registered_name(const void* address, const char* operation) {
  const FunctionEntry* entry = find_function_at(address);
  if (!entry) {
    throw ArrayError(std::string(operation) +
                     ": the function is not registered: register it with TESSERA_TASK(name) at "
                     "namespace scope, so that every worker can run it");
  }
  return entry->name;
}

BlockCall block_call(const BlockFunction& fn, const char* operation) {
  BlockCall call;
  call.function = registered_name(fn.address, operation);
  call.operation = operation;
  call.result = fn.result;
  call.with_info = fn.with_info;
  return call;
}

Value view_value(Block padded, Shape shape, Shape halo) {
  return with_type(padded.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    return Value(BlockView<T>(std::move(padded), std::move(shape), std::move(halo)));
  });
}

Value view_value(const Block& block) {
  return view_value(block, block.shape, Shape(block.shape.size(), 0));
}

Value call_registered(const std::string& name, const std::vector<Value>& args,
                      const std::string& operation) {
  const FunctionEntry& fn = find_function(name);
  std::vector<const Value*> pointers;
  pointers.reserve(args.size());
  for (const Value& arg : args) pointers.push_back(&arg);
  if (std::string problem = argument_problem(fn, pointers.data(), pointers.size());
      !problem.empty()) {
    throw ArrayError(operation + ": " + problem);
  }
  return fn.invoke(fn.callable, pointers.data());
}

Block result_block(const Value& result, DType dtype, const std::string& operation,
                   const std::string& function, const Shape& where) {
  const Block* block = with_type(dtype, [&](auto tag) -> const Block* {
    using T = typename decltype(tag)::type;
    return result.holds<HostArray<T>>() ? &result.get<HostArray<T>>().block() : nullptr;
  });
  if (!block) {
    throw ArrayError(operation + ": " + function + " returned a " + result.type_name() +
                     " for block " + to_string(where) + " where a HostArray of " +
                     dtype_name(dtype) + " was expected");
  }
  try {
    block->check();
  } catch (const ArrayError& error) {
    throw ArrayError(operation + ": " + function + " returned an invalid block for block " +
                     to_string(where) + ": " + error.what());
  }
  return *block;
}

Block call_block_function(const BlockCall& call, std::vector<Value> args, const BlockInfo& info,
                          const Shape& padded, const Shape& halo) {
  if (call.with_info) args.emplace_back(info);
  const Value result = call_registered(call.function, args, call.operation);
  Block block = result_block(result, call.result, call.operation, call.function, info.index);
  if (block.shape == info.shape) return block;
  if (!padded.empty() && block.shape == padded) return cut_box(block, halo, info.shape);
  throw ArrayError(
      call.operation + ": " + call.function + " returned a block of shape " +
      to_string(block.shape) + " for block " + to_string(info.index) + ", whose shape is " +
      to_string(info.shape) +
      (padded.empty() ? std::string() : " (or " + to_string(padded) + " with its halo)"));
}

}  // namespace tessera::detail::array
