// from_hdf5: the dataset's metadata is read once, on the client; each block is a task that
// opens the file and reads its hyperslab.

#include <algorithm>
#include <utility>

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

// Blocks of whole chunks of the file: the chunk shape grown, from the first axis on, by whole
// multiples while a block stays within the auto block size.
Shape blocks_of_chunks(const Shape& shape, const Shape& chunk, DType dtype) {
  const auto target = static_cast<std::int64_t>(config::get_bytes("array_chunk_size"));
  Shape block = chunk;
  for (std::size_t d = 0; d < block.size(); ++d) block[d] = std::min(block[d], shape[d]);
  std::int64_t bytes = static_cast<std::int64_t>(itemsize(dtype));
  for (std::int64_t b : block) bytes *= std::max<std::int64_t>(b, 1);
  for (std::size_t d = block.size(); d-- > 0;) {
    while (block[d] < shape[d] && bytes * 2 <= target) {
      const std::int64_t grown = std::min(block[d] * 2, shape[d]);
      bytes = bytes / block[d] * grown;
      block[d] = grown;
    }
  }
  return block;
}

}  // namespace

Reads open(DType dtype, const std::string& file, const std::string& dataset,
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
  Reads reads;
  reads.shape = info.shape;
  reads.chunks = normalize_chunks(spec, info.shape, dtype, "from_hdf5");
  const auto source = delayed_value(Source{file, path});
  const std::string prefix = unique_key("from-hdf5");
  // The grid of blocks in C order: per axis the block index and its start.
  const std::size_t nd = info.shape.size();
  Shape index(nd, 0);
  std::int64_t blocks = 1;
  for (const auto& lengths : reads.chunks) blocks *= static_cast<std::int64_t>(lengths.size());
  for (std::int64_t b = 0; b < blocks; ++b) {
    Shape start(nd, 0);
    Shape shape(nd, 0);
    std::string key = prefix + ",(";
    for (std::size_t d = 0; d < nd; ++d) {
      const auto& lengths = reads.chunks[d];
      for (std::int64_t i = 0; i < index[d]; ++i) start[d] += lengths[static_cast<std::size_t>(i)];
      shape[d] = lengths[static_cast<std::size_t>(index[d])];
      key += (d ? ", " : "") + std::to_string(index[d]);
    }
    key += nd == 1 ? ",)" : ")";
    TaskOptions options;
    options.key = Key(key);
    options.retries = 1;  // I/O errors are retried once, as the engine's other I/O
    reads.blocks.push_back(delayed(read_block, options)(source, dtype, start, shape));
    for (std::size_t d = nd; d-- > 0;) {
      if (++index[d] < static_cast<std::int64_t>(reads.chunks[d].size())) break;
      index[d] = 0;
    }
  }
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
