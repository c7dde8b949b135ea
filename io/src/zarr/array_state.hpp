#pragma once
// What a ZarrArray holds: its store, path and metadata, and the sharding codec when it has one.

#include <cstring>
#include <memory>
#include <string>
#include <tessera/errors.hpp>
#include <tessera/io/zarr.hpp>

#include "zarr/codecs/sharding.hpp"
#include "zarr/metadata.hpp"

namespace tessera::io {

struct ZarrArray::State {
  std::shared_ptr<Store> store;
  std::string path;
  zarr::ArrayMetadata metadata;
  const zarr::ShardingCodec* sharding = nullptr;  // the array->bytes codec, when sharded
  zarr::Shape read_chunks;                        // inner chunks, or the store's chunks

  std::string key(const std::string& name) const { return path.empty() ? name : path + "/" + name; }

  Bytes filled(std::size_t bytes) const {
    Bytes out(bytes);
    std::size_t size = metadata.fill_value.size();
    for (std::size_t i = 0; i + size <= bytes; i += size) {
      std::memcpy(out.data() + i, metadata.fill_value.data(), size);
    }
    return out;
  }

  void check_index(const std::vector<std::int64_t>& index, const zarr::Shape& grid,
                   const char* what) const {
    bool ok = index.size() == grid.size();
    for (std::size_t axis = 0; ok && axis < index.size(); ++axis) {
      ok = index[axis] >= 0 && index[axis] < grid[axis];
    }
    if (!ok) {
      throw IoError("zarr: " + store->describe(path) + ": " + what + " " +
                    nlohmann::json(index).dump() + " is outside the grid of " +
                    nlohmann::json(grid).dump());
    }
  }
};

}  // namespace tessera::io
