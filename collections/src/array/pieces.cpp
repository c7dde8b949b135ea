#include "pieces.hpp"

#include <cstring>
#include <string>

#include "evaluate.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/task.hpp"

namespace tessera::detail::array {
namespace {

std::int64_t product(const Shape& shape) {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

template <std::size_t S>
void copy_strided(std::byte* dst, const std::byte* src, std::int64_t n, std::int64_t src_step) {
  for (std::int64_t j = 0; j < n; ++j) std::memcpy(dst + j * S, src + j * src_step * S, S);
}

[[noreturn]] void bad_piece(const std::string& problem) {
  throw ArrayError("array piece task: " + problem);
}

}  // namespace

void copy_region(std::byte* dst, const Shape& dst_shape, const Shape& offset, const std::byte* src,
                 const Shape& src_shape, const Shape& start, const Shape& step, const Shape& count,
                 std::size_t size) {
  const std::size_t nd = count.size();
  if (product(count) == 0) return;
  if (nd == 0) {
    std::memcpy(dst, src, size);
    return;
  }
  const auto dst_strides = c_strides(dst_shape);
  const auto src_strides = c_strides(src_shape);
  const std::size_t inner = nd - 1;
  const std::int64_t n = count[inner];
  const std::int64_t src_inner = step[inner] * src_strides[inner];
  const auto bytes = static_cast<std::int64_t>(size);
  Shape at(inner, 0);
  for (;;) {
    std::int64_t s = start[inner] * src_strides[inner];
    std::int64_t d = offset[inner] * dst_strides[inner];
    for (std::size_t k = 0; k < inner; ++k) {
      s += (start[k] + at[k] * step[k]) * src_strides[k];
      d += (offset[k] + at[k]) * dst_strides[k];
    }
    std::byte* to = dst + d * bytes;
    const std::byte* from = src + s * bytes;
    if (src_inner == 1) {
      std::memcpy(to, from, static_cast<std::size_t>(n) * size);
    } else {
      switch (size) {
        case 1:
          copy_strided<1>(to, from, n, src_inner);
          break;
        case 4:
          copy_strided<4>(to, from, n, src_inner);
          break;
        case 8:
          copy_strided<8>(to, from, n, src_inner);
          break;
        default:
          for (std::int64_t j = 0; j < n; ++j) {
            std::memcpy(to + j * bytes, from + j * src_inner * bytes, size);
          }
      }
    }
    std::size_t k = inner;
    while (k > 0) {
      if (++at[k - 1] < count[k - 1]) break;
      at[k - 1] = 0;
      --k;
    }
    if (k == 0) break;
  }
}

Block cut_task(const Block& in, const Shape& start, const Shape& step, const Shape& count,
               const Shape& shape) {
  in.check();
  const std::size_t nd = in.shape.size();
  if (start.size() != nd || step.size() != nd || count.size() != nd) {
    bad_piece("a cut of " + std::to_string(start.size()) + " axes of a block of shape " +
              to_string(in.shape));
  }
  for (std::size_t d = 0; d < nd; ++d) {
    const std::int64_t last = start[d] + (count[d] - 1) * step[d];
    if (count[d] < 0 || (count[d] > 0 && (start[d] < 0 || start[d] >= in.shape[d] || last < 0 ||
                                          last >= in.shape[d]))) {
      bad_piece("a cut from " + to_string(start) + " by " + to_string(step) + " of " +
                to_string(count) + " elements is outside a block of shape " + to_string(in.shape));
    }
  }
  if (product(shape) != product(count)) {
    bad_piece("a cut of " + to_string(count) + " elements as shape " + to_string(shape));
  }
  bool whole = true;
  for (std::size_t d = 0; d < nd && whole; ++d) {
    whole = count[d] == in.shape[d] && (start[d] == 0 && (step[d] == 1 || count[d] <= 1));
  }
  if (whole) return Block{in.dtype, shape, in.data};
  Block out = Block::allocate(in.dtype, shape);
  copy_region(out.data.data(), count, Shape(nd, 0), in.data.data(), in.shape, start, step, count,
              itemsize(in.dtype));
  return out;
}

Block assemble_task(const DType& dtype, const Shape& shape,
                    const std::vector<std::int64_t>& offsets, const std::vector<Block>& pieces) {
  const std::size_t nd = shape.size();
  if (offsets.size() != pieces.size() * nd) bad_piece("offsets do not match the pieces");
  Block out = Block::allocate(dtype, shape);
  std::int64_t filled = 0;
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    const Block& piece = pieces[k];
    piece.check();
    const Shape offset(offsets.begin() + static_cast<std::ptrdiff_t>(k * nd),
                       offsets.begin() + static_cast<std::ptrdiff_t>((k + 1) * nd));
    bool fits = piece.dtype == dtype && piece.shape.size() == nd;
    for (std::size_t d = 0; d < nd && fits; ++d) {
      fits = offset[d] >= 0 && offset[d] + piece.shape[d] <= shape[d];
    }
    if (!fits) {
      bad_piece("a piece of " + std::string(dtype_name(piece.dtype)) + " and shape " +
                to_string(piece.shape) + " at " + to_string(offset) + " does not fit a block of " +
                dtype_name(dtype) + " and shape " + to_string(shape));
    }
    copy_region(out.data.data(), shape, offset, piece.data.data(), piece.shape, Shape(nd, 0),
                Shape(nd, 1), piece.shape, itemsize(dtype));
    filled += piece.size();
  }
  if (filled != out.size()) {
    bad_piece("pieces of " + std::to_string(filled) + " elements for a block of shape " +
              to_string(shape));
  }
  return out;
}

NodePtr cut_node(Key key, NodePtr input, const Shape& in_shape, Shape start, Shape step,
                 Shape count, Shape shape) {
  bool whole = in_shape == shape;
  for (std::size_t d = 0; d < count.size() && whole; ++d) {
    whole = count[d] == in_shape[d] && start[d] == 0 && (step[d] == 1 || count[d] <= 1);
  }
  if (whole) return input;
  return task_node<&cut_task>(std::move(key), Delayed<Block>(std::move(input)), std::move(start),
                              std::move(step), std::move(count), std::move(shape));
}

NodePtr assemble_node(Key key, DType dtype, Shape shape, std::vector<std::int64_t> offsets,
                      const std::vector<NodePtr>& pieces, const std::vector<Shape>& piece_shapes) {
  if (pieces.size() == 1 && piece_shapes[0] == shape) return pieces[0];
  std::vector<Delayed<Block>> inputs;
  inputs.reserve(pieces.size());
  for (const auto& piece : pieces) inputs.emplace_back(piece);
  return task_node<&assemble_task>(std::move(key), dtype, std::move(shape), std::move(offsets),
                                   std::move(inputs));
}

TESSERA_TASK_NAMED("tessera.array.cut", cut_task);
TESSERA_TASK_NAMED("tessera.array.assemble", assemble_task);

}  // namespace tessera::detail::array
