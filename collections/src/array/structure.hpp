#pragma once
// What the structure operations (slicing, masks, rechunk, reshape, joins) share.

#include <string>

#include "expr.hpp"

namespace tessera::detail::array {

/// ArrayError naming `operation` if some chunk size of `a` is unknown.
void require_known(const ArrayNode& a, const char* operation);

/// `a` split into the blocks `chunks` gives (fan_in 0: the "array_rechunk_fan_in" setting);
/// `a` itself when it is split so already.
Handle rechunk_to(const Handle& a, const Chunks& chunks, std::int64_t fan_in,
                  const char* operation);

/// `grid` with its unknown lengths taken from the shapes of its blocks (C order); ArrayError
/// naming `operation` if a block does not fit.
ChunkGrid grid_of_blocks(const ChunkGrid& grid, const std::vector<Shape>& shapes,
                         const char* operation);

/// The common refinement of two splittings of one axis: every boundary of either.
std::vector<std::int64_t> common_refinement(const std::vector<std::int64_t>& a,
                                            const std::vector<std::int64_t>& b);

}  // namespace tessera::detail::array
