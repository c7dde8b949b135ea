#include "blocks/copy_box.hpp"

#include <cstring>

namespace tessera::io::detail {

void copy_box(const std::byte* source, const std::vector<std::int64_t>& source_shape,
              const std::vector<std::int64_t>& from, std::byte* target,
              const std::vector<std::int64_t>& target_shape, const std::vector<std::int64_t>& to,
              const std::vector<std::int64_t>& extent, std::size_t itemsize) {
  std::size_t rank = extent.size();
  for (auto length : extent) {
    if (length <= 0) return;
  }
  if (rank == 0) {
    std::memcpy(target, source, itemsize);
    return;
  }
  // Rows along the last axis are contiguous in both arrays.
  std::size_t row = static_cast<std::size_t>(extent[rank - 1]) * itemsize;
  std::vector<std::int64_t> index(rank, 0);
  while (true) {
    std::size_t s = 0, t = 0;
    for (std::size_t axis = 0; axis < rank; ++axis) {
      s = s * static_cast<std::size_t>(source_shape[axis]) +
          static_cast<std::size_t>(from[axis] + index[axis]);
      t = t * static_cast<std::size_t>(target_shape[axis]) +
          static_cast<std::size_t>(to[axis] + index[axis]);
    }
    std::memcpy(target + t * itemsize, source + s * itemsize, row);
    std::size_t axis = rank - 1;
    while (axis-- > 0) {
      if (++index[axis] < extent[axis]) break;
      index[axis] = 0;
    }
    if (axis == static_cast<std::size_t>(-1)) return;
  }
}

}  // namespace tessera::io::detail
