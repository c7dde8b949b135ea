#pragma once
// Rectangular pieces of blocks: the tasks that cut a piece out of a block (with steps, for
// slicing) and that assemble a block from pieces. Slicing, rechunking, reshaping, masks and
// joins lower to these; a piece that is a whole block shares its memory instead of copying.

#include <cstdint>
#include <vector>

#include "lowering.hpp"

namespace tessera::detail::array {

/// The elements of `in` from `start`, every `step`, `count` of them along each axis, as a
/// block of `shape` (the counts with axes of length 1 dropped or added).
Block cut_task(const Block& in, const Shape& start, const Shape& step, const Shape& count,
               const Shape& shape);
/// A block of `dtype` and `shape` made of `pieces`, piece k placed at offsets[k * ndim ...].
Block assemble_task(const DType& dtype, const Shape& shape,
                    const std::vector<std::int64_t>& offsets, const std::vector<Block>& pieces);

/// The node of a cut of block `input` (whose shape is `in_shape`): `input` itself when the
/// cut takes all of it unchanged.
NodePtr cut_node(Key key, NodePtr input, const Shape& in_shape, Shape start, Shape step,
                 Shape count, Shape shape);
/// The node of a block assembled from pieces; the piece itself when there is one of the
/// block's shape.
NodePtr assemble_node(Key key, DType dtype, Shape shape, std::vector<std::int64_t> offsets,
                      const std::vector<NodePtr>& pieces, const std::vector<Shape>& piece_shapes);

/// Copies the region of `src` (from `start`, every `step`, `count` along each axis) into
/// `dst` at `offset`; elements are `size` bytes.
void copy_region(std::byte* dst, const Shape& dst_shape, const Shape& offset, const std::byte* src,
                 const Shape& src_shape, const Shape& start, const Shape& step, const Shape& count,
                 std::size_t size);

}  // namespace tessera::detail::array
