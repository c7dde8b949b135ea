// Stencils written as array arithmetic on the neighbours of each element: a layer makes each
// block with its halo (halo.hpp), and loads with a halo read it shifted, so that a stencil and
// what follows it (a sum, say) run as one fused pass over each block, on every kernel backend.
// A reduction on the reference kernels does not even make the padded block: its task takes
// the block and the halo pieces and assembles a few rows at a time, in cache, as it goes.

#include <algorithm>
#include <limits>
#include <memory>
#include <string>

#include "evaluate.hpp"
#include "halo.hpp"
#include "kernels/device_kernels.hpp"
#include "reduce.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/key.hpp"
#include "tessera/task.hpp"

namespace tessera::detail::array {

/// Which inputs of a windowed reduction task are blocks with a halo, and how to make them: a
/// stencil's loads of its neighbours at different offsets are inputs of their own that read
/// the same block with its halo, made once.
struct PaddedInputs {
  std::vector<std::int32_t> positions;  ///< among the task's inputs
  std::vector<std::int32_t> padded;     ///< per position: which of the blocks below it reads
  std::vector<std::int64_t> blocks;     ///< per block with a halo: its block in its layer
  std::vector<Halo> halos;
  std::vector<std::int64_t> pieces;  ///< how many of the task's pieces each takes, in order

  static constexpr auto fields() {
    return std::make_tuple(&PaddedInputs::positions, &PaddedInputs::padded, &PaddedInputs::blocks,
                           &PaddedInputs::halos, &PaddedInputs::pieces);
  }
};

}  // namespace tessera::detail::array

namespace tessera::detail {
template <>
struct StdCodec<array::PaddedInputs> : array::FieldsCodec<array::PaddedInputs> {};
}  // namespace tessera::detail

namespace tessera::detail::array {
namespace {

Block padded_task(const Halo& halo, const std::int64_t& block, const Block& center,
                  const std::vector<Block>& pieces) {
  Shape lo;
  return padded_block(halo, "map_overlap", block, center, pieces, lo);
}

// Makes the blocks with a halo of a task's inputs a window of rows at a time, each window in a
// buffer of this thread that is reused from one window and task to the next.
class HaloWindows final : public RowWindows {
 public:
  // `centers` and `pieces`: per block with a halo, its own block and its pieces.
  HaloWindows(const Program& program, const PaddedInputs& padded, std::vector<Block> centers,
              std::vector<std::vector<Block>> pieces)
      : padded_(padded), centers_(std::move(centers)), pieces_(std::move(pieces)) {
    std::int64_t widest = 1;
    for (std::size_t k = 0; k < padded_.blocks.size(); ++k) {
      const Halo& halo = padded_.halos[k];
      const Shape index = halo.grid.block_index(padded_.blocks[k]);
      Shape lo;
      shapes_.push_back(padded_shape(halo, index, lo));
      const Shape& shape = shapes_.back();
      auto row = static_cast<std::int64_t>(itemsize(centers_[k].dtype));
      for (std::size_t d = 1; d < shape.size(); ++d) row *= shape[d];
      widest = std::max(widest, row);
      extra_.push_back(shape[0] - halo.grid.block_shape(index)[0]);
    }
    // Windows work when each load of a block with a halo reads its rows along the block's
    // first axis as the block goes (no transpose, no view); else one window is all rows.
    bool along_rows = true;
    for (const Instruction& in : program.code) {
      if (in.op != ExprOp::load) continue;
      const bool padded_load = std::find(padded_.positions.begin(), padded_.positions.end(),
                                         in.leaf) != padded_.positions.end();
      if (padded_load && (in.view >= 0 || in.map < 0 ||
                          static_cast<std::size_t>(in.map) >= program.axis_maps.size() ||
                          program.axis_maps[static_cast<std::size_t>(in.map)] != 0)) {
        along_rows = false;
      }
    }
    // About 256 KiB of windows: they stay in the core's own cache.
    rows_ = along_rows ? std::max<std::int64_t>(8, (std::int64_t{256} << 10) / widest)
                       : std::numeric_limits<std::int64_t>::max();
  }

  std::int64_t rows() const override { return rows_; }

  void fill(std::int64_t first, std::int64_t count, std::vector<Block>& inputs,
            std::vector<std::int64_t>& origins) override {
    constexpr std::size_t max_kept = std::size_t{4} << 20;
    thread_local std::vector<std::vector<std::byte>> buffers;
    if (buffers.size() < padded_.blocks.size()) buffers.resize(padded_.blocks.size());
    windows_.resize(padded_.blocks.size());
    starts_.resize(padded_.blocks.size());
    for (std::size_t k = 0; k < padded_.blocks.size(); ++k) {
      const Shape& shape = shapes_[k];
      const std::int64_t begin = std::min(first, shape[0]);
      const std::int64_t rows = std::min(count + extra_[k], shape[0] - begin);
      Block window;
      window.dtype = centers_[k].dtype;
      window.shape = shape;
      window.shape[0] = rows;
      std::size_t row = 1;
      for (std::size_t d = 1; d < shape.size(); ++d) row *= static_cast<std::size_t>(shape[d]);
      const std::size_t bytes = row * itemsize(window.dtype) * static_cast<std::size_t>(rows);
      if (bytes > max_kept) {  // a window of whole blocks: not kept by the thread
        window.data = Buffer::allocate(bytes);
      } else {
        if (buffers[k].size() < bytes) buffers[k].resize(bytes);
        window.data = Buffer::borrow(buffers[k].data(), bytes);
      }
      padded_rows(padded_.halos[k], "map_overlap", padded_.blocks[k], centers_[k], pieces_[k],
                  begin, window);
      // The input keeps the padded block's shape; its data is the window (see RowWindows).
      window.shape = shape;
      windows_[k] = std::move(window);
      starts_[k] = begin * static_cast<std::int64_t>(row);
    }
    for (std::size_t i = 0; i < padded_.positions.size(); ++i) {
      const auto position = static_cast<std::size_t>(padded_.positions[i]);
      const auto k = static_cast<std::size_t>(padded_.padded[i]);
      inputs[position] = windows_[k];
      origins[position] = starts_[k];
    }
  }

 private:
  const PaddedInputs& padded_;
  std::vector<Block> centers_;
  std::vector<std::vector<Block>> pieces_;
  std::vector<Shape> shapes_;
  std::vector<std::int64_t> extra_;  // rows of halo along axis 0
  std::vector<Block> windows_;
  std::vector<std::int64_t> starts_;
  std::int64_t rows_ = 1;
};

Partial windowed_partial_task(const ReduceSpec& spec, const std::int64_t& block,
                              const std::vector<Block>& inputs, const PaddedInputs& padded,
                              const std::vector<Block>& pieces) {
  const std::size_t blocks = padded.blocks.size();
  bool fits = padded.halos.size() == blocks && padded.pieces.size() == blocks &&
              padded.padded.size() == padded.positions.size();
  std::vector<Block> centers(blocks);
  std::vector<bool> seen(blocks, false);
  for (std::size_t i = 0; fits && i < padded.positions.size(); ++i) {
    const std::int32_t p = padded.positions[i], k = padded.padded[i];
    fits = p >= 0 && static_cast<std::size_t>(p) < inputs.size() && k >= 0 &&
           static_cast<std::size_t>(k) < blocks;
    if (fits && !seen[static_cast<std::size_t>(k)]) {
      seen[static_cast<std::size_t>(k)] = true;
      centers[static_cast<std::size_t>(k)] = inputs[static_cast<std::size_t>(p)];
    }
  }
  std::vector<std::vector<Block>> own(blocks);
  std::size_t next = 0;
  for (std::size_t k = 0; fits && k < blocks; ++k) {
    const Halo& halo = padded.halos[k];
    const std::size_t nd = halo.grid.ndim();
    fits = seen[k] && padded.pieces[k] >= 0 &&
           padded.pieces[k] <= static_cast<std::int64_t>(pieces.size() - next) && nd > 0 &&
           halo.depth.size() == nd && halo.boundary.size() == nd && halo.value.size() == nd &&
           padded.blocks[k] >= 0 && padded.blocks[k] < halo.grid.blocks();
    if (!fits) break;
    const auto n = static_cast<std::size_t>(padded.pieces[k]);
    own[k].assign(pieces.begin() + static_cast<std::ptrdiff_t>(next),
                  pieces.begin() + static_cast<std::ptrdiff_t>(next + n));
    next += n;
  }
  if (!fits || next != pieces.size()) {
    throw ArrayError("map_overlap: a task whose blocks with a halo do not fit its inputs");
  }
  std::vector<Block> all = inputs;
  if (kernels_for(spec.input) != Kernels::reference) {  // device kernels read whole blocks
    std::vector<Block> whole(blocks);
    for (std::size_t k = 0; k < blocks; ++k) {
      Shape lo;
      whole[k] =
          padded_block(padded.halos[k], "map_overlap", padded.blocks[k], centers[k], own[k], lo);
    }
    for (std::size_t i = 0; i < padded.positions.size(); ++i) {
      all[static_cast<std::size_t>(padded.positions[i])] =
          whole[static_cast<std::size_t>(padded.padded[i])];
    }
    return partial_reduce_on_kernels(spec, block, all);
  }
  HaloWindows windows(spec.input, padded, std::move(centers), std::move(own));
  return partial_reduce(spec, block, all, windows);
}

}  // namespace

TESSERA_TASK_NAMED("tessera.array.padded", padded_task);
TESSERA_TASK_NAMED("tessera.array.windowed_partial", windowed_partial_task);

namespace {

// One piece of the halo of every block (the slice that its neighbour at one offset gives), as
// a layer of its own, so that lowering makes each piece once however many tasks read it.
class PieceLayer final : public Layer {
 public:
  PieceLayer(const Halo& halo, Handle input, std::size_t slot, std::string name)
      : Layer(input->dtype, input->grid, std::move(name)),
        halo_(halo),
        input_(std::move(input)),
        slot_(slot) {}

  NodePtr make_block(Lowering& lowering, std::int64_t linear) const override {
    const Shape index = grid.block_index(linear);
    for (const PieceCut& cut : piece_cuts(halo_, index)) {
      if (cut.slot != slot_) continue;
      Shape key_index = index;
      key_index.push_back(static_cast<std::int64_t>(slot_));
      return piece_node(lowering, *input_, cut, block_key(name, key_index));
    }
    throw ArrayError("map_overlap: block " + to_string(index) + " has no halo piece " +
                     std::to_string(slot_));
  }

 private:
  const Halo& halo_;  // its PaddedLayer's
  Handle input_;
  std::size_t slot_;
};

/// The blocks of an array with a halo of `depth` on every side: longer than its grid says by
/// twice the depth along each axis, so only loads with a halo read them.
class PaddedLayer final : public Layer {
 public:
  PaddedLayer(Halo halo, Handle input, std::string name)
      : Layer(input->dtype, input->grid, std::move(name)),
        halo(std::move(halo)),
        halo_node_(delayed_value(this->halo)),
        input_(std::move(input)) {
    std::size_t slots = 1;
    for (std::size_t d = 0; d < this->halo.depth.size(); ++d) slots *= 3;
    for (std::size_t s = 0; s < slots; ++s) {
      pieces_.push_back(std::make_unique<PieceLayer>(this->halo, input_, s, this->name + "-halo"));
    }
  }

  NodePtr make_block(Lowering& lowering, std::int64_t linear) const override {
    auto nodes = parts(lowering, linear);
    Delayed<Block> center = std::move(nodes.front());
    nodes.erase(nodes.begin());
    return task_node<&padded_task>(block_key(name, grid.block_index(linear)), halo_node_, linear,
                                   std::move(center), std::move(nodes));
  }

  /// The nodes of block `linear` of the input (first) and of its halo pieces.
  std::vector<Delayed<Block>> parts(Lowering& lowering, std::int64_t linear) const {
    std::vector<Delayed<Block>> nodes;
    nodes.emplace_back(lowering.block(*input_, linear));
    for (const PieceCut& cut : piece_cuts(halo, grid.block_index(linear))) {
      nodes.emplace_back(lowering.block(*pieces_[cut.slot], linear));
    }
    return nodes;
  }

  const Halo halo;

 private:
  Delayed<Halo> halo_node_;
  Handle input_;
  std::vector<std::unique_ptr<PieceLayer>> pieces_;  // per slot; the center's unused
};

}  // namespace

NodePtr windowed_partial_node(Lowering& lowering, Key key, const Delayed<ReduceSpec>& spec,
                              std::int64_t block, const Compiled& compiled, const Shape& index) {
  PaddedInputs padded;
  std::vector<Delayed<Block>> inputs;
  std::vector<Delayed<Block>> pieces;
  std::vector<std::pair<const PaddedLayer*, std::int64_t>> made;  // the blocks with a halo
  for (std::size_t k = 0; k < compiled.sources.size(); ++k) {
    const auto& source = compiled.sources[k];
    const std::int64_t b = source_block(source, compiled.program.grid, index);
    const auto* layer = dynamic_cast<const PaddedLayer*>(source.layer.get());
    if (!layer) {
      inputs.emplace_back(lowering.block(*source.layer, b));
      continue;
    }
    auto parts = layer->parts(lowering, b);
    inputs.push_back(parts.front());
    padded.positions.push_back(static_cast<std::int32_t>(k));
    const auto same = std::find(made.begin(), made.end(), std::make_pair(layer, b));
    padded.padded.push_back(static_cast<std::int32_t>(same - made.begin()));
    if (same != made.end()) continue;
    made.emplace_back(layer, b);
    padded.blocks.push_back(b);
    padded.halos.push_back(layer->halo);
    padded.pieces.push_back(static_cast<std::int64_t>(parts.size()) - 1);
    for (std::size_t i = 1; i < parts.size(); ++i) pieces.push_back(std::move(parts[i]));
  }
  if (padded.positions.empty()) return nullptr;
  return task_node<&windowed_partial_task>(std::move(key), spec, block, std::move(inputs),
                                           std::move(padded), std::move(pieces));
}

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
