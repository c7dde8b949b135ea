// map_overlap with a block function: each block's task gets the block with its halo (see
// halo.hpp: only thin slices of the neighbours travel) and calls the user's function on a
// view of it.

#include <string>

#include "block_function.hpp"
#include "halo.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/key.hpp"
#include "tessera/task.hpp"

namespace tessera::detail::array {

/// What the tasks of a map_overlap share.
struct OverlapSpec {
  BlockCall call;
  Halo halo;

  static constexpr auto fields() { return std::make_tuple(&OverlapSpec::call, &OverlapSpec::halo); }
};

}  // namespace tessera::detail::array

namespace tessera::detail {
template <>
struct StdCodec<array::OverlapSpec> : array::FieldsCodec<array::OverlapSpec> {};
}  // namespace tessera::detail

namespace tessera::detail::array {
namespace {

Block overlap_task(const OverlapSpec& spec, const std::int64_t& block, const Block& center,
                   const std::vector<Block>& pieces) {
  Shape lo;
  Block whole = padded_block(spec.halo, spec.call.operation, block, center, pieces, lo);
  BlockInfo info;
  info.index = spec.halo.grid.block_index(block);
  info.start = spec.halo.grid.block_start(info.index);
  info.shape = spec.halo.grid.block_shape(info.index);
  const Shape padded = whole.shape;
  std::vector<Value> args;
  args.push_back(view_value(std::move(whole), info.shape, lo));
  return call_block_function(spec.call, std::move(args), info, padded, lo);
}

}  // namespace

TESSERA_TASK_NAMED("tessera.array.overlap", overlap_task);

namespace {

class OverlapLayer final : public Layer {
 public:
  OverlapLayer(OverlapSpec spec, Handle input, std::string name)
      : Layer(spec.call.result, input->grid, std::move(name)),
        spec_(std::move(spec)),
        spec_node_(delayed_value(spec_)),
        input_(std::move(input)) {}

  NodePtr make_block(Lowering& lowering, std::int64_t linear) const override {
    const Shape index = grid.block_index(linear);
    auto pieces = halo_pieces(lowering, spec_.halo, *input_, index, name);
    Delayed<Block> center(lowering.block(*input_, linear));
    return task_node<&overlap_task>(block_key(name, index), spec_node_, linear, std::move(center),
                                    std::move(pieces));
  }

 private:
  OverlapSpec spec_;
  Delayed<OverlapSpec> spec_node_;
  Handle input_;
};

}  // namespace

Handle map_overlap(const BlockFunction& fn, const Handle& input, const Shape& depth,
                   const std::vector<Boundary>& boundary) {
  OverlapSpec spec;
  spec.halo = make_halo(input, depth, boundary, "map_overlap");
  spec.call = block_call(fn, "map_overlap");
  const std::string name = unique_key(spec.call.function + "-overlap");
  return array_of_layer(std::make_shared<OverlapLayer>(std::move(spec), input, name));
}

}  // namespace tessera::detail::array
