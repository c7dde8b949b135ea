#pragma once
// Calling a user's registered block function on a worker: its input blocks become
// BlockViews, its HostArray result becomes a block, checked against the shape expected.

#include <cstdint>
#include <string>
#include <vector>

#include "fields_codec.hpp"
#include "tessera/array/blocks.hpp"
#include "tessera/value.hpp"

namespace tessera::detail::array {

/// Which function a block task calls, and what it must return; one per layer.
struct BlockCall {
  std::string function;   ///< the registered name
  std::string operation;  ///< "map_blocks", "blockwise", "map_overlap", for messages
  DType result = DType::float64;
  std::uint8_t with_info = 0;

  static constexpr auto fields() {
    return std::make_tuple(&BlockCall::function, &BlockCall::operation, &BlockCall::result,
                           &BlockCall::with_info);
  }
};

/// The registered name of the function at `address`; ArrayError naming `operation` if it is
/// not registered (workers find functions by name).
std::string registered_name(const void* address, const char* operation);

BlockCall block_call(const BlockFunction& fn, const char* operation);

/// A Value holding a BlockView<T> of `padded`'s element type T (see BlockView).
Value view_value(Block padded, Shape shape, Shape halo);
/// A Value holding a BlockView<T> of a whole block.
Value view_value(const Block& block);

/// Calls the registered function `name` on `args`; ArrayError naming `operation` if they do
/// not fit its parameters.
Value call_registered(const std::string& name, const std::vector<Value>& args,
                      const std::string& operation);

/// The block of a function's result, a HostArray<T> of `dtype`; ArrayError naming the
/// operation, the function and `where` (the block) otherwise.
Block result_block(const Value& result, DType dtype, const std::string& operation,
                   const std::string& function, const Shape& where);

/// Calls `call`'s function on the views in `args` (and `info`) and returns its result,
/// which must have the shape info.shape, or `padded` (then its box at `halo` is kept).
Block call_block_function(const BlockCall& call, std::vector<Value> args, const BlockInfo& info,
                          const Shape& padded = {}, const Shape& halo = {});

}  // namespace tessera::detail::array

namespace tessera::detail {
template <>
struct StdCodec<array::BlockCall> : array::FieldsCodec<array::BlockCall> {};
}  // namespace tessera::detail
