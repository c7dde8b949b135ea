// to_zarr: the client writes the array's metadata (or opens the array a region write goes
// into); each block is a task that writes the chunks or shards within it. Blocks whose
// boundaries fall inside a chunk are first rechunked, so that no chunk has two writers (two
// tasks writing parts of one shard would lose one's chunks, as zarr-python does, zarr#3682).

#include <algorithm>
#include <tuple>
#include <utility>

#include "blocks/block_grid.hpp"
#include "tessera/io/zarr.hpp"
#include "tessera/key.hpp"
#include "tessera/task.hpp"

namespace tessera::io {
namespace detail::zarr_io {
namespace {

namespace da = tessera::detail::array;

// The store's directory and the array's path in it, shared by the write tasks of one array.
using Target = std::pair<std::string, std::string>;

int write_block(const Target& target, const Shape& start, const Block& block) {
  ZarrArray array = ZarrArray::open(std::make_shared<LocalStore>(target.first), target.second);
  array.write(start, block.shape, std::span(block.data.data(), block.data.size()));
  return 0;
}

void finish(const std::vector<int>& written) { (void)written; }

std::string where(const std::string& store, const std::string& path) {
  return "zarr: " + LocalStore(store).describe(path) + ": ";
}

bool exists(const Store& store, const std::string& path) {
  const std::string prefix = path.empty() ? "" : path + "/";
  return store.get(prefix + "zarr.json") || store.get(prefix + ".zarray");
}

// The array's block lengths along one axis, or lengths whose inner boundaries fall on the
// boundaries of `unit` (the store's chunks or shards) counted from `offset` (a region's start),
// each near the array's first block length.
std::vector<std::int64_t> aligned(const std::vector<std::int64_t>& lengths, std::int64_t offset,
                                  std::int64_t unit, bool& changed) {
  std::int64_t position = offset;
  bool aligned_now = true;
  for (std::size_t i = 0; i + 1 < lengths.size(); ++i) {
    position += lengths[i];
    aligned_now = aligned_now && position % unit == 0;
  }
  if (aligned_now) return lengths;
  changed = true;
  std::int64_t total = 0;
  for (std::int64_t length : lengths) total += length;
  const std::int64_t target = std::max<std::int64_t>(lengths.front(), 1);
  std::vector<std::int64_t> out;
  for (std::int64_t at = offset, end = offset + total; at < end;) {
    std::int64_t next = (at + target) / unit * unit;
    if (next <= at) next = (at / unit + 1) * unit;
    next = std::min(next, end);
    out.push_back(next - at);
    at = next;
  }
  return out;
}

ZarrArray prepare(const std::shared_ptr<LocalStore>& store, const std::string& path,
                  const std::string& name, DType dtype, const Shape& shape, const Chunks& chunks,
                  const ZarrWriteOptions& options) {
  if (options.region) {
    ZarrArray array = ZarrArray::open(store, path);
    if (array.dtype() != dtype) {
      throw IoError(where(name, path) + "holds " + std::string(dtype_name(array.dtype())) +
                    " elements; a region write of " + std::string(dtype_name(dtype)) +
                    " needs astype first");
    }
    const Shape& start = *options.region;
    if (start.size() != shape.size()) {
      throw IoError(where(name, path) + "region has " + std::to_string(start.size()) +
                    " entries: the array written has " + std::to_string(shape.size()) + " axes");
    }
    for (std::size_t d = 0; d < start.size(); ++d) {
      if (start[d] < 0) {
        throw IoError(where(name, path) + "region starts at " + std::to_string(start[d]) +
                      " along axis " + std::to_string(d) + ": it must be 0 or more");
      }
    }
    bool inside = true;
    for (std::size_t d = 0; inside && d < shape.size(); ++d) {
      inside =
          start[d] >= 0 && start[d] <= array.shape()[d] && shape[d] <= array.shape()[d] - start[d];
    }
    if (!inside) {
      throw IoError(where(name, path) + "region at " + to_string(start) + " of shape " +
                    to_string(shape) + " is not within the array's shape " +
                    to_string(array.shape()));
    }
    return array;
  }
  if (exists(*store, path)) {
    if (!options.overwrite) {
      throw IoError(where(name, path) +
                    "an array or group exists already; set ZarrWriteOptions::overwrite to "
                    "replace it, or region to write into it");
    }
    for (const auto& key : store->list(path.empty() ? "" : path + "/")) store->erase(key);
  }
  ZarrArrayOptions layout = options.layout;
  if (!layout.shape.empty() && layout.shape != shape) {
    throw IoError(where(name, path) + "layout.shape " + to_string(layout.shape) +
                  " is not the array's shape " + to_string(shape) + " (leave it empty)");
  }
  layout.shape = shape;
  layout.dtype = dtype;
  if (layout.chunks.empty()) {
    for (const auto& lengths : chunks) {
      layout.chunks.push_back(std::max<std::int64_t>(lengths.empty() ? 1 : lengths[0], 1));
    }
  }
  return ZarrArray::create(store, path, layout);
}

}  // namespace

Delayed<void> write(const da::Handle& handle, const std::string& store, const std::string& path,
                    const ZarrWriteOptions& options) {
  da::check_valid(handle, "to_zarr");
  if (store.empty()) throw IoError("zarr: to_zarr: the store's directory is empty");
  const DType dtype = da::dtype(handle);
  const Shape shape = da::shape(handle);
  Chunks chunks = da::chunks(handle);
  for (const auto& lengths : chunks) {
    for (std::int64_t length : lengths) {
      if (length < 0) {
        throw IoError(where(store, path) +
                      "the array has unknown chunk sizes: call compute_chunk_sizes() first");
      }
    }
  }
  auto local = std::make_shared<LocalStore>(store);
  ZarrArray array = prepare(local, path, store, dtype, shape, chunks, options);

  // One writer per chunk (shard): block boundaries on the store's grid, or a rechunk.
  const Shape unit = array.shards().value_or(array.chunks());
  const Shape offset = options.region.value_or(Shape(shape.size(), 0));
  bool changed = false;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (!chunks[d].empty()) chunks[d] = aligned(chunks[d], offset[d], unit[d], changed);
  }
  da::Handle blocks = changed ? da::rechunk(handle, ChunkSpec(chunks), {}) : handle;

  const auto target = delayed_value(Target{store, path});
  const std::string prefix = unique_key("to-zarr");
  std::vector<tessera::detail::NodePtr> nodes = da::block_nodes(blocks);
  std::vector<Delayed<int>> written;
  written.reserve(nodes.size());
  std::size_t linear = 0;
  for_each_block(chunks, [&](const Shape& index, const Shape& start, const Shape&) {
    Shape at = start;
    for (std::size_t d = 0; d < at.size(); ++d) at[d] += offset[d];
    TaskOptions task;
    task.key = Key(block_key(prefix, index));
    written.push_back(
        delayed(write_block, task)(target, at, Delayed<Block>(std::move(nodes[linear++]))));
  });
  TaskOptions last;
  last.key = Key(prefix + "-finish");
  auto done = delayed(finish, last)(written);
  if (!options.compute) return done;
  // Computed as compute() computes (with a progress bar when the "progress" setting is on);
  // what is returned refers to the finished writes, so computing it again writes nothing.
  Future<void> written_now = get_client().compute(done);
  written_now.result();
  return Delayed<void>(std::move(written_now));
}

}  // namespace detail::zarr_io
}  // namespace tessera::io

TESSERA_TASK_NAMED("tessera.io.zarr.write", tessera::io::detail::zarr_io::write_block);
TESSERA_TASK_NAMED("tessera.io.zarr.finish", tessera::io::detail::zarr_io::finish);
