// to_hdf5: the client creates the dataset under a temporary name with its space allocated
// (so that block tasks on any worker write disjoint bytes and change no metadata); each block
// is a task that writes its bytes where the layout says (raw.hpp); a last task renames the
// dataset and writes its attributes once every block is written. Compressed chunks go through
// HDF5, which changes the chunk index as they are written, so their writes follow one another
// (a chain of tasks).

#include <algorithm>
#include <optional>
#include <tuple>
#include <utility>

#include "attributes.hpp"
#include "blocks/block_grid.hpp"
#include "h5.hpp"
#include "raw.hpp"
#include "tessera/io/hdf5.hpp"
#include "tessera/key.hpp"
#include "tessera/task.hpp"

namespace tessera::io {
namespace detail::hdf5 {
namespace {

// The file and the temporary dataset that the block tasks write.
using Target = std::pair<std::string, std::string>;
// The file, temporary and final dataset names, and whether to replace one of that name.
using Rename = std::tuple<std::string, std::string, std::string, bool>;

std::string partial_name(const std::string& path) { return path + ".tessera-partial"; }

int write_block(const Target& target, const Shape& start, const Block& block) {
  const auto& [file, dataset] = target;
  auto held = lock();
  Hid file_id = open_file(file, Mode::write);
  Hid data = open_dataset(file_id, file, dataset);
  Hid space(check(H5Dget_space(data.get()), file, dataset, "cannot read the dataspace"));
  select(space.get(), start, block.shape);
  std::vector<hsize_t> lengths(block.shape.begin(), block.shape.end());
  Hid memory(block.shape.empty()
                 ? H5Screate(H5S_SCALAR)
                 : H5Screate_simple(static_cast<int>(lengths.size()), lengths.data(), nullptr));
  Hid type = memory_type(block.dtype);
  const std::string what = "cannot write the block at " + to_string(start);
  if (block.size() > 0) {
    check_status(
        H5Dwrite(data.get(), type.get(), memory.get(), space.get(), H5P_DEFAULT, block.data.data()),
        file, dataset, what);
  }
  data.close();
  if (!file_id.close()) fail(file, dataset, what + " (closing the file failed)");
  return 0;
}

int write_block_after(const Target& target, const Shape& start, const Block& block,
                      const int& previous) {
  return write_block(target, start, block) + previous;
}

void finish(const Rename& rename, const Hdf5Attributes& attributes,
            const std::vector<int>& written) {
  (void)written;
  const auto& [file, partial, final_path, overwrite] = rename;
  auto held = lock();
  Hid file_id = open_file(file, Mode::write);
  if (H5Lexists(file_id.get(), final_path.c_str(), H5P_DEFAULT) > 0) {
    if (!overwrite) {
      throw IoError("hdf5: " + file + ": " + final_path +
                    ": exists (written meanwhile); set overwrite to replace it");
    }
    check_status(H5Ldelete(file_id.get(), final_path.c_str(), H5P_DEFAULT), file, final_path,
                 "cannot remove the dataset it replaces");
  }
  H5Eclear2(H5E_DEFAULT);
  check_status(H5Lmove(file_id.get(), partial.c_str(), file_id.get(), final_path.c_str(),
                       H5P_DEFAULT, H5P_DEFAULT),
               file, final_path, "cannot rename " + partial + " to it");
  if (!attributes.empty()) {
    Hid data(check(H5Dopen2(file_id.get(), final_path.c_str(), H5P_DEFAULT), file, final_path,
                   "cannot open the dataset"));
    put_attributes(data.get(), file, final_path, attributes);
  }
  if (!file_id.close()) fail(file, final_path, "cannot close the file after writing");
}

// The dataset's creation properties: layout, chunks, compression, allocation.
Hid creation(const Shape& shape, const Chunks& chunks, DType dtype, const Hdf5WriteOptions& options,
             const std::string& file, const std::string& path) {
  Hid create(check(H5Pcreate(H5P_DATASET_CREATE), file, path, "cannot make properties"));
  bool empty = shape.empty();
  for (std::int64_t length : shape) empty = empty || length == 0;
  const bool chunked = !options.contiguous && !empty;
  if (options.deflate < 0 || options.deflate > 9) {
    throw IoError("hdf5: " + file + ": " + path + ": deflate level " +
                  std::to_string(options.deflate) + " is not 0-9");
  }
  if (options.deflate > 0 && !chunked) {
    throw IoError("hdf5: " + file + ": " + path +
                  ": deflate needs a chunked dataset (contiguous is set, or the array is empty "
                  "or 0-d)");
  }
  if (chunked) {
    Shape chunk = options.chunks;
    if (chunk.empty()) {
      for (const auto& lengths : chunks) chunk.push_back(lengths.empty() ? 1 : lengths[0]);
    }
    if (chunk.size() != shape.size()) {
      throw IoError("hdf5: " + file + ": " + path + ": chunks " + to_string(chunk) +
                    " do not have one length per axis of shape " + to_string(shape));
    }
    std::uint64_t bytes = itemsize(dtype);
    std::vector<hsize_t> dims;
    for (std::size_t d = 0; d < chunk.size(); ++d) {
      if (chunk[d] <= 0 || chunk[d] > shape[d]) {
        throw IoError("hdf5: " + file + ": " + path + ": chunks " + to_string(chunk) +
                      " must be positive and within shape " + to_string(shape));
      }
      bytes *= static_cast<std::uint64_t>(chunk[d]);
      dims.push_back(static_cast<hsize_t>(chunk[d]));
    }
    if (bytes >= (std::uint64_t{1} << 32)) {
      throw IoError("hdf5: " + file + ": " + path + ": chunks " + to_string(chunk) +
                    " are 4 GiB or more, HDF5's limit: pass smaller options.chunks");
    }
    H5Pset_chunk(create.get(), static_cast<int>(dims.size()), dims.data());
    if (options.deflate > 0) {
      H5Pset_deflate(create.get(), static_cast<unsigned>(options.deflate));
    }
  } else {
    H5Pset_layout(create.get(), H5D_CONTIGUOUS);
  }
  if (options.deflate == 0) {
    // All the space now, and no fill values: every element is written by a block task.
    H5Pset_alloc_time(create.get(), H5D_ALLOC_TIME_EARLY);
    H5Pset_fill_time(create.get(), H5D_FILL_TIME_NEVER);
  }
  return create;
}

// Creates the temporary dataset (and its groups, and the file) on the client; the layout of
// its bytes when they are uncompressed, for the block tasks to write them directly.
std::optional<RawLayout> create(const std::string& file, const std::string& path,
                                const std::string& partial, DType dtype, const Shape& shape,
                                const Chunks& chunks, const Hdf5WriteOptions& options) {
  auto held = lock();
  Hid file_id = open_file(file, Mode::create);
  if (H5Lexists(file_id.get(), "/", H5P_DEFAULT) < 0) H5Eclear2(H5E_DEFAULT);
  create_parents(file_id.get(), file, path);
  if (!options.overwrite && H5Lexists(file_id.get(), path.c_str(), H5P_DEFAULT) > 0) {
    throw IoError("hdf5: " + file + ": " + path +
                  ": exists already; set Hdf5WriteOptions::overwrite to replace it");
  }
  H5Eclear2(H5E_DEFAULT);
  if (H5Lexists(file_id.get(), partial.c_str(), H5P_DEFAULT) > 0) {  // a failed write's
    check_status(H5Ldelete(file_id.get(), partial.c_str(), H5P_DEFAULT), file, partial,
                 "cannot remove the unfinished dataset of an earlier write");
  }
  H5Eclear2(H5E_DEFAULT);
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  Hid space(shape.empty() ? H5Screate(H5S_SCALAR)
                          : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
  Hid type = memory_type(dtype);
  Hid properties = creation(shape, chunks, dtype, options, file, path);
  Hid data(check(H5Dcreate2(file_id.get(), partial.c_str(), type.get(), space.get(), H5P_DEFAULT,
                            properties.get(), H5P_DEFAULT),
                 file, path, "cannot create the dataset"));
  std::optional<RawLayout> layout;
  const bool empty = std::any_of(shape.begin(), shape.end(), [](std::int64_t n) { return n == 0; });
  if (options.deflate == 0 && !empty) {
    Shape chunk;
    if (H5Pget_layout(properties.get()) == H5D_CHUNKED) {
      std::vector<hsize_t> dims(shape.size());
      H5Pget_chunk(properties.get(), static_cast<int>(dims.size()), dims.data());
      chunk.assign(dims.begin(), dims.end());
    }
    layout = raw_layout(data.get(), file, partial, shape, chunk);
  }
  if (!data.close() || !file_id.close()) {
    fail(file, path, "cannot create the dataset (closing the file failed)");
  }
  return layout;
}

}  // namespace

Delayed<void> write(const tessera::detail::array::Handle& array, const std::string& file,
                    const std::string& dataset, const Hdf5WriteOptions& options) {
  namespace da = tessera::detail::array;
  da::check_valid(array, "to_hdf5");
  const std::string path = absolute(dataset);
  if (path == "/" || path.back() == '/') {
    throw IoError("hdf5: " + file + ": " + path + ": not a dataset name");
  }
  const std::string partial = partial_name(path);
  const DType dtype = da::dtype(array);
  const Shape shape = da::shape(array);
  const Chunks chunks = da::chunks(array);
  for (const auto& lengths : chunks) {
    for (std::int64_t length : lengths) {
      if (length < 0) {
        throw IoError("hdf5: " + file + ": " + path +
                      ": the array has unknown chunk sizes: call compute_chunk_sizes() first");
      }
    }
  }
  const std::optional<RawLayout> raw = create(file, path, partial, dtype, shape, chunks, options);

  const auto target = delayed_value(Target{file, partial});
  const auto layout = delayed_value(raw.value_or(RawLayout{}));
  const std::string prefix = unique_key("to-hdf5");
  std::vector<tessera::detail::NodePtr> nodes = da::block_nodes(array);
  std::vector<Delayed<int>> written;
  written.reserve(nodes.size());
  std::size_t linear = 0;
  for_each_block(chunks, [&](const Shape& index, const Shape& start, const Shape&) {
    TaskOptions task;
    task.key = Key(block_key(prefix, index));
    Delayed<Block> block(std::move(nodes[linear++]));
    if (raw) {
      written.push_back(delayed(write_raw, task)(layout, start, block));
    } else if (options.deflate > 0 && !written.empty()) {
      written.push_back(delayed(write_block_after, task)(target, start, block, written.back()));
    } else {
      written.push_back(delayed(write_block, task)(target, start, block));
    }
  });
  if (options.deflate > 0 && !written.empty()) written = {written.back()};
  TaskOptions last;
  last.key = Key(prefix + "-finish");
  auto done = delayed(finish, last)(Rename{file, partial, path, options.overwrite},
                                    options.attributes, written);
  if (!options.compute) return done;
  // Computed as compute() computes (with a progress bar when the "progress" setting is on);
  // what is returned refers to the finished writes, so computing it again writes nothing.
  Future<void> written_now = get_client().compute(done);
  written_now.result();
  return Delayed<void>(std::move(written_now));
}

}  // namespace detail::hdf5
}  // namespace tessera::io

TESSERA_TASK_NAMED("tessera.io.hdf5.write", tessera::io::detail::hdf5::write_block);
TESSERA_TASK_NAMED("tessera.io.hdf5.write_raw", tessera::io::detail::hdf5::write_raw);
TESSERA_TASK_NAMED("tessera.io.hdf5.write_after", tessera::io::detail::hdf5::write_block_after);
TESSERA_TASK_NAMED("tessera.io.hdf5.finish", tessera::io::detail::hdf5::finish);
