// sharding_indexed: reading one inner chunk through the index, and a shard made at once from
// its inner chunks. Every index entry is checked against the shard's size before it is used.

#include "zarr/codecs/sharding.hpp"

#include <cstring>
#include <limits>
#include <tessera/errors.hpp>

#include "blocks/copy_box.hpp"
#include "store/spare_bytes.hpp"
#include "zarr/json_fields.hpp"

namespace tessera::io::zarr {

namespace {

constexpr std::uint64_t missing = std::numeric_limits<std::uint64_t>::max();

std::size_t product(const Shape& shape) {
  std::size_t count = 1;
  for (auto extent : shape) count *= static_cast<std::size_t>(extent);
  return count;
}

// The position of inner chunk `linear` (C order) in a grid of `grid` chunks.
Shape unravel(std::size_t linear, const Shape& grid) {
  Shape index(grid.size());
  for (std::size_t axis = grid.size(); axis-- > 0;) {
    index[axis] = static_cast<std::int64_t>(linear % static_cast<std::size_t>(grid[axis]));
    linear /= static_cast<std::size_t>(grid[axis]);
  }
  return index;
}

}  // namespace

ShardingCodec::ShardingCodec(Shape inner_shape, CodecChain inner, CodecChain index,
                             bool index_at_end)
    : inner_shape_(std::move(inner_shape)),
      inner_(std::move(inner)),
      index_(std::move(index)),
      index_at_end_(index_at_end) {}

nlohmann::json ShardingCodec::to_json() const {
  return {{"name", "sharding_indexed"},
          {"configuration",
           {{"chunk_shape", inner_shape_},
            {"codecs", inner_.to_json()},
            {"index_codecs", index_.to_json()},
            {"index_location", index_at_end_ ? "end" : "start"}}}};
}

Shape ShardingCodec::chunks_per_shard(const Shape& shard_shape) const {
  if (shard_shape.size() != inner_shape_.size()) {
    throw IoError("zarr: sharding_indexed: \"chunk_shape\" has " +
                  std::to_string(inner_shape_.size()) + " axes, the shard has " +
                  std::to_string(shard_shape.size()));
  }
  Shape grid(shard_shape.size());
  for (std::size_t axis = 0; axis < grid.size(); ++axis) {
    if (inner_shape_[axis] <= 0 || shard_shape[axis] % inner_shape_[axis] != 0) {
      throw IoError("zarr: sharding_indexed: the shard shape " +
                    nlohmann::json(shard_shape).dump() + " is not a multiple of \"chunk_shape\" " +
                    nlohmann::json(inner_shape_).dump());
    }
    grid[axis] = shard_shape[axis] / inner_shape_[axis];
  }
  return grid;
}

ChunkSpec ShardingCodec::inner_spec(const ChunkSpec& shard) const {
  return {inner_shape_, shard.itemsize, shard.fill};
}

ChunkSpec ShardingCodec::index_spec(const ChunkSpec& shard_spec) const {
  Shape shape = chunks_per_shard(shard_spec.shape);
  if (product(shape) > std::numeric_limits<std::size_t>::max() / 16) {
    throw IoError("zarr: sharding_indexed: a shard of " + nlohmann::json(shard_spec.shape).dump() +
                  " holds " + std::to_string(product(shape)) +
                  " inner chunks: more than an index can address");
  }
  shape.push_back(2);
  return {shape, sizeof(std::uint64_t), {}};
}

std::size_t ShardingCodec::index_size(std::size_t count) const {
  auto size = index_.encoded_size({{static_cast<std::int64_t>(count), 2}, 8, {}});
  if (!size) {
    throw IoError(
        "zarr: sharding_indexed: \"index_codecs\" must give an index of a fixed size "
        "(expected bytes, optionally followed by crc32c)");
  }
  return *size;
}

std::size_t ShardingCodec::encoded_bound(std::size_t decoded) const {
  // Inner chunks each within their chain's bound; the index at most 16 bytes per element + 64.
  ChunkSpec one{inner_shape_, 1, {}};
  std::size_t inner_bytes = one.bytes();
  std::size_t count = inner_bytes ? decoded / inner_bytes + 1 : 1;
  return count * inner_.encoded_bound(one) * 8 + count * 16 + 64;
}

bool ShardingCodec::Entry::missing() const {
  return offset == zarr::missing && nbytes == zarr::missing;
}

std::size_t ShardingCodec::index_bytes(const ChunkSpec& shard_spec) const {
  return index_size(index_spec(shard_spec).bytes() / 16);
}

std::vector<ShardingCodec::Entry> ShardingCodec::decode_index(Bytes index,
                                                              const ChunkSpec& shard_spec,
                                                              std::optional<std::size_t> shard_size,
                                                              std::string_view shard) const {
  auto spec = index_spec(shard_spec);
  std::size_t count = spec.bytes() / 16;
  Bytes decoded = index_.decode(std::move(index), spec, std::string(shard) + " (shard index)");
  std::vector<Entry> entries(count);
  std::memcpy(entries.data(), decoded.data(), count * sizeof(Entry));
  const std::uint64_t size = shard_size.value_or(~std::uint64_t{0});
  for (std::size_t i = 0; i < count; ++i) {
    const auto& entry = entries[i];
    if (entry.missing()) continue;
    if (entry.offset > size || entry.nbytes > size - entry.offset) {
      corrupt_chunk(shard, name(),
                    "index entry " + std::to_string(i) + " (offset " +
                        std::to_string(entry.offset) + ", nbytes " + std::to_string(entry.nbytes) +
                        ") lies outside the shard's " + std::to_string(size) + " bytes");
    }
  }
  return entries;
}

std::vector<ShardingCodec::Entry> ShardingCodec::read_index(const Bytes& stored,
                                                            const ChunkSpec& shard_spec,
                                                            std::string_view shard) const {
  std::size_t size = index_bytes(shard_spec);
  if (stored.size() < size) {
    corrupt_chunk(shard, name(),
                  std::to_string(stored.size()) + " bytes, fewer than its index (" +
                      std::to_string(size) + ")");
  }
  std::size_t start = index_at_end_ ? stored.size() - size : 0;
  Bytes encoded(stored.begin() + static_cast<std::ptrdiff_t>(start),
                stored.begin() + static_cast<std::ptrdiff_t>(start + size));
  return decode_index(std::move(encoded), shard_spec, stored.size(), shard);
}

Bytes ShardingCodec::decode_inner(Bytes encoded, const ChunkSpec& shard_spec, std::size_t inner,
                                  std::string_view shard) const {
  return inner_.decode(std::move(encoded), inner_spec(shard_spec),
                       std::string(shard) + " (inner chunk " + std::to_string(inner) + ")");
}

std::optional<Bytes> ShardingCodec::read_inner(const Bytes& stored, const ChunkSpec& shard_spec,
                                               std::size_t inner, std::string_view shard) const {
  auto entries = read_index(stored, shard_spec, shard);
  if (inner >= entries.size()) {
    throw IoError("zarr: shard '" + std::string(shard) + "': inner chunk " + std::to_string(inner) +
                  " is out of range (the shard has " + std::to_string(entries.size()) + ")");
  }
  const auto& entry = entries[inner];
  if (entry.missing()) return std::nullopt;
  Bytes encoded(stored.begin() + static_cast<std::ptrdiff_t>(entry.offset),
                stored.begin() + static_cast<std::ptrdiff_t>(entry.offset + entry.nbytes));
  return decode_inner(std::move(encoded), shard_spec, inner, shard);
}

Bytes ShardingCodec::assemble(const std::vector<std::optional<Bytes>>& inner_chunks,
                              const ChunkSpec& shard_spec) const {
  std::size_t count = index_spec(shard_spec).bytes() / 16;
  if (inner_chunks.size() != count) {
    throw IoError("zarr: sharding_indexed: a shard of " + nlohmann::json(shard_spec.shape).dump() +
                  " has " + std::to_string(count) + " inner chunks, " +
                  std::to_string(inner_chunks.size()) + " were given");
  }
  return assemble([&](std::size_t i) { return inner_chunks[i]; }, shard_spec);
}

Bytes ShardingCodec::assemble(const std::function<std::optional<Bytes>(std::size_t)>& inner_chunk,
                              const ChunkSpec& shard_spec) const {
  auto ispec = index_spec(shard_spec);
  std::size_t count = ispec.bytes() / 16;
  std::size_t base = index_at_end_ ? 0 : index_size(count);
  auto spec = inner_spec(shard_spec);
  std::vector<Entry> entries(count, Entry{missing, missing});
  // Room for every chunk at its largest: pages that stay unwritten are never touched.
  Bytes data = detail::take_capacity(count * inner_.encoded_bound(spec) + index_size(count));
  for (std::size_t i = 0; i < count; ++i) {
    std::optional<Bytes> chunk = inner_chunk(i);
    if (!chunk) continue;
    if (chunk->size() != spec.bytes()) {
      throw IoError("zarr: sharding_indexed: inner chunk " + std::to_string(i) + " has " +
                    std::to_string(chunk->size()) + " bytes, expected " +
                    std::to_string(spec.bytes()));
    }
    Bytes encoded = inner_.encode(std::move(*chunk), spec);
    entries[i] = {base + data.size(), encoded.size()};
    data.insert(data.end(), encoded.begin(), encoded.end());
  }
  Bytes index(count * sizeof(Entry));
  std::memcpy(index.data(), entries.data(), index.size());
  index = index_.encode(std::move(index), ispec);
  if (index_at_end_) {
    data.insert(data.end(), index.begin(), index.end());
    return data;
  }
  index.insert(index.end(), data.begin(), data.end());
  return index;
}

Bytes ShardingCodec::encode(Bytes in, const ChunkSpec& spec) const {
  Shape grid = chunks_per_shard(spec.shape);
  std::size_t count = product(grid);
  auto inner = inner_spec(spec);
  Shape origin(spec.shape.size(), 0);
  std::vector<std::optional<Bytes>> chunks(count);
  for (std::size_t i = 0; i < count; ++i) {
    Shape at = unravel(i, grid);
    for (std::size_t axis = 0; axis < at.size(); ++axis) at[axis] *= inner_shape_[axis];
    Bytes chunk(inner.bytes());
    detail::copy_box(in.data(), spec.shape, at, chunk.data(), inner_shape_, origin, inner_shape_,
                     spec.itemsize);
    chunks[i] = std::move(chunk);
  }
  return assemble(chunks, spec);
}

Bytes ShardingCodec::decode(Bytes in, const ChunkSpec& spec, SizeHint out,
                            std::string_view chunk) const {
  if (out.size != spec.bytes()) {
    corrupt_chunk(chunk, name(),
                  "a shard of " + std::to_string(spec.bytes()) + " bytes does not fit in " +
                      std::to_string(out.size));
  }
  Shape grid = chunks_per_shard(spec.shape);
  std::size_t count = product(grid);
  Bytes shard(spec.bytes());
  if (spec.fill.size() == spec.itemsize) {
    for (std::size_t i = 0; i < shard.size(); i += spec.itemsize) {
      std::memcpy(shard.data() + i, spec.fill.data(), spec.itemsize);
    }
  }
  Shape origin(spec.shape.size(), 0);
  for (std::size_t i = 0; i < count; ++i) {
    auto inner = read_inner(in, spec, i, chunk);
    if (!inner) continue;
    Shape at = unravel(i, grid);
    for (std::size_t axis = 0; axis < at.size(); ++axis) at[axis] *= inner_shape_[axis];
    detail::copy_box(inner->data(), inner_shape_, origin, shard.data(), spec.shape, at,
                     inner_shape_, spec.itemsize);
  }
  return shard;
}

CodecPtr sharding_from_json(const nlohmann::json& config, const std::string& where) {
  const auto& shape = required_field(config, where, "chunk_shape", "a list of positive integers");
  Shape inner;
  if (!shape.is_array()) bad_field(where, "chunk_shape", &shape, "a list of positive integers");
  for (const auto& extent : shape) {
    if (!extent.is_number_unsigned() || extent.get<std::int64_t>() <= 0) {
      bad_field(where, "chunk_shape", &shape, "a list of positive integers");
    }
    inner.push_back(extent.get<std::int64_t>());
  }
  auto chain = [&](const char* key) {
    const auto& list = required_field(config, where, key, "a list of codecs");
    if (!list.is_array()) bad_field(where, key, &list, "a list of codecs");
    std::vector<CodecPtr> codecs;
    for (std::size_t i = 0; i < list.size(); ++i) {
      codecs.push_back(
          codec_from_json(list[i], where + ": " + key + "[" + std::to_string(i) + "]"));
    }
    return CodecChain(std::move(codecs), where + ": " + key);
  };
  auto location = string_field(config, where, "index_location", "\"start\" or \"end\"", "end");
  if (location != "start" && location != "end") {
    bad_field(where, "index_location", find_field(config, "index_location"),
              "\"start\" or \"end\"");
  }
  return std::make_shared<ShardingCodec>(std::move(inner), chain("codecs"), chain("index_codecs"),
                                         location == "end");
}

}  // namespace tessera::io::zarr
