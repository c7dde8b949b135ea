#include "block_copy.hpp"

#include <cstring>
#include <string>

#include "dispatch.hpp"
#include "evaluate.hpp"
#include "tessera/array/errors.hpp"

namespace tessera::detail::array {
namespace {

// Calls row(first, n) for each row of a box of `shape`, with `first` the index of its first
// element (the last axis 0); n is the row length.
template <class F>
void for_each_row(const Shape& shape, F&& row) {
  const std::size_t nd = shape.size();
  for (std::int64_t d : shape) {
    if (d == 0) return;
  }
  const std::int64_t n = nd ? shape[nd - 1] : 1;
  Shape at(nd, 0);
  for (;;) {
    row(at, n);
    std::size_t d = nd > 0 ? nd - 1 : 0;
    for (;;) {
      if (d == 0) return;
      --d;
      if (++at[d] < shape[d]) break;
      at[d] = 0;
    }
  }
}

std::int64_t offset_of(const Shape& index, const std::vector<std::int64_t>& strides) {
  std::int64_t offset = 0;
  for (std::size_t d = 0; d < index.size(); ++d) offset += index[d] * strides[d];
  return offset;
}

}  // namespace

void copy_into(Block& dst, const Shape& at, const Block& src) {
  const std::size_t nd = dst.shape.size();
  bool fits = src.dtype == dst.dtype && src.shape.size() == nd && at.size() == nd;
  for (std::size_t d = 0; fits && d < nd; ++d) {
    fits = at[d] >= 0 && at[d] + src.shape[d] <= dst.shape[d];
  }
  if (!fits) {
    throw ArrayError(std::string("a block of ") + dtype_name(src.dtype) + " and shape " +
                     to_string(src.shape) + " does not fit at " + to_string(at) +
                     " in a block of " + dtype_name(dst.dtype) + " and shape " +
                     to_string(dst.shape));
  }
  const auto size = static_cast<std::int64_t>(itemsize(dst.dtype));
  const auto dst_strides = c_strides(dst.shape);
  std::byte* out = dst.data.data();
  const std::byte* in = src.data.data();
  std::int64_t from = 0;
  Shape where(nd);
  for_each_row(src.shape, [&](const Shape& index, std::int64_t n) {
    for (std::size_t d = 0; d < nd; ++d) where[d] = at[d] + index[d];
    std::memcpy(out + offset_of(where, dst_strides) * size, in + from * size,
                static_cast<std::size_t>(n * size));
    from += n;
  });
}

Block cut_box(const Block& src, const Shape& start, const Shape& shape,
              const std::vector<std::uint8_t>& flip) {
  const std::size_t nd = src.shape.size();
  bool fits = start.size() == nd && shape.size() == nd && (flip.empty() || flip.size() == nd);
  for (std::size_t d = 0; fits && d < nd; ++d) {
    fits = start[d] >= 0 && shape[d] >= 0 && start[d] + shape[d] <= src.shape[d];
  }
  if (!fits) {
    throw ArrayError("a box of shape " + to_string(shape) + " at " + to_string(start) +
                     " does not fit in a block of shape " + to_string(src.shape));
  }
  Block out = Block::allocate(src.dtype, shape);
  const auto size = static_cast<std::int64_t>(itemsize(src.dtype));
  const auto src_strides = c_strides(src.shape);
  const bool flip_last = nd > 0 && !flip.empty() && flip[nd - 1];
  std::byte* to = out.data.data();
  const std::byte* in = src.data.data();
  Shape where(nd);
  for_each_row(shape, [&](const Shape& index, std::int64_t n) {
    for (std::size_t d = 0; d < nd; ++d) {
      const bool reversed = !flip.empty() && flip[d];
      where[d] = start[d] + (reversed && d + 1 < nd ? shape[d] - 1 - index[d] : index[d]);
    }
    const std::byte* row = in + offset_of(where, src_strides) * size;
    if (!flip_last) {
      std::memcpy(to, row, static_cast<std::size_t>(n * size));
    } else {
      for (std::int64_t j = 0; j < n; ++j) {
        std::memcpy(to + j * size, row + (n - 1 - j) * size, static_cast<std::size_t>(size));
      }
    }
    to += n * size;
  });
  return out;
}

void fill_box(Block& dst, const Shape& at, const Shape& shape, double value) {
  with_type(dst.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = static_cast<T>(value);
    T* out = reinterpret_cast<T*>(dst.data.data());
    const auto strides = c_strides(dst.shape);
    Shape where(shape.size());
    for_each_row(shape, [&](const Shape& index, std::int64_t n) {
      for (std::size_t d = 0; d < shape.size(); ++d) where[d] = at[d] + index[d];
      std::fill_n(out + offset_of(where, strides), n, v);
    });
  });
}

Block concatenate_grid(const std::vector<Block>& parts, const Shape& grid, const char* operation) {
  std::int64_t count = 1;
  for (std::int64_t g : grid) count *= g;
  if (parts.empty() || static_cast<std::int64_t>(parts.size()) != count) {
    throw ArrayError(std::string(operation) + ": " + std::to_string(parts.size()) +
                     " blocks for a grid of " + to_string(grid));
  }
  if (count == 1) return parts[0];
  const std::size_t nd = grid.size();
  const auto grid_strides = c_strides(grid);
  // The lengths along each axis come from the blocks on the grid's first row along it.
  std::vector<Shape> starts(nd);
  Shape shape(nd);
  for (std::size_t d = 0; d < nd; ++d) {
    starts[d].push_back(0);
    for (std::int64_t i = 0; i < grid[d]; ++i) {
      const Block& b = parts[static_cast<std::size_t>(i * grid_strides[d])];
      if (b.shape.size() != nd) {
        throw ArrayError(std::string(operation) + ": a block of shape " + to_string(b.shape) +
                         " among blocks of " + std::to_string(nd) + " dimensions");
      }
      starts[d].push_back(starts[d].back() + b.shape[d]);
    }
    shape[d] = starts[d].back();
  }
  Block out = Block::allocate(parts[0].dtype, shape);
  Shape at(nd);
  for (std::size_t p = 0; p < parts.size(); ++p) {
    auto rest = static_cast<std::int64_t>(p);
    Shape expected(nd);
    for (std::size_t d = 0; d < nd; ++d) {
      const std::int64_t i = rest / grid_strides[d];
      rest %= grid_strides[d];
      at[d] = starts[d][static_cast<std::size_t>(i)];
      expected[d] = starts[d][static_cast<std::size_t>(i) + 1] - at[d];
    }
    if (parts[p].shape != expected || parts[p].dtype != out.dtype) {
      throw ArrayError(std::string(operation) + ": a block of " + dtype_name(parts[p].dtype) +
                       " and shape " + to_string(parts[p].shape) + " where " +
                       dtype_name(out.dtype) + " and " + to_string(expected) +
                       " line up with its neighbours");
    }
    parts[p].check();
    copy_into(out, at, parts[p]);
  }
  return out;
}

}  // namespace tessera::detail::array
