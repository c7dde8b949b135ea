// Stencils written as array arithmetic on the neighbours of each element: a layer makes each
// block with its halo (halo.hpp), and loads with a halo read it shifted, so that a stencil and
// what follows it (a sum, say) run as one fused pass over each block, on every kernel backend.

#include <string>

#include "halo.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/key.hpp"
#include "tessera/task.hpp"

namespace tessera::detail::array {
namespace {

Block padded_task(const Halo& halo, const std::int64_t& block, const Block& center,
                  const std::vector<Block>& pieces) {
  Shape lo;
  return padded_block(halo, "map_overlap", block, center, pieces, lo);
}

}  // namespace

TESSERA_TASK_NAMED("tessera.array.padded", padded_task);

namespace {

/// The blocks of an array with a halo of `depth` on every side: longer than its grid says by
/// twice the depth along each axis, so only loads with a halo read them.
class PaddedLayer final : public Layer {
 public:
  PaddedLayer(Halo halo, Handle input, std::string name)
      : Layer(input->dtype, input->grid, std::move(name)),
        halo(std::move(halo)),
        halo_node_(delayed_value(this->halo)),
        input_(std::move(input)) {}

  NodePtr make_block(Lowering& lowering, std::int64_t linear) const override {
    const Shape index = grid.block_index(linear);
    auto pieces = halo_pieces(lowering, halo, *input_, index, name);
    Delayed<Block> center(lowering.block(*input_, linear));
    return task_node<&padded_task>(block_key(name, index), halo_node_, linear, std::move(center),
                                   std::move(pieces));
  }

  const Halo halo;

 private:
  Delayed<Halo> halo_node_;
  Handle input_;
};

}  // namespace

Handle neighbours(const Handle& input, const Shape& depth, const std::vector<Boundary>& boundary) {
  Halo halo = make_halo(input, depth, boundary, "map_overlap");
  for (std::size_t d = 0; d < halo.depth.size(); ++d) {
    if (halo.depth[d] > 0 && halo.boundary[d] == static_cast<std::uint8_t>(Boundary::Kind::none)) {
      throw ArrayError(
          "map_overlap: a stencil of neighbours needs a boundary that gives values "
          "beyond the edges along axis " +
          std::to_string(d) + " (periodic, reflect or constant), not none");
    }
  }
  const std::string name = unique_key(std::string("neighbours"));
  return array_of_layer(std::make_shared<PaddedLayer>(std::move(halo), input, name));
}

Handle shifted(const Handle& neighbours, const Shape& offset) {
  const auto* layer = dynamic_cast<const PaddedLayer*>(neighbours->expr->layer.get());
  if (!layer)
    throw ArrayError("map_overlap: shifted() of an array that is not a set of neighbours");
  const Halo& halo = layer->halo;
  const std::size_t nd = halo.depth.size();
  if (offset.size() != nd) {
    throw ArrayError("map_overlap: the neighbour " + to_string(offset) + " has " +
                     std::to_string(offset.size()) + " offsets for an array of " +
                     std::to_string(nd) + " dimensions");
  }
  auto e = std::make_shared<Expr>(*neighbours->expr);
  e->halo.clear();
  for (std::size_t d = 0; d < nd; ++d) {
    if (offset[d] < -halo.depth[d] || offset[d] > halo.depth[d]) {
      throw ArrayError("map_overlap: the neighbour " + to_string(offset) + " is " +
                       std::to_string(offset[d]) + " away along axis " + std::to_string(d) +
                       ", beyond the depth " + std::to_string(halo.depth[d]));
    }
    e->halo.push_back(halo.depth[d] + offset[d]);
    e->halo.push_back(2 * halo.depth[d]);
  }
  return array_of_expr(std::move(e), neighbours->grid, "shifted");
}

}  // namespace tessera::detail::array
