#pragma once
// Zarr arrays (v2 and v3, sharded or not): as lazy Array<T>s read and written chunk-parallel
// by the tasks of a graph, and one by one in a Store (chunks, shards, boxes).
//
//   auto t2m = tessera::io::from_zarr<float>("era5.zarr", "t2m");        // lazy
//   auto anomaly = t2m - t2m.mean(0);
//   tessera::io::to_zarr(anomaly, "out.zarr", "t2m_anomaly");            // computes it
//
//   auto store = std::make_shared<tessera::io::LocalStore>("era5.zarr");
//   auto array = tessera::io::ZarrArray::open(store, "t2m");
//   tessera::io::Bytes chunk = array.read_chunk({0, 3, 2});
//
// A chunk is given and returned as the bytes of its elements in C order (the machine's byte
// order), always of the full chunk shape: chunks at the array's far edges are padded, as Zarr
// stores them. Errors are tessera::IoError naming the store, the key and the problem (inside
// tasks they reach compute() as TaskError).

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <tessera/array.hpp>
#include <tessera/delayed.hpp>
#include <tessera/io/detail/block_reads.hpp>
#include <tessera/io/store.hpp>
#include <vector>

namespace tessera::io {

/// How a new Zarr array is stored.
struct ZarrArrayOptions {
  /// 2 (.zarray) or 3 (zarr.json).
  int zarr_format = 3;
  std::vector<std::int64_t> shape;
  /// The chunk shape of the store: the shard shape when inner_chunks is set.
  std::vector<std::int64_t> chunks;
  DType dtype = DType::float64;
  double fill_value = 0;
  /// "none", "blosc", "zlib" (v2 only), "gzip" or "zstd".
  std::string compressor = "blosc";
  /// blosc's inner compressor: "lz4", "zstd", "blosclz", "zlib", "lz4hc".
  std::string blosc_cname = "lz4";
  /// blosc's shuffle: "noshuffle", "shuffle" or "bitshuffle".
  std::string blosc_shuffle = "shuffle";
  int level = 5;
  /// v3 only: the inner chunk shape of sharding_indexed (the chunks divide into them); empty
  /// for an unsharded array.
  std::vector<std::int64_t> inner_chunks;
  /// v3 sharding: where the shard index goes ("end" or "start").
  std::string index_location = "end";
  /// v2: "." or "/"; v3: "/" (default key encoding) or "." .
  std::string dimension_separator;
  /// The array's attributes as a JSON object.
  std::string attributes_json = "{}";
  /// The name of each axis (empty for none), as xarray reads them: v3 "dimension_names", v2
  /// the attribute "_ARRAY_DIMENSIONS".
  std::vector<std::string> dimension_names;
};

/// One Zarr array of a store.
class ZarrArray {
 public:
  /// The array at `path` of `store` ("" for the root): its zarr.json, or else its .zarray.
  static ZarrArray open(std::shared_ptr<Store> store, std::string path);
  /// Creates (or replaces) the metadata of an array at `path` and opens it.
  static ZarrArray create(std::shared_ptr<Store> store, std::string path,
                          const ZarrArrayOptions& options);

  ZarrArray(ZarrArray&&) noexcept;
  ZarrArray& operator=(ZarrArray&&) noexcept;
  ~ZarrArray();

  int zarr_format() const;
  DType dtype() const;
  const std::vector<std::int64_t>& shape() const;
  /// The shape of the chunks that read_chunk returns (the inner chunks of a sharded array).
  const std::vector<std::int64_t>& chunks() const;
  /// The number of chunks (read_chunk's) along each axis.
  std::vector<std::int64_t> chunk_grid() const;
  /// The shard shape of a sharded array; nothing otherwise.
  std::optional<std::vector<std::int64_t>> shards() const;
  /// The attributes, as a JSON object.
  std::string attributes_json() const;
  /// The name of each axis (v3 "dimension_names", v2 the attribute "_ARRAY_DIMENSIONS"; ""
  /// for an unnamed one); empty when the array names none.
  std::vector<std::string> dimension_names() const;

  /// The chunk at `index` (an entry per axis, over chunk_grid()); the fill value where the
  /// store has none. A corrupt chunk is an IoError naming its key and the codec.
  Bytes read_chunk(const std::vector<std::int64_t>& index) const;
  /// Writes the chunk at `index` of an unsharded array (write then rename: never half-written).
  void write_chunk(const std::vector<std::int64_t>& index, const Bytes& chunk);
  /// Writes the whole shard at `shard` (an entry per axis, over the shard grid) from its inner
  /// chunks in C order (nothing for one to leave missing).
  void write_shard(const std::vector<std::int64_t>& shard,
                   const std::vector<std::optional<Bytes>>& inner_chunks);

  /// The elements of the box at `start` of `shape` (one entry per axis, within shape()) into
  /// `out`, which holds exactly its elements: C order, the machine's byte order. The fill value
  /// where the store has no chunk. A shard is read once for all the inner chunks it gives.
  void read(const std::vector<std::int64_t>& start, const std::vector<std::int64_t>& shape,
            std::span<std::byte> out) const;
  /// The same, into new bytes.
  Bytes read(const std::vector<std::int64_t>& start, const std::vector<std::int64_t>& shape) const;
  /// Writes the box at `start` of `shape` from `data` (C order, the machine's byte order).
  /// Chunks (shards, when sharded) that the box covers whole are replaced; those it covers in
  /// part are read, updated and written back. A chunk left holding only the fill value is
  /// removed, as zarr-python does. Two writers of one chunk (or shard) at the same time lose
  /// one's elements: to_zarr gives every chunk and shard exactly one writing task.
  void write(const std::vector<std::int64_t>& start, const std::vector<std::int64_t>& shape,
             std::span<const std::byte> data);

  /// Where the array is, for messages.
  std::string describe() const;

  struct State;  ///< the implementation's
  explicit ZarrArray(std::unique_ptr<State> state);

 private:
  std::unique_ptr<State> state_;
};

/// How to_zarr writes an array.
struct ZarrWriteOptions {
  /// The format, chunks, shards and codecs of the new array. Its shape and dtype are the
  /// array's; empty chunks are the lengths of the array's first blocks. Blocks that do not
  /// line up with the chunks (shards) are rechunked so that each chunk has one writer.
  ZarrArrayOptions layout{};
  /// Replace an array at the path (its chunks removed first); otherwise one there is an IoError.
  bool overwrite = false;
  /// Write into the existing array at the path, at this start (one entry per axis), instead of
  /// creating one: the layout is the store's and the element type must be the array's.
  std::optional<Shape> region{};
  /// Run the writes now (true, as Dask) or only return the graph that does them.
  bool compute = true;
};

namespace detail::zarr_io {
BlockReads open(DType dtype, const std::string& store, const std::string& path,
                const ChunkSpec& chunks);
Delayed<void> write(const tessera::detail::array::Handle& array, const std::string& store,
                    const std::string& path, const ZarrWriteOptions& options);
}  // namespace detail::zarr_io

/// The Zarr array at `path` ("" for the root) of the store in directory `store`, as a lazy
/// array: each block is a task reading the chunks it overlaps. Blocks follow `chunks`; by
/// default whole chunks of the store (inner chunks of shards, read through the shard's index
/// and byte ranges), grown to multiples of them of up to 4 MiB, which stay in cache from
/// reading to use. IoError if there is no array there or it
/// holds another element type than T.
template <class T>
Array<T> from_zarr(const std::string& store, const std::string& path = "", ChunkSpec chunks = {}) {
  auto reads = detail::zarr_io::open(dtype_of<T>(), store, path, chunks);
  return from_delayed<T>(reads.blocks, std::move(reads.shape), std::move(reads.chunks));
}

/// Writes `array` as the Zarr array at `path` of the store in directory `store`: a task per
/// block writes the chunks (shards) within it, each chunk by exactly one task. The metadata is
/// written first, so a write that fails half way leaves a readable array. Returns the graph
/// of the writes: already run when options.compute is true, else to be computed by the caller.
template <class T>
Delayed<void> to_zarr(const Array<T>& array, const std::string& store, const std::string& path = "",
                      const ZarrWriteOptions& options = {}) {
  return detail::zarr_io::write(array.handle(), store, path, options);
}

}  // namespace tessera::io
