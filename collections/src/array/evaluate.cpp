#include "evaluate.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "dispatch.hpp"
#include "kernels.hpp"
#include "random.hpp"
#include "scalar_as.hpp"
#include "tessera/array/errors.hpp"
#include "vector_loops.hpp"

namespace tessera::detail::array {
namespace {

using namespace reference;  // the reference kernels

[[noreturn]] void bad_program(const std::string& problem) {
  throw ArrayError("array task: " + problem);
}

// Values of enums and types that a message may hold but no compiled program does: an
// operation, type or generator that does not exist, a result of the wrong type for its
// operation, a generator whose indices would overflow or not fit the grid.
bool known(DType t) { return static_cast<unsigned>(t) <= static_cast<unsigned>(DType::float64); }

void check_instruction(const Program& program, const Instruction& in, std::size_t i) {
  const std::string at = "instruction " + std::to_string(i);
  if (static_cast<unsigned>(in.op) > static_cast<unsigned>(ExprOp::cast)) {
    bad_program(at + " has an unknown operation " + std::to_string(static_cast<int>(in.op)));
  }
  if (!known(in.dtype) || !known(in.from)) bad_program(at + " has an unknown element type");
  if (in.op == ExprOp::unary) {
    if (in.code > static_cast<unsigned>(Unary::invert)) bad_program(at + ": an unknown unary op");
    const bool predicate = is_predicate(static_cast<Unary>(in.code));
    if (in.dtype != (predicate ? DType::bool_ : in.from)) bad_program(at + ": a wrong result type");
  }
  if (in.op == ExprOp::binary) {
    if (in.code > static_cast<unsigned>(Binary::bitwise_xor)) {
      bad_program(at + ": an unknown binary op");
    }
    const bool predicate = is_predicate(static_cast<Binary>(in.code));
    if (in.dtype != (predicate ? DType::bool_ : in.from)) bad_program(at + ": a wrong result type");
  }
  if (in.op != ExprOp::generate || in.leaf < 0 ||
      in.leaf >= static_cast<std::int32_t>(program.generators.size())) {
    return;
  }
  const GeneratorSpec& g = program.generators[static_cast<std::size_t>(in.leaf)];
  if (static_cast<unsigned>(g.kind) > static_cast<unsigned>(GeneratorKind::iota) ||
      static_cast<unsigned>(g.distribution) > static_cast<unsigned>(Distribution::integers)) {
    bad_program(at + ": an unknown generator");
  }
  if (g.shape_offset < 0 || g.ndim < 0 ||
      std::int64_t{g.shape_offset} + g.ndim >
          static_cast<std::int64_t>(program.generator_shapes.size())) {
    bad_program("a generator shape out of range");
  }
  std::int64_t elements = 1;
  for (std::int32_t d = 0; d < g.ndim; ++d) {
    const std::int64_t n = program.generator_shapes[static_cast<std::size_t>(g.shape_offset) +
                                                    static_cast<std::size_t>(d)];
    if (n < 0 || (n && elements > std::numeric_limits<std::int64_t>::max() / n)) {
      bad_program(at + ": a generator of a bad shape");
    }
    elements *= n;
  }
  // Each mapped axis of the generator has the array's length along its axis (or 1); a
  // generator read through a view (a slice) is checked with its view.
  const std::size_t nd = program.grid.ndim();
  if (in.view >= 0) return;
  if (in.map < 0 || static_cast<std::size_t>(in.map) + nd > program.axis_maps.size()) return;
  for (std::size_t d = 0; d < nd; ++d) {
    const std::int32_t p = program.axis_maps[static_cast<std::size_t>(in.map) + d];
    if (p < 0) continue;
    const std::int64_t n =
        p < g.ndim ? program.generator_shapes[static_cast<std::size_t>(g.shape_offset + p)] : -1;
    if (n != 1 && n != program.grid.extent(d)) bad_program(at + ": a generator that does not fit");
  }
}

}  // namespace

void validate(const Program& program, std::span<const Block> inputs) {
  const auto nd = static_cast<std::int64_t>(program.grid.ndim());
  if (!known(program.dtype)) bad_program("a program of an unknown element type");
  for (std::size_t i = 0; i < program.code.size(); ++i) {
    check_instruction(program, program.code[i], i);
  }
  if (static_cast<std::int64_t>(inputs.size()) != program.inputs) {
    bad_program("the program reads " + std::to_string(program.inputs) + " blocks but " +
                std::to_string(inputs.size()) + " were given");
  }
  if (program.code.empty()) bad_program("an empty program");
  for (std::size_t i = 0; i < program.code.size(); ++i) {
    const Instruction& in = program.code[i];
    const auto before = static_cast<std::int32_t>(i);
    auto operand = [&](std::int32_t k) {
      if (k < 0 || k >= before)
        bad_program("instruction " + std::to_string(i) + " reads a later one");
      return program.code[static_cast<std::size_t>(k)].dtype;
    };
    auto mapped = [&] {
      if (in.map < 0 || in.map + nd > static_cast<std::int64_t>(program.axis_maps.size())) {
        bad_program("an axis map out of range");
      }
    };
    switch (in.op) {
      case ExprOp::load:
        mapped();
        if (in.leaf < 0 || in.leaf >= program.inputs) bad_program("a load of a missing input");
        break;
      case ExprOp::constant:
        if (in.leaf < 0 || in.leaf >= static_cast<std::int32_t>(program.constants.size())) {
          bad_program("a missing constant");
        }
        break;
      case ExprOp::generate: {
        mapped();
        if (in.leaf < 0 || in.leaf >= static_cast<std::int32_t>(program.generators.size())) {
          bad_program("a missing generator");
        }
        break;
      }
      case ExprOp::unary:
        if (operand(in.a) != in.from) bad_program("an operand of the wrong type");
        break;
      case ExprOp::binary:
        if (operand(in.a) != in.from || operand(in.b) != in.from) {
          bad_program("an operand of the wrong type");
        }
        break;
      case ExprOp::where:
        if (operand(in.a) != DType::bool_ || operand(in.b) != in.dtype ||
            operand(in.c) != in.dtype) {
          bad_program("an operand of the wrong type");
        }
        break;
      case ExprOp::cast:
        if (operand(in.a) != in.from) bad_program("an operand of the wrong type");
        break;
    }
  }
  if (program.code.back().dtype != program.dtype) bad_program("a result of the wrong type");
}

namespace {

struct Axis {
  std::int64_t length;
  std::vector<std::int64_t> strides;  // one per stream
};

// The steps of the input of load `in` along each axis of the block of `shape` that starts
// at `start` in the array, and the offset of the element it reads for index 0 (`base`).
std::vector<std::int64_t> load_strides(const Program& program, const Instruction& in,
                                       const Block& input, const Shape& shape, const Shape& start,
                                       std::int64_t& base) {
  if (input.dtype != in.dtype) {
    bad_program(std::string("an input block of ") + dtype_name(input.dtype) + " where " +
                dtype_name(in.dtype) + " was expected");
  }
  const std::size_t rank = input.shape.size();
  const std::int64_t* halo = nullptr;  // (origin, extra length) per axis of the input
  if (in.halo >= 0) {
    if (static_cast<std::size_t>(in.halo) + 2 * rank > program.halos.size()) {
      bad_program("a halo out of range");
    }
    halo = program.halos.data() + in.halo;
  }
  const std::int64_t* view = nullptr;  // (first position, step) per axis of the input
  const ChunkGrid* grid = nullptr;     // the grid of the layer it reads
  if (in.view >= 0) {
    if (static_cast<std::size_t>(in.view) + 2 * rank > program.views.size() || in.grid < 0 ||
        static_cast<std::size_t>(in.grid) >= program.view_grids.size() ||
        program.view_grids[static_cast<std::size_t>(in.grid)].ndim() != rank) {
      bad_program("a view out of range");
    }
    view = program.views.data() + in.view;
    grid = &program.view_grids[static_cast<std::size_t>(in.grid)];
  }
  const std::int32_t* map = program.axis_maps.data() + in.map;
  const auto source_strides = c_strides(input.shape);
  std::vector<bool> used(rank, false);
  std::vector<std::int64_t> strides(shape.size(), 0);
  for (std::size_t d = 0; d < shape.size(); ++d) {
    const std::int32_t p = map[d];
    if (p < 0) continue;
    if (p >= static_cast<std::int32_t>(rank)) bad_program("an axis map beyond its input");
    const auto sp = static_cast<std::size_t>(p);
    used[sp] = true;
    if (view) {
      strides[d] = shape[d] == 1 ? 0 : view[2 * sp + 1] * source_strides[sp];
      continue;
    }
    const std::int64_t extra = halo ? halo[2 * sp + 1] : 0;
    if (input.shape[sp] == shape[d] + extra) {
      strides[d] = shape[d] == 1 ? 0 : source_strides[sp];
    } else if (input.shape[sp] != 1 || extra) {
      bad_program("an input block of shape " + to_string(input.shape) +
                  " does not fit a block of shape " + to_string(shape));
    }
  }
  base = 0;
  for (std::size_t p = 0; p < rank; ++p) {
    const std::int64_t extra = halo ? halo[2 * p + 1] : 0;
    const std::int64_t origin = halo ? halo[2 * p] : 0;
    if (halo && (origin < 0 || origin > extra)) bad_program("a halo origin outside its block");
    if (view) {
      // The block holds positions [begin, begin + length) of the layer along p, and its
      // elements from `origin` on (after the halo).
      const std::int64_t first = view_first(view, map, shape.size(), start, p);
      const std::int64_t b = grid->extent(p) > 0 ? grid->block_of(p, first) : 0;
      const std::int64_t begin = grid->start(p, b), length = grid->length(p, b);
      if (input.shape[p] != length + extra) {
        bad_program("an input block of shape " + to_string(input.shape) + " is not block " +
                    std::to_string(b) + " of its layer along axis " + std::to_string(p));
      }
      std::int64_t count = 1;
      for (std::size_t d = 0; d < shape.size(); ++d) {
        if (map[d] == static_cast<std::int32_t>(p)) count = shape[d];
      }
      const std::int64_t last = first + (count - 1) * view[2 * p + 1];
      if (first < begin || first >= begin + length || last < begin || last >= begin + length) {
        bad_program("a view outside block " + std::to_string(b) + " of its layer along axis " +
                    std::to_string(p));
      }
      base += (first - begin + origin) * source_strides[p];
      continue;
    }
    if (!used[p] && input.shape[p] != 1 + extra) {
      bad_program("an input block of shape " + to_string(input.shape) +
                  " has an axis that the block of shape " + to_string(shape) + " does not read");
    }
    base += origin * source_strides[p];
  }
  return strides;
}

}  // namespace

LeafStreams leaf_streams(const Program& program, std::int64_t block,
                         std::span<const Block> inputs) {
  LeafStreams out;
  const ChunkGrid& grid = program.grid;
  const Shape index = grid.block_index(block);
  out.shape = block_shape(program, block, inputs);
  out.start = grid.block_start(index);
  const std::size_t nd = out.shape.size();
  out.stream_of.assign(program.code.size(), -1);
  for (std::size_t i = 0; i < program.code.size(); ++i) {
    const Instruction& in = program.code[i];
    if (in.op == ExprOp::load) {
      out.stream_of[i] = static_cast<std::int32_t>(out.strides.size());
      std::int64_t base = 0;
      if (in.view >= 0 && std::find(out.shape.begin(), out.shape.end(), 0) != out.shape.end()) {
        out.strides.emplace_back(nd, 0);  // an empty block reads nothing (maybe past the end)
      } else {
        out.strides.push_back(load_strides(program, in, inputs[static_cast<std::size_t>(in.leaf)],
                                           out.shape, out.start, base));
      }
      out.bases.push_back(base);
    } else if (in.op == ExprOp::generate) {
      out.stream_of[i] = static_cast<std::int32_t>(out.strides.size());
      const auto& g = program.generators[static_cast<std::size_t>(in.leaf)];
      const Shape own(program.generator_shapes.begin() + g.shape_offset,
                      program.generator_shapes.begin() + g.shape_offset + g.ndim);
      const auto own_strides = c_strides(own);
      std::vector<std::int64_t> s(nd, 0);
      std::int64_t base = 0;
      const std::int32_t* map = program.axis_maps.data() + in.map;
      if (in.view >= 0) {
        if (static_cast<std::size_t>(in.view) + 2 * own.size() > program.views.size()) {
          bad_program("a view out of range");
        }
        const std::int64_t* view = program.views.data() + in.view;
        for (std::size_t p = 0; p < own.size(); ++p) {
          if (own[p] == 1) continue;
          base += view_first(view, map, nd, out.start, p) * own_strides[p];
          for (std::size_t d = 0; d < nd; ++d) {
            if (map[d] == static_cast<std::int32_t>(p)) s[d] = view[2 * p + 1] * own_strides[p];
          }
        }
      } else {
        for (std::size_t d = 0; d < nd; ++d) {
          const std::int32_t p = map[d];
          if (p < 0 || p >= g.ndim || own[static_cast<std::size_t>(p)] == 1) continue;
          s[d] = own_strides[static_cast<std::size_t>(p)];
          base += out.start[d] * s[d];
        }
      }
      out.strides.push_back(std::move(s));
      out.bases.push_back(base);
    }
  }
  return out;
}

namespace {

class Evaluator {
 public:
  Evaluator(const Program& program, std::span<const Block> inputs)
      : program_(program),
        inputs_(inputs),
        slots_(program.code.size()),
        scratch_(thread_scratch(program.code.size() * static_cast<std::size_t>(tile_size) * 8)) {
    plan_weighted_sums();
  }

  /// Inputs whose data starts origins[k] elements into what their shape says (windows).
  void set_origins(std::span<const std::int64_t> origins) { origins_ = origins; }

  /// Evaluates the block, or only its rows [first, first + rows) along its first axis.
  void run(std::int64_t block, std::span<const Stream> extra, TileSink& sink,
           std::int64_t first = 0, std::int64_t rows = -1) {
    LeafStreams leaves = leaf_streams(program_, block, inputs_);
    Shape shape = std::move(leaves.shape);
    const std::size_t nd = shape.size();
    stream_of_ = std::move(leaves.stream_of);
    std::vector<std::vector<std::int64_t>> strides = std::move(leaves.strides);
    std::vector<std::int64_t> bases = std::move(leaves.bases);
    for (std::size_t i = 0; i < program_.code.size(); ++i) {
      if (program_.code[i].op == ExprOp::constant) fill_constant(i);
    }
    const std::size_t own_streams = strides.size();
    for (const Stream& s : extra) {
      strides.push_back(s.strides);
      bases.push_back(s.base);
    }
    const std::size_t streams = strides.size();
    if (rows >= 0 && nd > 0) {
      if (first < 0 || rows > shape[0] - first) bad_program("rows out of the block");
      for (std::size_t k = 0; k < streams; ++k) bases[k] += first * strides[k][0];
      shape[0] = rows;
    }

    // Axes of length > 1, merged where every stream runs on contiguously.
    std::vector<Axis> axes;
    for (std::size_t d = 0; d < nd; ++d) {
      if (shape[d] == 0) return;
      if (shape[d] == 1) continue;
      Axis axis{shape[d], std::vector<std::int64_t>(streams)};
      for (std::size_t k = 0; k < streams; ++k) axis.strides[k] = strides[k][d];
      if (!axes.empty()) {
        Axis& previous = axes.back();
        bool contiguous = true;
        for (std::size_t k = 0; k < streams && contiguous; ++k) {
          contiguous = previous.strides[k] == axis.strides[k] * axis.length;
        }
        if (contiguous) {
          previous.length *= axis.length;
          previous.strides = axis.strides;
          continue;
        }
      }
      axes.push_back(std::move(axis));
    }
    if (axes.empty()) axes.push_back(Axis{1, std::vector<std::int64_t>(streams, 0)});

    const Axis& inner = axes.back();
    plan_panels(axes);
    const bool rows_together =
        sink.takes_rows_together() && tiles_point_into_input(axes, own_streams);
    std::vector<std::int64_t> counter(axes.size() - 1, 0);
    std::vector<std::int64_t> row(bases);
    std::vector<std::int64_t> tile_bases(streams);
    for (;;) {
      if (!panels_.empty()) fill_panels(axes, counter.back(), row);
      const std::int64_t together =
          rows_together ? std::min<std::int64_t>(TileSink::max_rows,
                                                 axes[axes.size() - 2].length - counter.back())
                        : 1;
      for (std::int64_t t = 0; t < inner.length; t += tile_size) {
        tile_offset_ = t;
        const std::int64_t n = std::min(tile_size, inner.length - t);
        if (together > 1) {
          const void* values[TileSink::max_rows];
          for (std::int64_t r = 0; r < together; ++r) {
            for (std::size_t k = 0; k < streams; ++k) {
              tile_bases[k] = row[k] + r * axes[axes.size() - 2].strides[k] + t * inner.strides[k];
            }
            values[r] = compute_tile(n, tile_bases.data(), inner.strides.data());
          }
          sink.tiles(values, static_cast<int>(together), n, tile_bases.data() + own_streams,
                     inner.strides.data() + own_streams);
          continue;
        }
        for (std::size_t k = 0; k < streams; ++k) tile_bases[k] = row[k] + t * inner.strides[k];
        const void* values = compute_tile(n, tile_bases.data(), inner.strides.data());
        sink.tile(values, n, tile_bases.data() + own_streams, inner.strides.data() + own_streams);
      }
      if (together > 1) {  // the rows after the first of the group are done too
        for (std::size_t k = 0; k < streams; ++k) {
          row[k] += (together - 1) * axes[axes.size() - 2].strides[k];
        }
        counter.back() += together - 1;
      }
      // Next row: the odometer over the outer axes.
      std::size_t a = counter.size();
      while (a > 0) {
        --a;
        for (std::size_t k = 0; k < streams; ++k) row[k] += axes[a].strides[k];
        if (++counter[a] < axes[a].length) {
          if (a + 1 < counter.size()) {
            for (Panel& panel : panels_) panel.first = -1;  // rows of another outer index
          }
          break;
        }
        for (std::size_t k = 0; k < streams; ++k) row[k] -= axes[a].strides[k] * axes[a].length;
        counter[a] = 0;
        if (a == 0) return;
      }
      if (counter.empty()) return;
    }
  }

 private:
  // A load that reads across its input's rows (a transposed block) would touch one cache line
  // per element. Instead, up to 256 rows of the block are gathered at once into a panel (of
  // at most 2 MiB, which stays in cache), and each row's tiles then read the panel
  // contiguously. The gather reads runs of the input's rows as long as the panel is deep, in
  // strips of 16 of them, and writes whole cache lines of the panel.
  struct Panel {
    std::size_t instruction;
    std::size_t stream;
    std::int64_t rows = 0;    // rows a panel holds
    std::int64_t first = -1;  // the index along the outer axis of its first row; -1: none
    std::unique_ptr<std::byte[]> data;
  };

  void plan_panels(const std::vector<Axis>& axes) {
    panels_.clear();
    if (axes.size() < 2) return;
    const Axis& inner = axes.back();
    const Axis& outer = axes[axes.size() - 2];
    for (std::size_t i = 0; i < program_.code.size(); ++i) {
      const Instruction& in = program_.code[i];
      if (in.op != ExprOp::load) continue;
      const auto k = static_cast<std::size_t>(stream_of_[i]);
      const std::int64_t across = std::abs(inner.strides[k]);
      const std::int64_t along = std::abs(outer.strides[k]);
      if (across <= 1 || along == 0 || along >= across) continue;
      const std::int64_t bytes_per_row =
          inner.length * static_cast<std::int64_t>(itemsize(in.dtype));
      const std::int64_t rows = std::min<std::int64_t>(
          {256, outer.length, (2 << 20) / std::max<std::int64_t>(bytes_per_row, 1)});
      if (rows < 4) continue;
      panels_.push_back(Panel{i, k, rows, -1,
                              std::unique_ptr<std::byte[]>(
                                  new std::byte[static_cast<std::size_t>(rows * bytes_per_row)])});
    }
    panel_row_.assign(program_.code.size(), nullptr);
  }

  // to[r * length + c] = from[c * across + r * along] for r < rows, c < length.
  template <class T>
  static void gather(const T* from, std::int64_t across, std::int64_t along, T* to,
                     std::int64_t rows, std::int64_t length) {
    constexpr std::int64_t square = 16;
    std::int64_t c0 = 0;
    if constexpr (sizeof(T) == 8) {
      // Elements 8 bytes wide, read along the input's rows: squares of 2 x 2 moved as two
      // 16-byte vectors (the baseline SSE2 of x86-64; GCC's generic vectors elsewhere).
      using Pair = std::uint64_t __attribute__((vector_size(16)));
      if (along == 1) {
        for (; c0 + 2 <= length; c0 += square) {
          const std::int64_t c1 = std::min(length, c0 + square) & ~std::int64_t{1};
          for (std::int64_t r = 0; r + 2 <= rows; r += 2) {
            // The next strip's rows, a cache line of each as this strip reaches it: the
            // hardware does not see so many streams coming (about 25 % faster here).
            if (r % 8 == 0 && c1 + square <= length) {
              for (std::int64_t c = c1; c < c1 + square; ++c) {
                __builtin_prefetch(from + c * across + r + 8);
              }
            }
            for (std::int64_t c = c0; c < c1; c += 2) {
              Pair a, b;
              std::memcpy(&a, from + c * across + r, sizeof a);
              std::memcpy(&b, from + (c + 1) * across + r, sizeof b);
              const Pair first = __builtin_shufflevector(a, b, 0, 2);
              const Pair second = __builtin_shufflevector(a, b, 1, 3);
              std::memcpy(to + r * length + c, &first, sizeof first);
              std::memcpy(to + (r + 1) * length + c, &second, sizeof second);
            }
          }
          if (rows % 2) {
            for (std::int64_t c = c0; c < c1; ++c) {
              to[(rows - 1) * length + c] = from[c * across + rows - 1];
            }
          }
          if (c1 < c0 + square) {  // an odd length: its last column in the scalar loops below
            c0 = c1;
            break;
          }
        }
      }
    }
    for (; c0 < length; c0 += square) {
      const std::int64_t c1 = std::min(length, c0 + square);
      for (std::int64_t r0 = 0; r0 < rows; r0 += square) {
        const std::int64_t r1 = std::min(rows, r0 + square);
        for (std::int64_t c = c0; c < c1; ++c) {
          const T* column = from + c * across;
          for (std::int64_t r = r0; r < r1; ++r) to[r * length + c] = column[r * along];
        }
      }
    }
  }

  // Whether each tile is a pointer into the one input (a program of one load that reads its
  // rows contiguously) and the next row's tiles have the same extra streams (the rows of a
  // reduction along the outer axis): then tiles of several rows can go to the sink together.
  bool tiles_point_into_input(const std::vector<Axis>& axes, std::size_t own_streams) const {
    if (axes.size() < 2 || program_.code.size() != 1 || program_.code[0].op != ExprOp::load ||
        !panels_.empty()) {
      return false;
    }
    const Axis& outer = axes[axes.size() - 2];
    if (axes.back().strides[static_cast<std::size_t>(stream_of_[0])] != 1) return false;
    for (std::size_t k = own_streams; k < outer.strides.size(); ++k) {
      if (outer.strides[k] != 0) return false;
    }
    return true;
  }

  // Points each panel load at the current row, gathering the next rows when needed.
  void fill_panels(const std::vector<Axis>& axes, std::int64_t outer_index,
                   const std::vector<std::int64_t>& row) {
    const Axis& inner = axes.back();
    const Axis& outer = axes[axes.size() - 2];
    for (Panel& panel : panels_) {
      const Instruction& in = program_.code[panel.instruction];
      const auto size = static_cast<std::int64_t>(itemsize(in.dtype));
      if (panel.first < 0 || outer_index < panel.first || outer_index >= panel.first + panel.rows) {
        panel.first = outer_index;
        const std::int64_t rows = std::min(panel.rows, outer.length - outer_index);
        const std::byte* source = inputs_[static_cast<std::size_t>(in.leaf)].data.data();
        const std::int64_t base = row[panel.stream] - origin(in.leaf);
        const std::int64_t across = inner.strides[panel.stream];
        const std::int64_t along = outer.strides[panel.stream];
        with_type(in.dtype, [&](auto tag) {
          using T = typename decltype(tag)::type;
          gather(reinterpret_cast<const T*>(source) + base, across, along,
                 reinterpret_cast<T*>(panel.data.get()), rows, inner.length);
        });
      }
      panel_row_[panel.instruction] =
          panel.data.get() + (outer_index - panel.first) * inner.length * size;
    }
  }

  // A chain of float adds and subtracts, each link the left operand of the next and read
  // nowhere else, whose terms may be multiplied by constants (a stencil's weighted
  // neighbours), runs as one weighted sum per tile (loops::linear) instead of a pass per
  // operation through scratch tiles; the links and products inside it are not computed.
  struct Term {
    std::int32_t slot;  // the instruction whose values it reads
    double weight;      // exactly the constant (of the program's type), or +-1
  };
  struct WeightedSum {
    std::int32_t first = 0, count = 0;  // in terms_; count 0: not one
  };

  bool is_link(const Instruction& in) const {
    const auto op = static_cast<Binary>(in.code);
    return in.op == ExprOp::binary && (op == Binary::add || op == Binary::subtract) &&
           in.from == in.dtype && (in.dtype == DType::float32 || in.dtype == DType::float64);
  }

  void plan_weighted_sums() {
    const auto& code = program_.code;
    std::vector<std::int32_t> uses(code.size(), 0);
    for (const Instruction& in : code) {
      for (const std::int32_t k : {in.a, in.b, in.c}) {
        if (k >= 0 && static_cast<std::size_t>(k) < code.size())
          ++uses[static_cast<std::size_t>(k)];
      }
    }
    sums_.assign(code.size(), WeightedSum{});
    skipped_.assign(code.size(), false);
    terms_.clear();
    std::vector<std::vector<Term>> chains(code.size());
    bool any = false;
    for (std::size_t i = 0; i < code.size(); ++i) {
      const Instruction& in = code[i];
      if (!is_link(in)) continue;
      const auto a = static_cast<std::size_t>(in.a);
      std::vector<Term>& chain = chains[i];
      bool fused = false;  // whether it takes in a link or a product
      if (is_link(code[a]) && uses[a] == 1 && code[a].dtype == in.dtype &&
          chains[a].size() < static_cast<std::size_t>(loops::max_linear_terms)) {
        chain = std::move(chains[a]);
        skipped_[a] = true;
        fused = true;
      } else {
        chain.push_back(term(in.a, 1, uses, fused));
      }
      const double sign = static_cast<Binary>(in.code) == Binary::subtract ? -1 : 1;
      chain.push_back(term(in.b, sign, uses, fused));
      if (!fused) continue;  // a plain a + b
      any = true;
      sums_[i].count = static_cast<std::int32_t>(chain.size());  // its terms placed below
    }
    if (!any) return;
    for (std::size_t i = 0; i < code.size(); ++i) {
      if (sums_[i].count == 0 || skipped_[i]) {
        sums_[i] = WeightedSum{};
        continue;
      }
      sums_[i].first = static_cast<std::int32_t>(terms_.size());
      terms_.insert(terms_.end(), chains[i].begin(), chains[i].end());
    }
  }

  // Operand `k` of a link as a term: the factor of a product with a constant that is read
  // nowhere else (the product is then not computed), else itself.
  Term term(std::int32_t k, double sign, const std::vector<std::int32_t>& uses, bool& fused) {
    const auto& code = program_.code;
    const Instruction& in = code[static_cast<std::size_t>(k)];
    if (in.op == ExprOp::binary && static_cast<Binary>(in.code) == Binary::multiply &&
        in.from == in.dtype && uses[static_cast<std::size_t>(k)] == 1 &&
        is_constant(in.a) != is_constant(in.b)) {
      const std::int32_t constant = is_constant(in.a) ? in.a : in.b;
      const Scalar& c =
          program_
              .constants[static_cast<std::size_t>(code[static_cast<std::size_t>(constant)].leaf)];
      const double weight = in.dtype == DType::float32 ? static_cast<double>(scalar_as<float>(c))
                                                       : scalar_as<double>(c);
      skipped_[static_cast<std::size_t>(k)] = true;
      fused = true;
      return Term{constant == in.a ? in.b : in.a, sign * weight};
    }
    return Term{k, sign};
  }

  void weighted_sum(std::size_t i, const Instruction& in, std::int64_t n) {
    const WeightedSum& sum = sums_[i];
    with_type(in.dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (is_float_v<T>) {
        const T* x[loops::max_linear_terms];
        T w[loops::max_linear_terms];
        for (std::int32_t t = 0; t < sum.count; ++t) {
          const Term& term = terms_[static_cast<std::size_t>(sum.first + t)];
          x[t] = static_cast<const T*>(slots_[static_cast<std::size_t>(term.slot)]);
          w[t] = static_cast<T>(term.weight);
        }
        loops::linear(x, w, sum.count, static_cast<T*>(scratch(i)), n);
      }
    });
    slots_[i] = scratch(i);
  }

  void* scratch(std::size_t i) {
    return scratch_.data() + i * static_cast<std::size_t>(tile_size) * 8;
  }

  void fill_constant(std::size_t i) {
    const Instruction& in = program_.code[i];
    const Scalar& s = program_.constants[static_cast<std::size_t>(in.leaf)];
    with_type(in.dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T value = scalar_as<T>(s);
      T* out = static_cast<T*>(scratch(i));
      std::fill(out, out + tile_size, value);
    });
    slots_[i] = scratch(i);
  }

  const void* compute_tile(std::int64_t n, const std::int64_t* bases, const std::int64_t* steps) {
    for (std::size_t i = 0; i < program_.code.size(); ++i) {
      const Instruction& in = program_.code[i];
      switch (in.op) {
        case ExprOp::constant:
          break;
        case ExprOp::load:
          load(i, in, n, bases[stream_of_[i]], steps[stream_of_[i]]);
          break;
        case ExprOp::generate:
          generate(i, in, n, bases[stream_of_[i]], steps[stream_of_[i]]);
          break;
        case ExprOp::unary:
          unary(i, in, n);
          break;
        case ExprOp::binary:
          if (sums_[i].count > 0) {
            weighted_sum(i, in, n);
          } else if (!skipped_[i]) {
            binary(i, in, n);
          }
          break;
        case ExprOp::where:
          where(i, in, n);
          break;
        case ExprOp::cast:
          cast(i, in, n);
          break;
      }
    }
    return slots_.back();
  }

  void load(std::size_t i, const Instruction& in, std::int64_t n, std::int64_t base,
            std::int64_t step) {
    const Block& input = inputs_[static_cast<std::size_t>(in.leaf)];
    const std::size_t size = itemsize(in.dtype);
    if (!panels_.empty() && panel_row_[i]) {
      slots_[i] = panel_row_[i] + tile_offset_ * static_cast<std::int64_t>(size);
      return;
    }
    const std::byte* first =
        input.data.data() + (base - origin(in.leaf)) * static_cast<std::int64_t>(size);
    if (step == 1) {
      slots_[i] = first;
      return;
    }
    with_type(in.dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* source = reinterpret_cast<const T*>(first);
      T* out = static_cast<T*>(scratch(i));
      if (step == 0) {
        std::fill(out, out + n, source[0]);
      } else {
        for (std::int64_t j = 0; j < n; ++j) out[j] = source[j * step];
      }
    });
    slots_[i] = scratch(i);
  }

  void generate(std::size_t i, const Instruction& in, std::int64_t n, std::int64_t base,
                std::int64_t step) {
    const GeneratorSpec& g = program_.generators[static_cast<std::size_t>(in.leaf)];
    with_type(in.dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      T* out = static_cast<T*>(scratch(i));
      for (std::int64_t j = 0; j < n; ++j) {
        const std::int64_t index = base + j * step;
        double value;
        if (g.kind == GeneratorKind::iota) {
          value = index == g.last_index ? g.last : g.a + static_cast<double>(index) * g.b;
        } else if (g.distribution == Distribution::uniform) {
          value = random_uniform(static_cast<std::uint64_t>(index), g.seed, g.a, g.b);
          if constexpr (std::is_same_v<T, float>) {  // rounding up to high is not in [low, high)
            if (static_cast<T>(value) >= static_cast<T>(g.b))
              value = std::nextafter(static_cast<T>(g.b), static_cast<T>(g.a));
          }
        } else if (g.distribution == Distribution::normal) {
          value = random_normal(static_cast<std::uint64_t>(index), g.seed, g.a, g.b);
        } else {
          out[j] = static_cast<T>(
              random_integer(static_cast<std::uint64_t>(index), g.seed, g.low, g.high));
          continue;
        }
        out[j] = convert<T>(value);
      }
    });
    slots_[i] = scratch(i);
  }

  void unary(std::size_t i, const Instruction& in, std::int64_t n) {
    const auto op = static_cast<Unary>(in.code);
    const void* a = slots_[static_cast<std::size_t>(in.a)];
    with_type(in.from, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* x = static_cast<const T*>(a);
      if (is_predicate(op)) {
        bool* out = static_cast<bool*>(scratch(i));
        for (std::int64_t j = 0; j < n; ++j) out[j] = unary_predicate(op, x[j]);
      } else {
        T* out = static_cast<T*>(scratch(i));
        unary_loop(op, x, out, n);
      }
    });
    slots_[i] = scratch(i);
  }

  template <class T>
  static void unary_loop(Unary op, const T* x, T* out, std::int64_t n) {
    // The common cases in vectorized loops.
    if constexpr (is_float_v<T>) {
      if (loops::unary(op, x, out, n)) return;
    }
    for (std::int64_t j = 0; j < n; ++j) out[j] = unary_value(op, x[j]);
  }

  void binary(std::size_t i, const Instruction& in, std::int64_t n) {
    const auto op = static_cast<Binary>(in.code);
    const void* a = slots_[static_cast<std::size_t>(in.a)];
    const void* b = slots_[static_cast<std::size_t>(in.b)];
    with_type(in.from, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* x = static_cast<const T*>(a);
      const T* y = static_cast<const T*>(b);
      if (is_predicate(op)) {
        bool* out = static_cast<bool*>(scratch(i));
        for (std::int64_t j = 0; j < n; ++j) out[j] = predicate_value(op, x[j], y[j]);
      } else {
        binary_loop(op, x, is_constant(in.a), y, is_constant(in.b), static_cast<T*>(scratch(i)), n);
      }
    });
    slots_[i] = scratch(i);
  }

  bool is_constant(std::int32_t k) const {
    return program_.code[static_cast<std::size_t>(k)].op == ExprOp::constant;
  }

  template <class T>
  static void binary_loop(Binary op, const T* x, bool x_constant, const T* y, bool y_constant,
                          T* out, std::int64_t n) {
    // The arithmetic of floats in vectorized loops.
    if constexpr (is_float_v<T>) {
      if (loops::arithmetic(op, x, x_constant, y, y_constant, out, n)) return;
    }
    bool error = false;
    for (std::int64_t j = 0; j < n; ++j) out[j] = binary_value(op, x[j], y[j], error);
    if (error) throw ArrayError("power: integers to negative integer powers are not allowed");
  }

  void where(std::size_t i, const Instruction& in, std::int64_t n) {
    const bool* c = static_cast<const bool*>(slots_[static_cast<std::size_t>(in.a)]);
    const void* a = slots_[static_cast<std::size_t>(in.b)];
    const void* b = slots_[static_cast<std::size_t>(in.c)];
    with_type(in.dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* x = static_cast<const T*>(a);
      const T* y = static_cast<const T*>(b);
      T* out = static_cast<T*>(scratch(i));
      for (std::int64_t j = 0; j < n; ++j) out[j] = c[j] ? x[j] : y[j];
    });
    slots_[i] = scratch(i);
  }

  void cast(std::size_t i, const Instruction& in, std::int64_t n) {
    const void* a = slots_[static_cast<std::size_t>(in.a)];
    with_type(in.from, [&](auto from_tag) {
      using F = typename decltype(from_tag)::type;
      with_type(in.dtype, [&](auto to_tag) {
        using T = typename decltype(to_tag)::type;
        const F* x = static_cast<const F*>(a);
        T* out = static_cast<T*>(scratch(i));
        for (std::int64_t j = 0; j < n; ++j) out[j] = convert<T>(x[j]);
      });
    });
    slots_[i] = scratch(i);
  }

  std::int64_t origin(std::int32_t input) const {
    return origins_.empty() ? 0 : origins_[static_cast<std::size_t>(input)];
  }

  const Program& program_;
  std::span<const Block> inputs_;
  std::span<const std::int64_t> origins_;
  std::vector<const void*> slots_;
  std::vector<WeightedSum> sums_;  // per instruction
  std::vector<Term> terms_;
  std::vector<bool> skipped_;  // per instruction: computed within a weighted sum
  std::vector<std::int32_t> stream_of_;
  std::vector<Panel> panels_;
  std::vector<const std::byte*> panel_row_;  // per instruction: its current panel row, or null
  std::int64_t tile_offset_ = 0;
  // The tiles of the instructions: this thread's, reused from one block to the next (a task
  // of a few thousand elements would otherwise spend much of its time allocating them).
  static std::span<std::byte> thread_scratch(std::size_t bytes) {
    thread_local std::vector<std::byte> scratch;
    if (scratch.size() < bytes) scratch.resize(bytes);
    return {scratch.data(), bytes};
  }
  std::span<std::byte> scratch_;
};

class BlockWriter final : public TileSink {
 public:
  explicit BlockWriter(Block& block) : out_(block.data.data()), size_(itemsize(block.dtype)) {}
  void tile(const void* values, std::int64_t count, const std::int64_t*,
            const std::int64_t*) override {
    const auto bytes = static_cast<std::size_t>(count) * size_;
    std::memcpy(out_, values, bytes);
    out_ += bytes;
  }

 private:
  std::byte* out_;
  std::size_t size_;
};

}  // namespace

std::vector<std::int64_t> c_strides(const Shape& shape) {
  std::vector<std::int64_t> strides(shape.size(), 1);
  for (std::size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  return strides;
}

Shape block_shape(const Program& program, std::int64_t block, std::span<const Block> inputs) {
  Shape shape = program.grid.block_shape(program.grid.block_index(block));
  for (std::size_t d = 0; d < shape.size(); ++d) {
    for (const Instruction& in : program.code) {
      if (shape[d] >= 0) break;
      if (in.op != ExprOp::load || in.halo >= 0 || in.view >= 0 || in.leaf < 0 ||
          in.leaf >= static_cast<std::int32_t>(inputs.size()) || in.map < 0 ||
          static_cast<std::size_t>(in.map) + shape.size() > program.axis_maps.size()) {
        continue;
      }
      const Block& input = inputs[static_cast<std::size_t>(in.leaf)];
      const std::int32_t p = program.axis_maps[static_cast<std::size_t>(in.map) + d];
      if (p >= 0 && static_cast<std::size_t>(p) < input.shape.size()) {
        shape[d] = input.shape[static_cast<std::size_t>(p)];
      }
    }
    if (shape[d] < 0) bad_program("a block of unknown length along axis " + std::to_string(d));
  }
  return shape;
}

void evaluate(const Program& program, std::int64_t block, std::span<const Block> inputs,
              std::span<const Stream> extra, TileSink& sink) {
  validate(program, inputs);
  if (block < 0 || block >= program.grid.blocks()) {
    bad_program("block " + std::to_string(block) + " of a grid of " +
                std::to_string(program.grid.blocks()));
  }
  Evaluator(program, inputs).run(block, extra, sink);
}

void evaluate_in_windows(const Program& program, std::int64_t block, std::vector<Block>& inputs,
                         RowWindows& windows, std::span<const Stream> extra, TileSink& sink) {
  validate(program, inputs);
  if (block < 0 || block >= program.grid.blocks()) {
    bad_program("block " + std::to_string(block) + " of a grid of " +
                std::to_string(program.grid.blocks()));
  }
  const Shape shape = block_shape(program, block, inputs);
  std::vector<std::int64_t> origins(inputs.size(), 0);
  Evaluator evaluator(program, inputs);
  evaluator.set_origins(origins);
  const std::int64_t rows = shape.empty() ? 1 : shape[0];
  const std::int64_t step = std::max<std::int64_t>(1, windows.rows());
  for (std::int64_t first = 0, count = 0; first < rows; first += count) {
    count = std::min(step, rows - first);
    windows.fill(first, count, inputs, origins);
    if (shape.empty()) {
      evaluator.run(block, extra, sink);
    } else {
      evaluator.run(block, extra, sink, first, count);
    }
  }
}

Block evaluate_block(const Program& program, std::int64_t block, std::span<const Block> inputs) {
  if (block < 0 || block >= program.grid.blocks()) {
    bad_program("block " + std::to_string(block) + " of a grid of " +
                std::to_string(program.grid.blocks()));
  }
  Block out = Block::allocate(program.dtype, block_shape(program, block, inputs));
  BlockWriter writer(out);
  evaluate(program, block, inputs, {}, writer);
  return out;
}

}  // namespace tessera::detail::array
