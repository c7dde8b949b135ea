#pragma once
// Copies between boxes of C-order arrays: the inner chunks of a shard, a chunk cut at an edge,
// the part of a block in a file's chunk.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tessera::io::detail {

/// Copies the box of `extent` at `from` in `source` (C order, shape `source_shape`) to the box
/// at `to` in `target` (shape `target_shape`); elements of `itemsize` bytes.
void copy_box(const std::byte* source, const std::vector<std::int64_t>& source_shape,
              const std::vector<std::int64_t>& from, std::byte* target,
              const std::vector<std::int64_t>& target_shape, const std::vector<std::int64_t>& to,
              const std::vector<std::int64_t>& extent, std::size_t itemsize);

}  // namespace tessera::io::detail
