#pragma once
// Copies between boxes of blocks (C order), row by row along the last axis: placing blocks
// and halos into a padded block, cutting halos and trimming them off, concatenating blocks.

#include <cstdint>
#include <vector>

#include "tessera/array/block.hpp"

namespace tessera::detail::array {

/// Copies all of `src` into `dst` with its first element at `at`; the types must agree and
/// the box must fit.
void copy_into(Block& dst, const Shape& at, const Block& src);

/// The box of `shape` starting at `start` in `src`, reversed along each axis whose `flip` is
/// set (an empty `flip`: none).
Block cut_box(const Block& src, const Shape& start, const Shape& shape,
              const std::vector<std::uint8_t>& flip = {});

/// Sets the box of `shape` starting at `at` in `dst` to `value`, converted to its type.
void fill_box(Block& dst, const Shape& at, const Shape& shape, double value);

/// The blocks of a grid of `grid` blocks (C order) joined into one; ArrayError naming
/// `operation` if their lengths do not line up.
Block concatenate_grid(const std::vector<Block>& parts, const Shape& grid, const char* operation);

}  // namespace tessera::detail::array
