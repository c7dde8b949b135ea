// from_zarr: the metadata is read once, on the client; each block is a task that opens the
// array in its store (on whichever worker runs it) and reads its box.

#include <utility>

#include "blocks/block_grid.hpp"
#include "tessera/io/zarr.hpp"
#include "tessera/key.hpp"
#include "tessera/task.hpp"

namespace tessera::io {
namespace detail::zarr_io {
namespace {

// The store's directory and the array's path in it, shared by the tasks of one array.
using Source = std::pair<std::string, std::string>;

ZarrArray open_array(const Source& source) {
  return ZarrArray::open(std::make_shared<LocalStore>(source.first), source.second);
}

Block read_block(const Source& source, const DType& dtype, const Shape& start, const Shape& shape) {
  ZarrArray array = open_array(source);
  if (array.dtype() != dtype) {
    throw IoError("zarr: " + array.describe() + ": holds " +
                  std::string(dtype_name(array.dtype())) + " elements now, not " +
                  std::string(dtype_name(dtype)) + " (the array changed after from_zarr)");
  }
  Block block = Block::allocate(dtype, shape);
  array.read(start, shape, std::span(block.data.data(), block.data.size()));
  return block;
}

}  // namespace

BlockReads open(DType dtype, const std::string& store, const std::string& path,
                const ChunkSpec& chunks) {
  const Source source_value{store, path};
  const ZarrArray array = open_array(source_value);
  if (array.dtype() != dtype) {
    throw IoError("zarr: " + array.describe() + ": holds " +
                  std::string(dtype_name(array.dtype())) + " elements, not " +
                  std::string(dtype_name(dtype)) + " (from_zarr<" + std::string(dtype_name(dtype)) +
                  ">)");
  }
  ChunkSpec spec = chunks;
  if (chunks.is_auto() && chunks.auto_bytes() == 0 && !array.shape().empty()) {
    spec = ChunkSpec(blocks_of_chunks(array.shape(), array.chunks(), dtype));
  }
  BlockReads reads;
  reads.shape = array.shape();
  reads.chunks = normalize_chunks(spec, reads.shape, dtype, "from_zarr");
  const auto source = delayed_value(source_value);
  const std::string prefix = unique_key("from-zarr");
  for_each_block(reads.chunks, [&](const Shape& index, const Shape& start, const Shape& shape) {
    TaskOptions options;
    options.key = Key(block_key(prefix, index));
    options.retries = 1;  // I/O errors are retried once, as the engine's other I/O
    reads.blocks.push_back(delayed(read_block, options)(source, dtype, start, shape));
  });
  return reads;
}

}  // namespace detail::zarr_io
}  // namespace tessera::io

TESSERA_TASK_NAMED("tessera.io.zarr.read", tessera::io::detail::zarr_io::read_block);
