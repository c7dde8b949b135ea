#pragma once
// Zarr arrays (v2 and v3, sharded or not) in a Store, chunk by chunk. A chunk is given and
// returned as the bytes of its elements in C order (the machine's byte order), always of the
// full chunk shape: chunks at the array's far edges are padded, as Zarr stores them.
//
//   auto store = std::make_shared<tessera::io::LocalStore>("era5.zarr");
//   auto t2m = tessera::io::ZarrArray::open(store, "t2m");
//   tessera::io::Bytes chunk = t2m.read_chunk({0, 3, 2});

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tessera/array/dtype.hpp>
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

  struct State;  ///< the implementation's
  explicit ZarrArray(std::unique_ptr<State> state);

 private:
  std::unique_ptr<State> state_;
};

}  // namespace tessera::io
