#pragma once
// What fuzz_zarr_metadata and its corpus generator share: the layout of an input and the fixed
// shard configurations and codec chains that fuzzed bytes are decoded with.
//
// An input is a selector byte, then a payload. kind = selector % 5, variant = selector / 5:
//   0: a v2 array: .zarray text, '\0', .zattrs text (none when empty), '\0', a chunk's bytes;
//   1: a v3 array: zarr.json text, '\0', a chunk's bytes;
//   2: a consolidated .zmetadata text, whose array documents are parsed in turn;
//   3: a shard of shard_configs()[variant % count] (variant / count odd: the index checksum is
//      recomputed first, so that the fuzzer reaches the entries behind it);
//   4: a chunk of chunk_chains()[variant % count].

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "zarr/codecs/codec.hpp"
#include "zarr/codecs/sharding.hpp"

namespace tessera_fuzz {

using namespace tessera::io;
using namespace tessera::io::zarr;

enum Kind : std::uint8_t { v2_array, v3_array, consolidated, shard, chunk, kinds };

struct ShardConfig {
  ShardingCodec codec;
  ChunkSpec spec;  // of the whole shard
};

inline CodecChain chain_of(std::vector<CodecPtr> codecs) {
  return CodecChain(std::move(codecs), "fuzz");
}

inline CodecChain crc_index() { return chain_of({make_bytes(false), make_crc32c()}); }

inline const std::vector<ShardConfig>& shard_configs() {
  static const std::vector<ShardConfig> configs{
      {ShardingCodec({2, 3}, chain_of({make_bytes(false), make_zstd(1)}), crc_index(), true),
       {{4, 6}, 4, {}}},
      {ShardingCodec({2, 3},
                     chain_of({make_bytes(false), make_blosc("lz4", 5, BloscShuffle::byte, 4)}),
                     crc_index(), false),
       {{4, 6}, 4, {}}},
      {ShardingCodec({2}, chain_of({make_bytes(false), make_gzip(6)}), crc_index(), true),
       {{8}, 8, Bytes(8, std::byte{1})}},
      {ShardingCodec(
           {2, 2},
           chain_of({make_transpose({1, 0}), make_bytes(true), make_zlib(1), make_crc32c()}),
           crc_index(), false),
       {{4, 4}, 2, {}}},
      {ShardingCodec({3}, chain_of({make_bytes(false)}), chain_of({make_bytes(false)}), true),
       {{9}, 1, {}}},
  };
  return configs;
}

struct ChunkChain {
  CodecChain codecs;
  ChunkSpec spec;
};

inline const std::vector<ChunkChain>& chunk_chains() {
  static const std::vector<ChunkChain> chains{
      {chain_of({make_bytes(false), make_blosc("lz4", 5, BloscShuffle::byte, 4)}),
       {{6, 10}, 4, {}}},
      {chain_of({make_bytes(false), make_blosc("zstd", 3, BloscShuffle::bit, 8)}), {{50}, 8, {}}},
      {chain_of({make_bytes(false), make_blosc("zlib", 1, BloscShuffle::none, 1)}), {{64}, 1, {}}},
      {chain_of({make_bytes(false), make_zstd(3)}), {{6, 10}, 4, {}}},
      {chain_of({make_bytes(false), make_zstd(1, true), make_crc32c()}), {{40}, 2, {}}},
      {chain_of({make_bytes(false), make_gzip(6)}), {{6, 10}, 4, {}}},
      {chain_of({make_bytes(false), make_zlib(6)}), {{100}, 1, {}}},
      {chain_of({make_bytes(false), make_crc32c()}), {{16}, 4, {}}},
      {chain_of({make_transpose({2, 0, 1}), make_bytes(true), make_zstd(1)}), {{2, 3, 4}, 8, {}}},
  };
  return chains;
}

/// The selector byte of kind and variant.
inline std::uint8_t selector(Kind kind, unsigned variant = 0) {
  return static_cast<std::uint8_t>(variant * kinds + kind);
}

}  // namespace tessera_fuzz
