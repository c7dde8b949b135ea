#pragma once
// ChunkGrid: where the blocks of an array lie. Regular axes (every block the same length but
// the last) are kept as two numbers, so that a grid of millions of blocks costs little to
// hold and to send with every task. After a boolean mask some lengths are unknown (-1, Dask's
// nan): such an axis has an unknown extent (-1) and keeps its lengths as they are.

#include <cstdint>
#include <vector>

#include "tessera/array/block.hpp"
#include "tessera/array/shape.hpp"

namespace tessera::detail::array {

class ChunkGrid {
 public:
  ChunkGrid() = default;
  /// ArrayError naming `operation` if a length is negative (-1, unknown, is allowed).
  ChunkGrid(const Chunks& chunks, const char* operation);

  std::size_t ndim() const noexcept { return axes_.size(); }
  std::int64_t count(std::size_t axis) const noexcept { return axes_[axis].count; }
  std::int64_t extent(std::size_t axis) const noexcept { return axes_[axis].extent; }
  /// The length of block i along `axis`; -1 if unknown.
  std::int64_t length(std::size_t axis, std::int64_t i) const noexcept;
  /// Where block i starts along `axis`; -1 if the axis has unknown lengths.
  std::int64_t start(std::size_t axis, std::int64_t i) const noexcept;
  /// Whether every length along `axis` (along every axis) is known.
  bool known(std::size_t axis) const noexcept { return axes_[axis].extent >= 0; }
  bool known() const noexcept;
  /// The block along `axis` that holds element `e` (0 <= e < extent; a known axis).
  std::int64_t block_of(std::size_t axis, std::int64_t e) const noexcept;

  /// Number of blocks in all.
  std::int64_t blocks() const noexcept;
  Shape numblocks() const;
  Shape shape() const;
  Chunks chunks() const;
  std::vector<std::int64_t> lengths(std::size_t axis) const;

  Shape block_index(std::int64_t linear) const;
  std::int64_t linear(const Shape& index) const noexcept;
  Shape block_shape(const Shape& index) const;
  Shape block_start(const Shape& index) const;

  /// Whether `axis` here is split exactly as `other_axis` of `other`.
  bool same_axis(std::size_t axis, const ChunkGrid& other, std::size_t other_axis) const noexcept;

  // The wire form: per axis, extent, regular length (0: irregular), the irregular lengths
  // as offsets, and the lengths of an axis where some are unknown.
  struct Axis {
    std::int64_t extent = 0;  ///< -1 when some length is unknown
    std::int64_t count = 1;
    std::int64_t regular = 0;           ///< every block but the last; 0 when irregular
    std::vector<std::int64_t> starts;   ///< count + 1 offsets, only when irregular and known
    std::vector<std::int64_t> unknown;  ///< count lengths (-1: unknown), only when extent is -1
  };
  const std::vector<Axis>& axes() const noexcept { return axes_; }
  explicit ChunkGrid(std::vector<Axis> axes) : axes_(std::move(axes)) {}

 private:
  std::vector<Axis> axes_;
};

}  // namespace tessera::detail::array

namespace tessera::detail {
template <>
struct StdCodec<array::ChunkGrid> {
  static constexpr bool supported = true;
  static constexpr bool bitwise = false;
  static constexpr std::size_t min_size = 8;
  static void write(Writer& out, const array::ChunkGrid& grid) {
    out.scalar(static_cast<std::uint64_t>(grid.ndim()));
    for (const auto& axis : grid.axes()) {
      out.scalar(axis.extent);
      out.scalar(axis.count);
      out.scalar(axis.regular);
      Codec<std::vector<std::int64_t>>::write(out, axis.starts);
      Codec<std::vector<std::int64_t>>::write(out, axis.unknown);
    }
  }
  static array::ChunkGrid read(Reader& in);
};
}  // namespace tessera::detail
