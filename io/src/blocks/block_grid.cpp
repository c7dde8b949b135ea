#include "blocks/block_grid.hpp"

#include <algorithm>

#include "tessera/config.hpp"

namespace tessera::io::detail {

Shape blocks_of_chunks(const Shape& shape, const Shape& chunk, DType dtype) {
  constexpr std::int64_t cache_sized = std::int64_t{4} << 20;
  const auto target =
      std::min(cache_sized, static_cast<std::int64_t>(config::get_bytes("array_chunk_size")));
  Shape block = chunk;
  for (std::size_t d = 0; d < block.size(); ++d)
    block[d] = std::max<std::int64_t>(1, std::min(block[d], shape[d]));
  std::int64_t bytes = static_cast<std::int64_t>(itemsize(dtype));
  for (std::int64_t b : block) bytes *= b;
  for (std::size_t d = block.size(); d-- > 0;) {
    while (block[d] < shape[d] && bytes * 2 <= target) {
      const std::int64_t grown = std::min(block[d] * 2, shape[d]);
      bytes = bytes / block[d] * grown;
      block[d] = grown;
    }
  }
  return block;
}

std::string block_key(const std::string& prefix, const Shape& index) {
  std::string key = prefix + ",(";
  for (std::size_t d = 0; d < index.size(); ++d) {
    key += (d ? ", " : "") + std::to_string(index[d]);
  }
  key += index.size() == 1 ? ",)" : ")";
  return key;
}

void for_each_block(
    const Chunks& chunks,
    const std::function<void(const Shape& index, const Shape& start, const Shape& shape)>& visit) {
  const std::size_t nd = chunks.size();
  for (const auto& lengths : chunks) {
    if (lengths.empty()) return;
  }
  Shape index(nd, 0), start(nd, 0), shape(nd, 0);
  for (std::size_t d = 0; d < nd; ++d) shape[d] = chunks[d][0];
  while (true) {
    visit(index, start, shape);
    std::size_t d = nd;
    while (d-- > 0) {
      start[d] += shape[d];
      if (++index[d] < static_cast<std::int64_t>(chunks[d].size())) {
        shape[d] = chunks[d][static_cast<std::size_t>(index[d])];
        break;
      }
      index[d] = 0;
      start[d] = 0;
      shape[d] = chunks[d][0];
    }
    if (d == static_cast<std::size_t>(-1)) return;
  }
}

}  // namespace tessera::io::detail
