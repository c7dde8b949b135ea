#include "program.hpp"

#include <algorithm>
#include <unordered_map>
#include <utility>

namespace tessera::detail::array {
namespace {

class Compiler {
 public:
  explicit Compiler(Compiled& out) : out_(out) {}

  std::int32_t visit(const Expr& e) {
    if (auto it = done_.find(&e); it != done_.end()) return it->second;
    Instruction in;
    in.op = e.op;
    in.dtype = e.dtype;
    Program& p = out_.program;
    switch (e.op) {
      case ExprOp::load:
        // The same block read the same way by two nodes (x and x.T.T) is one input, loaded
        // once per tile.
        if (const auto same = same_load(e); same >= 0) {
          done_.emplace(&e, same);
          return same;
        }
        in.leaf = static_cast<std::int32_t>(out_.sources.size());
        out_.sources.push_back({e.layer, e.axis_map, e.view});
        in.map = append_map(e.axis_map);
        if (!e.halo.empty()) {
          in.halo = static_cast<std::int32_t>(p.halos.size());
          p.halos.insert(p.halos.end(), e.halo.begin(), e.halo.end());
        }
        if (!e.view.empty()) {
          in.view = append_view(e.view);
          in.grid = static_cast<std::int32_t>(p.view_grids.size());
          p.view_grids.push_back(e.layer->grid);
        }
        break;
      case ExprOp::constant:
        in.leaf = static_cast<std::int32_t>(p.constants.size());
        p.constants.push_back(e.scalar);
        break;
      case ExprOp::generate: {
        const Generator& g = e.generator;
        GeneratorSpec spec;
        spec.kind = g.kind;
        spec.distribution = g.distribution;
        spec.seed = g.seed;
        spec.a = g.a;
        spec.b = g.b;
        spec.last = g.last;
        spec.last_index = g.last_index;
        spec.low = g.low;
        spec.high = g.high;
        spec.shape_offset = static_cast<std::int32_t>(p.generator_shapes.size());
        spec.ndim = static_cast<std::int32_t>(g.shape.size());
        p.generator_shapes.insert(p.generator_shapes.end(), g.shape.begin(), g.shape.end());
        in.leaf = static_cast<std::int32_t>(p.generators.size());
        p.generators.push_back(spec);
        in.map = append_map(e.axis_map);
        if (!e.view.empty()) in.view = append_view(e.view);
        break;
      }
      case ExprOp::unary:
        in.code = static_cast<std::uint8_t>(e.unary);
        in.a = visit(*e.operands[0]);
        in.from = e.operands[0]->dtype;
        break;
      case ExprOp::binary:
        in.code = static_cast<std::uint8_t>(e.binary);
        in.a = visit(*e.operands[0]);
        in.b = visit(*e.operands[1]);
        in.from = e.operands[0]->dtype;
        break;
      case ExprOp::where:
        in.a = visit(*e.operands[0]);
        in.b = visit(*e.operands[1]);
        in.c = visit(*e.operands[2]);
        in.from = e.dtype;
        break;
      case ExprOp::cast:
        in.a = visit(*e.operands[0]);
        in.from = e.operands[0]->dtype;
        break;
    }
    p.code.push_back(in);
    const auto index = static_cast<std::int32_t>(p.code.size() - 1);
    done_.emplace(&e, index);
    if (e.op == ExprOp::load) loads_.emplace_back(&e, index);
    return index;
  }

 private:
  // The instruction of a load already compiled that reads what `e` reads, or -1.
  std::int32_t same_load(const Expr& e) const {
    for (const auto& [load, index] : loads_) {
      if (load->layer == e.layer && load->dtype == e.dtype && load->axis_map == e.axis_map &&
          load->halo == e.halo && load->view == e.view) {
        return index;
      }
    }
    return -1;
  }

  std::int32_t append_map(const std::vector<int>& map) {
    auto& maps = out_.program.axis_maps;
    const auto offset = static_cast<std::int32_t>(maps.size());
    maps.insert(maps.end(), map.begin(), map.end());
    return offset;
  }

  std::int32_t append_view(const std::vector<std::int64_t>& view) {
    auto& views = out_.program.views;
    const auto offset = static_cast<std::int32_t>(views.size());
    views.insert(views.end(), view.begin(), view.end());
    return offset;
  }

  Compiled& out_;
  std::unordered_map<const Expr*, std::int32_t> done_;
  std::vector<std::pair<const Expr*, std::int32_t>> loads_;
};

}  // namespace

Compiled compile(const ArrayNode& array) {
  Compiled out;
  out.program.dtype = array.dtype;
  out.program.grid = array.grid;
  Compiler(out).visit(*array.expr);
  out.program.inputs = static_cast<std::int32_t>(out.sources.size());
  return out;
}

std::int64_t view_first(const std::int64_t* view, const std::int32_t* axis_map, std::size_t ndim,
                        const Shape& start, std::size_t p) {
  std::int64_t first = view[2 * p];
  for (std::size_t d = 0; d < ndim; ++d) {
    if (axis_map[d] == static_cast<std::int32_t>(p)) first += view[2 * p + 1] * start[d];
  }
  return first;
}

std::int64_t source_block(const Compiled::Source& source, const ChunkGrid& grid,
                          const Shape& index) {
  const ChunkGrid& layer = source.layer->grid;
  const Shape start = source.view.empty() ? Shape{} : grid.block_start(index);
  std::int64_t flat = 0;
  for (std::size_t p = 0; p < layer.ndim(); ++p) {
    std::int64_t i = 0;
    if (source.view.empty()) {
      for (std::size_t d = 0; d < source.axis_map.size(); ++d) {
        if (source.axis_map[d] == static_cast<int>(p)) i = index[d];
      }
    } else if (layer.extent(p) > 0) {
      // The block that holds the first element read (an empty block reads none: any will do).
      const std::int64_t first =
          view_first(source.view.data(), source.axis_map.data(), source.axis_map.size(), start, p);
      i = layer.block_of(p, std::clamp<std::int64_t>(first, 0, layer.extent(p) - 1));
    }
    flat = flat * layer.count(p) + i;
  }
  return flat;
}

}  // namespace tessera::detail::array
