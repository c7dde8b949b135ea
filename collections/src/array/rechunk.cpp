// rechunk: each output block assembled from rectangular pieces of input blocks, the pieces cut
// by small tasks of their own so that an input block can be released as soon as its pieces
// are cut. When an output block would need more than `fan_in` pieces, the plan goes through
// intermediate chunkings, each merging at most `fan_in` pieces per block, as a reduction tree
// does: no task ever holds more than one output block and its pieces.

#include <cmath>
#include <string>

#include "lowering.hpp"
#include "pieces.hpp"
#include "structure.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/config.hpp"
#include "tessera/key.hpp"

namespace tessera::detail::array {
namespace {

const bool fan_in_defined =
    config::define({"array_rechunk_fan_in", "32",
                    "an integer in [2, 65536] (the most input pieces one rechunk task assembles)",
                    config::is_integer_in<2, 65536>});

/// A piece of an input block along one axis, and where it goes in its output block.
struct Piece {
  std::int64_t block = 0, start = 0, count = 0, offset = 0;
};

/// For each output block along one axis, its pieces: pieces[first[j] .. first[j + 1]).
struct AxisMap {
  std::vector<std::int64_t> first;
  std::vector<Piece> pieces;
  std::int64_t most = 0;  ///< the most pieces of one output block
};

AxisMap map_axis(const ChunkGrid& in, std::size_t axis, const std::vector<std::int64_t>& out) {
  AxisMap map;
  std::int64_t e = 0, b = 0;
  for (std::int64_t length : out) {
    map.first.push_back(static_cast<std::int64_t>(map.pieces.size()));
    const std::int64_t end = e + length;
    while (e < end) {
      while (in.start(axis, b) + in.length(axis, b) <= e) ++b;
      const std::int64_t begin = in.start(axis, b);
      const std::int64_t k = std::min(end, begin + in.length(axis, b)) - e;
      map.pieces.push_back({b, e - begin, k, e - (end - length)});
      e += k;
    }
    map.most = std::max(map.most, static_cast<std::int64_t>(map.pieces.size()) - map.first.back());
  }
  map.first.push_back(static_cast<std::int64_t>(map.pieces.size()));
  return map;
}

class RechunkLayer final : public Layer {
 public:
  RechunkLayer(Handle input, std::vector<AxisMap> maps, ChunkGrid grid, std::string name)
      : Layer(input->dtype, std::move(grid), std::move(name)),
        input_(std::move(input)),
        maps_(std::move(maps)) {}

  NodePtr make_block(Lowering& lowering, std::int64_t linear) const override {
    const Shape index = grid.block_index(linear);
    const std::size_t nd = index.size();
    const ChunkGrid& in = input_->grid;
    std::vector<NodePtr> pieces;
    std::vector<Shape> shapes;
    std::vector<std::int64_t> offsets;
    // Every combination of the pieces along each axis, in C order.
    Shape at(nd, 0);
    bool empty = false;
    for (std::size_t d = 0; d < nd; ++d) {
      empty = empty || first(d, index[d]) == first(d, index[d] + 1);
    }
    while (!empty) {
      Shape in_index(nd), start(nd), count(nd);
      for (std::size_t d = 0; d < nd; ++d) {
        const Piece& p = maps_[d].pieces[static_cast<std::size_t>(first(d, index[d]) + at[d])];
        in_index[d] = p.block;
        start[d] = p.start;
        count[d] = p.count;
        offsets.push_back(p.offset);
      }
      Key key = block_key(name + "-cut", {linear, static_cast<std::int64_t>(pieces.size())});
      pieces.push_back(cut_node(std::move(key), lowering.block(*input_, in.linear(in_index)),
                                in.block_shape(in_index), start, Shape(nd, 1), count, count));
      shapes.push_back(std::move(count));
      std::size_t d = nd;
      while (d > 0) {
        const std::int64_t n = first(d - 1, index[d - 1] + 1) - first(d - 1, index[d - 1]);
        if (++at[d - 1] < n) break;
        at[d - 1] = 0;
        --d;
      }
      if (d == 0) break;
    }
    return assemble_node(block_key(name, index), dtype, grid.block_shape(index), std::move(offsets),
                         pieces, shapes);
  }

 private:
  std::int64_t first(std::size_t axis, std::int64_t j) const {
    return maps_[axis].first[static_cast<std::size_t>(j)];
  }

  Handle input_;
  std::vector<AxisMap> maps_;
};

// Consecutive blocks of `refined` grouped `f` at a time, never across a boundary of `target`.
std::vector<std::int64_t> grouped(const std::vector<std::int64_t>& refined,
                                  const std::vector<std::int64_t>& target, std::int64_t f) {
  std::vector<std::int64_t> out;
  std::size_t r = 0;
  for (std::int64_t length : target) {
    std::int64_t left = length;
    while (left > 0) {
      std::int64_t sum = 0;
      for (std::int64_t k = 0; k < f && left > 0; ++k, ++r) {
        sum += refined[r];
        left -= refined[r];
      }
      out.push_back(sum);
    }
  }
  if (out.empty()) out.push_back(0);
  return out;
}

}  // namespace

std::vector<std::int64_t> common_refinement(const std::vector<std::int64_t>& a,
                                            const std::vector<std::int64_t>& b) {
  std::vector<std::int64_t> out;
  std::size_t i = 0, j = 0;
  std::int64_t ea = 0, eb = 0, at = 0;
  while (i < a.size() || j < b.size()) {
    // The next boundary of either, skipping empty blocks.
    if (i < a.size() && ea + a[i] == at) {
      ea += a[i++];
      continue;
    }
    if (j < b.size() && eb + b[j] == at) {
      eb += b[j++];
      continue;
    }
    const std::int64_t next =
        std::min(i < a.size() ? ea + a[i] : INT64_MAX, j < b.size() ? eb + b[j] : INT64_MAX);
    out.push_back(next - at);
    at = next;
  }
  if (out.empty()) out.push_back(0);
  return out;
}

Handle rechunk_to(const Handle& a, const Chunks& chunks, std::int64_t fan_in,
                  const char* operation) {
  require_known(*a, operation);
  const ChunkGrid target(chunks, operation);
  if (target.shape() != a->shape) {
    throw ArrayError(std::string(operation) + ": chunks " + to_string(chunks) +
                     " do not make up shape " + to_string(a->shape));
  }
  (void)fan_in_defined;
  if (fan_in == 0) fan_in = config::get_int("array_rechunk_fan_in");
  fan_in = std::max<std::int64_t>(fan_in, 2);
  Handle current = a;
  const std::size_t nd = chunks.size();
  for (;;) {
    bool same = true;
    for (std::size_t d = 0; d < nd; ++d) same = same && current->grid.same_axis(d, target, d);
    if (same) return current;
    std::vector<AxisMap> maps;
    std::int64_t pieces = 1;
    std::size_t merging = 0;
    for (std::size_t d = 0; d < nd; ++d) {
      maps.push_back(map_axis(current->grid, d, chunks[d]));
      pieces *= std::max<std::int64_t>(maps.back().most, 1);
      merging += maps.back().most > 1;
    }
    Chunks next = chunks;
    if (pieces > fan_in) {
      // An intermediate chunking: split as the target along every axis, and merge at most
      // f blocks of the common refinement along (some of) the axes that merge, so that no
      // block takes more than fan_in pieces; the other merging axes wait for a later stage.
      const auto axes_now = std::min<std::size_t>(
          merging, static_cast<std::size_t>(std::floor(std::log2(static_cast<double>(fan_in)))));
      const auto f = std::max<std::int64_t>(
          2,
          static_cast<std::int64_t>(std::floor(
              std::pow(static_cast<double>(fan_in), 1.0 / static_cast<double>(axes_now)) + 1e-9)));
      std::size_t merged = 0;
      for (std::size_t d = 0; d < nd; ++d) {
        if (maps[d].most <= 1) continue;
        const auto refined = common_refinement(current->grid.lengths(d), chunks[d]);
        next[d] = merged++ < axes_now ? grouped(refined, chunks[d], f) : refined;
      }
      maps.clear();
      for (std::size_t d = 0; d < nd; ++d) maps.push_back(map_axis(current->grid, d, next[d]));
    }
    current = array_of_layer(std::make_shared<RechunkLayer>(
        current, std::move(maps), ChunkGrid(next, operation), unique_key(operation)));
  }
}

Handle rechunk(const Handle& a, const ChunkSpec& chunks, const RechunkOptions& options) {
  check_valid(a, "rechunk");
  require_known(*a, "rechunk");
  if (options.fan_in != 0 && options.fan_in < 2) {
    throw ArrayError("rechunk: fan_in " + std::to_string(options.fan_in) + " is below 2");
  }
  return rechunk_to(a, normalize_chunks(chunks, a->shape, a->dtype, "rechunk"), options.fan_in,
                    "rechunk");
}

}  // namespace tessera::detail::array
