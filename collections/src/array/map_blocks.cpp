// map_blocks and blockwise: one task per result block calls the user's function on the
// blocks of the inputs at the positions that the inputs' axes map to.

#include <optional>
#include <string>

#include "block_function.hpp"
#include "expr.hpp"
#include "lowering.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/key.hpp"
#include "tessera/task.hpp"

namespace tessera::detail::array {

Block block_function_task(const BlockCall& call, const BlockInfo& info,
                          const std::vector<Block>& inputs) {
  std::vector<Value> args;
  args.reserve(inputs.size() + 1);
  for (const Block& block : inputs) args.push_back(view_value(block));
  return call_block_function(call, std::move(args), info);
}
TESSERA_TASK_NAMED("tessera.array.block_function", block_function_task);

namespace {

/// Blocks made by a user's function of the blocks of its inputs. maps[i][p] is the result
/// axis that axis p of input i follows, or -1 where the input's only block along p goes to
/// every result block.
class BlockwiseLayer final : public Layer {
 public:
  BlockwiseLayer(const BlockCall& call, std::vector<Handle> inputs,
                 std::vector<std::vector<int>> maps, ChunkGrid grid, std::string name)
      : Layer(call.result, std::move(grid), std::move(name)),
        call_(delayed_value(call)),
        inputs_(std::move(inputs)),
        maps_(std::move(maps)) {}

  NodePtr make_block(Lowering& lowering, std::int64_t linear) const override {
    BlockInfo info;
    info.index = grid.block_index(linear);
    info.start = grid.block_start(info.index);
    info.shape = grid.block_shape(info.index);
    std::vector<Delayed<Block>> blocks;
    blocks.reserve(inputs_.size());
    for (std::size_t i = 0; i < inputs_.size(); ++i) {
      const ChunkGrid& in = inputs_[i]->grid;
      Shape index(in.ndim(), 0);
      for (std::size_t p = 0; p < in.ndim(); ++p) {
        if (maps_[i][p] >= 0) index[p] = info.index[static_cast<std::size_t>(maps_[i][p])];
      }
      blocks.emplace_back(lowering.block(*inputs_[i], in.linear(index)));
    }
    Key key = block_key(name, info.index);
    return task_node<&block_function_task>(std::move(key), call_, std::move(info),
                                           std::move(blocks));
  }

 private:
  Delayed<BlockCall> call_;
  std::vector<Handle> inputs_;
  std::vector<std::vector<int>> maps_;
};

std::string argument_name(std::size_t i) { return "argument " + std::to_string(i); }

// The result's block lengths along each axis from the inputs' axes that map to it: those
// with several blocks there must agree, and an input's only block along an axis goes to
// every block of the result there (its map becomes -1).
Chunks result_chunks(const char* operation, const std::vector<Handle>& inputs,
                     std::vector<std::vector<int>>& maps, std::size_t ndim,
                     const std::vector<std::string>& axis_names) {
  Chunks chunks(ndim);
  std::vector<std::int64_t> from(ndim, -1);  // the input whose lengths chunks[a] are
  for (int pass = 0; pass < 2; ++pass) {     // inputs with several blocks first
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const ChunkGrid& grid = inputs[i]->grid;
      for (std::size_t p = 0; p < grid.ndim(); ++p) {
        const auto a = static_cast<std::size_t>(maps[i][p]);
        if ((grid.count(p) > 1) != (pass == 0)) continue;
        const auto lengths = grid.lengths(p);
        if (from[a] < 0) {
          chunks[a] = lengths;
          from[a] = static_cast<std::int64_t>(i);
        } else if (pass == 0 && lengths != chunks[a]) {
          throw ArrayError(std::string(operation) + ": the blocks of " + argument_name(i) +
                           " do not line up with those of " +
                           argument_name(static_cast<std::size_t>(from[a])) + " along " +
                           axis_names[a] + ": chunks " + to_string(Chunks{lengths}) + " and " +
                           to_string(Chunks{chunks[a]}) + " (rechunk one of them)");
        }
      }
    }
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    for (std::size_t p = 0; p < inputs[i]->grid.ndim(); ++p) {
      if (inputs[i]->grid.count(p) == 1) maps[i][p] = -1;
    }
  }
  return chunks;
}

Handle make_blockwise(const BlockFunction& fn, const char* operation, std::vector<Handle> inputs,
                      std::vector<std::vector<int>> maps, const Chunks& chunks) {
  BlockCall call = block_call(fn, operation);
  ChunkGrid grid(chunks, operation);
  const std::string name = unique_key(call.function);
  return array_of_layer(std::make_shared<BlockwiseLayer>(call, std::move(inputs), std::move(maps),
                                                         std::move(grid), name));
}

}  // namespace

Handle map_blocks(const BlockFunction& fn, const std::vector<Handle>& inputs,
                  const std::optional<ChunkSpec>& chunks) {
  const char* operation = "map_blocks";
  std::size_t ndim = 0;
  for (const auto& input : inputs) {
    check_valid(input, operation);
    ndim = std::max(ndim, input->grid.ndim());
  }
  // NumPy's broadcasting: the last axes line up.
  std::vector<std::vector<int>> maps;
  for (const auto& input : inputs) {
    const std::size_t n = input->grid.ndim();
    std::vector<int> map(n);
    for (std::size_t p = 0; p < n; ++p) map[p] = static_cast<int>(ndim - n + p);
    maps.push_back(std::move(map));
  }
  std::vector<std::string> names;
  for (std::size_t a = 0; a < ndim; ++a) names.push_back("axis " + std::to_string(a));
  Chunks out = result_chunks(operation, inputs, maps, ndim, names);
  for (std::size_t a = 0; a < ndim; ++a) {
    if (out[a].empty()) out[a] = {1};
  }
  if (chunks) {
    Chunks given;
    if (chunks->is_explicit()) {
      given = chunks->lengths();
    } else if (!chunks->is_auto()) {
      const Shape& shape = chunks->block_shape();
      if (shape.size() != ndim) {
        throw ArrayError(std::string(operation) + ": chunks " + to_string(shape) + " have " +
                         std::to_string(shape.size()) + " axes where the result has " +
                         std::to_string(ndim));
      }
      for (std::size_t a = 0; a < ndim; ++a) {
        given.push_back(shape[a] < 0 ? out[a] : std::vector<std::int64_t>(out[a].size(), shape[a]));
      }
    } else {
      given = out;
    }
    bool same = given.size() == ndim;
    for (std::size_t a = 0; same && a < ndim; ++a) same = given[a].size() == out[a].size();
    if (!same) {
      throw ArrayError(std::string(operation) + ": chunks " + to_string(given) +
                       " do not have the blocks of the arguments, " + to_string(out) +
                       ", along each axis (new or dropped axes are not supported)");
    }
    out = std::move(given);
  }
  return make_blockwise(fn, operation, inputs, std::move(maps), out);
}

Handle blockwise(const BlockFunction& fn, const std::string& out_index,
                 const std::vector<Handle>& inputs, const std::vector<std::string>& indices) {
  const char* operation = "blockwise";
  auto letters_of = [&](const std::string& index, const std::string& whose) {
    for (std::size_t k = 0; k < index.size(); ++k) {
      if (index.find(index[k], k + 1) != std::string::npos) {
        throw ArrayError(std::string(operation) + ": index '" + index[k] + "' appears twice in " +
                         whose + " \"" + index + "\" (diagonals are not supported)");
      }
    }
  };
  letters_of(out_index, "the output index");
  std::vector<std::vector<int>> maps;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    check_valid(inputs[i], operation);
    const std::string& index = indices[i];
    letters_of(index, argument_name(i) + "'s index");
    if (index.size() != inputs[i]->grid.ndim()) {
      throw ArrayError(std::string(operation) + ": index \"" + index + "\" of " + argument_name(i) +
                       " names " + std::to_string(index.size()) + " axes, but its shape " +
                       to_string(inputs[i]->shape) + " has " +
                       std::to_string(inputs[i]->grid.ndim()));
    }
    std::vector<int> map;
    for (char letter : index) {
      const auto at = out_index.find(letter);
      if (at == std::string::npos) {
        throw ArrayError(std::string(operation) + ": index '" + letter + "' of " +
                         argument_name(i) + " is not in the output index \"" + out_index +
                         "\" (contractions, Dask's concatenate=True, are not supported)");
      }
      map.push_back(static_cast<int>(at));
    }
    maps.push_back(std::move(map));
  }
  std::vector<std::string> names;
  for (char letter : out_index) names.push_back(std::string("index '") + letter + "'");
  Chunks out = result_chunks(operation, inputs, maps, out_index.size(), names);
  for (std::size_t a = 0; a < out.size(); ++a) {
    if (out[a].empty()) {
      throw ArrayError(std::string(operation) + ": output index '" + out_index[a] +
                       "' is in no argument's index (new axes are not supported)");
    }
  }
  return make_blockwise(fn, operation, inputs, std::move(maps), out);
}

}  // namespace tessera::detail::array
