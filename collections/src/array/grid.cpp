#include "grid.hpp"

#include <algorithm>
#include <string>

#include "tessera/array/errors.hpp"

namespace tessera::detail::array {

ChunkGrid::ChunkGrid(const Chunks& chunks, const char* operation) {
  axes_.reserve(chunks.size());
  for (std::size_t a = 0; a < chunks.size(); ++a) {
    const auto& lengths = chunks[a];
    Axis axis;
    axis.count = std::max<std::int64_t>(1, static_cast<std::int64_t>(lengths.size()));
    bool unknown = false;
    for (std::int64_t n : lengths) {
      if (n < -1) {
        throw ArrayError(std::string(operation) + ": chunks " + to_string(chunks) +
                         " have a negative length along axis " + std::to_string(a));
      }
      unknown = unknown || n < 0;
      axis.extent += n;
    }
    if (unknown) {
      axis.extent = -1;
      axis.unknown = lengths;
      axes_.push_back(std::move(axis));
      continue;
    }
    bool regular = !lengths.empty() && lengths.front() > 0;
    for (std::size_t i = 0; regular && i + 1 < lengths.size(); ++i) {
      regular = lengths[i] == lengths.front();
    }
    if (regular && lengths.back() <= lengths.front()) {
      axis.regular = lengths.front();
    } else {
      axis.starts.assign(1, 0);
      for (std::int64_t n : lengths) axis.starts.push_back(axis.starts.back() + n);
      if (lengths.empty()) axis.starts.push_back(0);
    }
    axes_.push_back(std::move(axis));
  }
}

std::int64_t ChunkGrid::length(std::size_t axis, std::int64_t i) const noexcept {
  const Axis& a = axes_[axis];
  if (a.regular) return std::min(a.regular, a.extent - i * a.regular);
  if (a.extent < 0) return a.unknown[static_cast<std::size_t>(i)];
  return a.starts[static_cast<std::size_t>(i) + 1] - a.starts[static_cast<std::size_t>(i)];
}

std::int64_t ChunkGrid::start(std::size_t axis, std::int64_t i) const noexcept {
  const Axis& a = axes_[axis];
  if (a.extent < 0) return -1;
  return a.regular ? i * a.regular : a.starts[static_cast<std::size_t>(i)];
}

bool ChunkGrid::known() const noexcept {
  for (const Axis& a : axes_) {
    if (a.extent < 0) return false;
  }
  return true;
}

std::int64_t ChunkGrid::block_of(std::size_t axis, std::int64_t e) const noexcept {
  const Axis& a = axes_[axis];
  if (a.regular) return e / a.regular;
  auto it = std::upper_bound(a.starts.begin(), a.starts.end() - 1, e);
  // Skip empty blocks: the block of e is the last whose start is <= e.
  return static_cast<std::int64_t>(it - a.starts.begin()) - 1;
}

std::int64_t ChunkGrid::blocks() const noexcept {
  std::int64_t n = 1;
  for (const Axis& a : axes_) n *= a.count;
  return n;
}

Shape ChunkGrid::numblocks() const {
  Shape n;
  for (const Axis& a : axes_) n.push_back(a.count);
  return n;
}

Shape ChunkGrid::shape() const {
  Shape s;
  for (const Axis& a : axes_) s.push_back(a.extent);
  return s;
}

std::vector<std::int64_t> ChunkGrid::lengths(std::size_t axis) const {
  std::vector<std::int64_t> all;
  all.reserve(static_cast<std::size_t>(axes_[axis].count));
  for (std::int64_t i = 0; i < axes_[axis].count; ++i) all.push_back(length(axis, i));
  return all;
}

Chunks ChunkGrid::chunks() const {
  Chunks all;
  for (std::size_t a = 0; a < axes_.size(); ++a) all.push_back(lengths(a));
  return all;
}

Shape ChunkGrid::block_index(std::int64_t linear) const {
  Shape index(axes_.size());
  for (std::size_t a = axes_.size(); a-- > 0;) {
    index[a] = linear % axes_[a].count;
    linear /= axes_[a].count;
  }
  return index;
}

std::int64_t ChunkGrid::linear(const Shape& index) const noexcept {
  std::int64_t flat = 0;
  for (std::size_t a = 0; a < axes_.size(); ++a) flat = flat * axes_[a].count + index[a];
  return flat;
}

Shape ChunkGrid::block_shape(const Shape& index) const {
  Shape s(axes_.size());
  for (std::size_t a = 0; a < axes_.size(); ++a) s[a] = length(a, index[a]);
  return s;
}

Shape ChunkGrid::block_start(const Shape& index) const {
  Shape s(axes_.size());
  for (std::size_t a = 0; a < axes_.size(); ++a) s[a] = start(a, index[a]);
  return s;
}

bool ChunkGrid::same_axis(std::size_t axis, const ChunkGrid& other,
                          std::size_t other_axis) const noexcept {
  const Axis& a = axes_[axis];
  const Axis& b = other.axes_[other_axis];
  if (a.extent != b.extent || a.count != b.count) return false;
  if (a.extent < 0) return a.unknown == b.unknown;
  if (a.regular && b.regular) return a.regular == b.regular || a.count == 1;
  for (std::int64_t i = 0; i < a.count; ++i) {
    if (length(axis, i) != other.length(other_axis, i)) return false;
  }
  return true;
}

}  // namespace tessera::detail::array

namespace tessera::detail {

array::ChunkGrid StdCodec<array::ChunkGrid>::read(Reader& in) {
  const std::size_t at = in.offset();
  const auto ndim = in.scalar<std::uint64_t>("the dimensions of a chunk grid");
  if (ndim > 64) in.fail(at, "a chunk grid of " + std::to_string(ndim) + " dimensions");
  std::vector<array::ChunkGrid::Axis> axes(ndim);
  for (auto& axis : axes) {
    axis.extent = in.scalar<std::int64_t>("an axis extent");
    axis.count = in.scalar<std::int64_t>("a block count");
    axis.regular = in.scalar<std::int64_t>("a block length");
    axis.starts = Codec<std::vector<std::int64_t>>::read(in);
    axis.unknown = Codec<std::vector<std::int64_t>>::read(in);
    if (axis.extent == -1) {
      const bool consistent =
          axis.count >= 1 && axis.regular == 0 && axis.starts.empty() &&
          axis.unknown.size() == static_cast<std::size_t>(axis.count) &&
          std::all_of(axis.unknown.begin(), axis.unknown.end(), [](auto n) { return n >= -1; }) &&
          std::any_of(axis.unknown.begin(), axis.unknown.end(), [](auto n) { return n == -1; });
      if (!consistent) in.fail(at, "an inconsistent chunk grid");
      continue;
    }
    // Blocks of `regular` elements but the last, which is shorter (perhaps empty): (count - 1)
    // * regular <= extent <= count * regular, written without products that could overflow.
    const bool regular_fits =
        axis.regular > 0 && axis.count >= 1 && axis.extent >= 0 &&
        (axis.count - 1 == axis.extent / axis.regular ||
         (axis.count == axis.extent / axis.regular && axis.extent % axis.regular == 0));
    const bool consistent =
        axis.unknown.empty() && axis.extent >= 0 && axis.count >= 1 && axis.regular >= 0 &&
        (axis.regular ? axis.starts.empty() && regular_fits
                      : axis.starts.size() == static_cast<std::size_t>(axis.count) + 1 &&
                            axis.starts.front() == 0 && axis.starts.back() == axis.extent &&
                            std::is_sorted(axis.starts.begin(), axis.starts.end()));
    if (!consistent) in.fail(at, "an inconsistent chunk grid");
  }
  // The numbers of blocks and of elements must fit an int64 (block and element indices).
  std::int64_t blocks = 1, elements = 1;
  for (const auto& axis : axes) {
    if (__builtin_mul_overflow(blocks, axis.count, &blocks) ||
        (axis.extent >= 0 && __builtin_mul_overflow(elements, axis.extent, &elements))) {
      in.fail(at, "a chunk grid of more than 2^63 blocks or elements");
    }
  }
  return array::ChunkGrid(std::move(axes));
}

}  // namespace tessera::detail
