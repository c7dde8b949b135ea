#pragma once
// The sharding_indexed codec (array -> bytes): a shard holds the encoded inner chunks one after
// the other and an index of (offset, nbytes) per inner chunk (both all ones for a missing
// chunk), encoded with its own codecs, at the start or the end of the shard.

#include <functional>
#include <optional>

#include "zarr/codecs/codec.hpp"

namespace tessera::io::zarr {

class ShardingCodec final : public Codec {
 public:
  ShardingCodec(Shape inner_shape, CodecChain inner, CodecChain index, bool index_at_end);

  CodecKind kind() const override { return CodecKind::array_to_bytes; }
  std::string name() const override { return "sharding_indexed"; }
  nlohmann::json to_json() const override;
  std::optional<std::size_t> encoded_size(std::size_t) const override { return std::nullopt; }
  std::size_t encoded_bound(std::size_t decoded) const override;

  Bytes encode(Bytes in, const ChunkSpec& spec) const override;
  Bytes decode(Bytes in, const ChunkSpec& spec, SizeHint out,
               std::string_view chunk) const override;

  /// The shape of an inner chunk.
  const Shape& inner_shape() const { return inner_shape_; }
  /// The number of inner chunks along each axis of a shard of `shard_shape`.
  Shape chunks_per_shard(const Shape& shard_shape) const;
  /// The spec of an inner chunk of a shard whose spec is `shard`.
  ChunkSpec inner_spec(const ChunkSpec& shard) const;

  /// Where an inner chunk lies in its shard (both all ones when the shard lacks it).
  struct Entry {
    std::uint64_t offset;
    std::uint64_t nbytes;
    bool missing() const;
  };

  /// The inner chunk `inner` (linear, C order over the inner chunks) of the stored shard
  /// `stored`, decoded; nothing when the shard lacks it. `shard` names it in errors.
  std::optional<Bytes> read_inner(const Bytes& stored, const ChunkSpec& shard_spec,
                                  std::size_t inner, std::string_view shard) const;
  /// The index of a stored shard, an entry per inner chunk, each within the shard.
  std::vector<Entry> read_index(const Bytes& stored, const ChunkSpec& shard_spec,
                                std::string_view shard) const;
  /// The size of a shard's index, which is the first or the last bytes of the shard.
  std::size_t index_bytes(const ChunkSpec& shard_spec) const;
  bool index_at_end() const { return index_at_end_; }
  /// The index from its bytes alone (read apart from the shard); its entries are checked
  /// against the shard's size when it is given.
  std::vector<Entry> decode_index(Bytes index, const ChunkSpec& shard_spec,
                                  std::optional<std::size_t> shard_size,
                                  std::string_view shard) const;
  /// Inner chunk `inner` from its encoded bytes (those its entry points at).
  Bytes decode_inner(Bytes encoded, const ChunkSpec& shard_spec, std::size_t inner,
                     std::string_view shard) const;
  /// A shard from its decoded inner chunks (C order over the inner chunks; nothing for a
  /// missing one).
  Bytes assemble(const std::vector<std::optional<Bytes>>& inner_chunks,
                 const ChunkSpec& shard_spec) const;
  /// The same, with inner chunk i (C order) made by `inner_chunk(i)` when it is encoded, so
  /// that one decoded inner chunk is held at a time.
  Bytes assemble(const std::function<std::optional<Bytes>(std::size_t)>& inner_chunk,
                 const ChunkSpec& shard_spec) const;

 private:
  std::size_t index_size(std::size_t count) const;
  ChunkSpec index_spec(const ChunkSpec& shard_spec) const;

  Shape inner_shape_;
  CodecChain inner_;
  CodecChain index_;
  bool index_at_end_;
};

/// The sharding codec from its v3 configuration; `where` names it in errors.
CodecPtr sharding_from_json(const nlohmann::json& config, const std::string& where);

}  // namespace tessera::io::zarr
