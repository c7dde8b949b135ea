// from_hdf5: the dataset's metadata is read once, on the client; each block is a task that
// opens the file and reads its hyperslab.

#include <algorithm>
#include <utility>

#include "blocks/block_grid.hpp"
#include "h5.hpp"
#include "tessera/config.hpp"
#include "tessera/io/hdf5.hpp"
#include "tessera/key.hpp"
#include "tessera/task.hpp"

namespace tessera::io {
namespace detail::hdf5 {
namespace {

// What a read task reads: the file and dataset, shared by the tasks of one array.
using Source = std::pair<std::string, std::string>;

Block read_block(const Source& source, const DType& dtype, const Shape& start, const Shape& shape) {
  const auto& [file, dataset] = source;
  Block block = Block::allocate(dtype, shape);
  auto held = lock();
  Hid file_id = open_file(file, Mode::read);
  Hid data = open_dataset(file_id, file, dataset);
  Hid space(check(H5Dget_space(data.get()), file, dataset, "cannot read the dataspace"));
  select(space.get(), start, shape);
  std::vector<hsize_t> lengths(shape.begin(), shape.end());
  Hid memory(check(H5Screate_simple(static_cast<int>(lengths.size()), lengths.data(), nullptr),
                   file, dataset, "cannot make a dataspace"));
  if (shape.empty()) memory = Hid(H5Screate(H5S_SCALAR));
  Hid type = memory_type(dtype);
  if (block.size() > 0) {
    check_status(
        H5Dread(data.get(), type.get(), memory.get(), space.get(), H5P_DEFAULT, block.data.data()),
        file, dataset, "cannot read the block at " + to_string(start));
  }
  if (dtype == DType::bool_) {  // any nonzero byte of a foreign file is true
    auto* bytes = reinterpret_cast<std::uint8_t*>(block.data.data());
    for (std::int64_t i = 0; i < block.size(); ++i) bytes[i] = bytes[i] != 0;
  }
  return block;
}

}  // namespace

BlockReads open(DType dtype, const std::string& file, const std::string& dataset,
                const ChunkSpec& chunks) {
  const Hdf5DatasetInfo info = hdf5_info(file, dataset);
  const std::string path = absolute(dataset);
  if (info.dtype != dtype) {
    throw IoError("hdf5: " + file + ": " + path + ": holds " + std::string(dtype_name(info.dtype)) +
                  " elements, not " + std::string(dtype_name(dtype)) + " (from_hdf5<" +
                  std::string(dtype_name(dtype)) + ">)");
  }
  ChunkSpec spec = chunks;
  if (chunks.is_auto() && chunks.auto_bytes() == 0 && !info.chunks.empty()) {
    spec = ChunkSpec(blocks_of_chunks(info.shape, info.chunks, dtype));
  }
  BlockReads reads;
  reads.shape = info.shape;
  reads.chunks = normalize_chunks(spec, info.shape, dtype, "from_hdf5");
  const auto source = delayed_value(Source{file, path});
  const std::string prefix = unique_key("from-hdf5");
  for_each_block(reads.chunks, [&](const Shape& index, const Shape& start, const Shape& shape) {
    TaskOptions options;
    options.key = Key(block_key(prefix, index));
    options.retries = 1;  // I/O errors are retried once, as the engine's other I/O
    reads.blocks.push_back(delayed(read_block, options)(source, dtype, start, shape));
  });
  return reads;
}

}  // namespace detail::hdf5

Hdf5DatasetInfo hdf5_info(const std::string& file, const std::string& dataset) {
  using namespace detail::hdf5;
  auto held = lock();
  Hid file_id = open_file(file, Mode::read);
  Hid data = open_dataset(file_id, file, dataset);
  const std::string path = absolute(dataset);
  Hdf5DatasetInfo info;
  Hid type(check(H5Dget_type(data.get()), file, path, "cannot read the element type"));
  info.dtype = dtype_of_type(type.get(), file, path);
  info.shape = dataset_shape(data.get(), file, path);
  Hid create(check(H5Dget_create_plist(data.get()), file, path, "cannot read the layout"));
  if (H5Pget_layout(create.get()) == H5D_CHUNKED) {
    std::vector<hsize_t> chunk(info.shape.size());
    H5Pget_chunk(create.get(), static_cast<int>(chunk.size()), chunk.data());
    info.chunks.assign(chunk.begin(), chunk.end());
    const int filters = H5Pget_nfilters(create.get());
    for (int f = 0; f < filters; ++f) {
      unsigned flags = 0;
      std::size_t count = 1;
      unsigned values[1] = {0};
      unsigned config = 0;
      if (H5Pget_filter2(create.get(), static_cast<unsigned>(f), &flags, &count, values, 0, nullptr,
                         &config) == H5Z_FILTER_DEFLATE) {
        info.deflate = count > 0 ? static_cast<int>(values[0]) : 1;
      }
    }
  }
  return info;
}

}  // namespace tessera::io

TESSERA_TASK_NAMED("tessera.io.hdf5.read", tessera::io::detail::hdf5::read_block);
