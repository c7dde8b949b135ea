// libFuzzer target for what tessera reads from a Zarr store: v2 (.zarray, .zattrs) and v3
// (zarr.json) array metadata, consolidated .zmetadata, shards through their index, and chunks
// through codec chains (layout of an input: fuzz_zarr.hpp). An array's metadata is also
// written back and read again, and its chunks encoded and decoded, when they are small.
// Anything but a result or a tessera::IoError is a bug: a crash, a sanitizer report, another
// exception, documents tessera writes that do not read back the same, a decode of the wrong
// size, or (with -malloc_limit_mb) an allocation that the input cannot justify. Chunks that the
// metadata declares large are the user's array: they are decoded only when small.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_zarr.hpp"
#include "tessera/errors.hpp"
#include "zarr/codecs/crc32c.hpp"
#include "zarr/metadata.hpp"

namespace {

using namespace tessera_fuzz;

constexpr std::size_t max_chunk_bytes = std::size_t{1} << 20;
constexpr std::size_t max_inner_chunks = 256;

// The size of a chunk of `shape`, when it is at most max_chunk_bytes (computed without
// overflow, unlike what is under test).
std::optional<std::size_t> small_size(const Shape& shape, std::size_t itemsize) {
  std::size_t size = itemsize;
  for (std::int64_t extent : shape) {
    if (extent < 0) return std::nullopt;
    if (extent != 0 && size > max_chunk_bytes / static_cast<std::size_t>(extent)) {
      return std::nullopt;
    }
    size *= static_cast<std::size_t>(extent);
  }
  return size <= max_chunk_bytes ? std::optional(size) : std::nullopt;
}

// Calls f; an IoError is a refusal (false), anything else escapes to libFuzzer.
template <class F>
bool refused(F&& f) {
  try {
    f();
    return false;
  } catch (const tessera::IoError&) {
    return true;
  }
}

const ShardingCodec* sharding_of(const CodecChain& chain) {
  for (const auto& codec : chain.codecs()) {
    if (const auto* sharding = dynamic_cast<const ShardingCodec*>(codec.get())) return sharding;
  }
  return nullptr;
}

void read_shard(const ShardingCodec& codec, const ChunkSpec& spec, const Bytes& stored) {
  Shape grid;
  if (refused([&] { grid = codec.chunks_per_shard(spec.shape); })) return;
  auto count = small_size(grid, 1);
  if (!count || *count > max_inner_chunks) return;
  for (std::size_t i = 0; i < *count; ++i) {
    refused([&] {
      auto inner = codec.read_inner(stored, spec, i, "fuzz.zarr/x/c/0");
      if (inner && inner->size() != codec.inner_spec(spec).bytes()) __builtin_trap();
    });
  }
}

void decode_chunk(const CodecChain& chain, const ChunkSpec& spec, const Bytes& stored) {
  refused([&] {
    if (chain.decode(stored, spec, "fuzz.zarr/x/c/0").size() != spec.bytes()) __builtin_trap();
  });
  if (const auto* sharding = sharding_of(chain);
      sharding && chain.codecs().front().get() == sharding) {
    read_shard(*sharding, spec, stored);
  }
}

// Chunks of the array decode, and one encoded by it decodes to itself.
void exercise_chunks(const ArrayMetadata& metadata, const Bytes& stored) {
  ChunkSpec spec = metadata.chunk_spec();
  if (!small_size(spec.shape, spec.itemsize)) return;
  if (const auto* sharding = sharding_of(metadata.codecs)) {
    Shape grid;
    if (refused([&] { grid = sharding->chunks_per_shard(spec.shape); })) return;
    auto count = small_size(grid, 1);
    if (!count || *count > max_inner_chunks) return;
  }
  decode_chunk(metadata.codecs, spec, stored);
  Bytes chunk(spec.bytes());
  for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<std::byte>(i * 7 % 13);
  Bytes encoded;
  if (refused([&] { encoded = metadata.codecs.encode(chunk, spec); })) return;
  if (metadata.codecs.decode(encoded, spec, "fuzz.zarr/x/c/0") != chunk) __builtin_trap();
}

// The metadata's derived values, and its documents written back and read again.
void exercise(const ArrayMetadata& metadata, const Bytes& stored) {
  std::int64_t chunk_bytes = static_cast<std::int64_t>(tessera::itemsize(metadata.dtype));
  for (std::int64_t extent : metadata.chunk_shape) {
    if (__builtin_mul_overflow(chunk_bytes, extent, &chunk_bytes)) __builtin_trap();
  }
  if (!metadata.attributes.is_object()) __builtin_trap();
  Shape grid = metadata.grid();
  (void)metadata.chunk_key(Shape(grid.size(), 0));
  auto documents = array_documents(metadata);
  ArrayMetadata again;
  try {
    if (metadata.zarr_format == 2) {
      again = parse_v2_array(documents.at(".zarray").dump(), "fuzz.zarr/x/.zarray",
                             &documents.at(".zattrs"));
    } else {
      again = parse_v3_array(documents.at("zarr.json").dump(), "fuzz.zarr/x/zarr.json");
    }
  } catch (const tessera::IoError&) {
    __builtin_trap();  // tessera wrote metadata that it does not read
  }
  if (array_documents(again) != documents) __builtin_trap();
  exercise_chunks(metadata, stored);
}

// Splits off the text before the first '\0' of rest (all of it when there is none).
std::string_view take_part(std::string_view& rest) {
  std::size_t end = rest.find('\0');
  std::string_view part = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return part;
}

Bytes bytes_of(std::string_view text) {
  Bytes bytes(text.size());
  if (!text.empty()) std::memcpy(bytes.data(), text.data(), text.size());
  return bytes;
}

// Writes the CRC-32C of a crc32c-protected shard index over its stored checksum.
void fix_index_checksum(const ShardConfig& config, Bytes& stored) {
  auto count = small_size(config.codec.chunks_per_shard(config.spec.shape), 16);
  if (!count || stored.size() < *count + 4) return;
  bool at_end = config.codec.to_json()["configuration"]["index_location"] == "end";
  std::size_t start = at_end ? stored.size() - (*count + 4) : 0;
  std::uint32_t checksum = crc32c(std::span(stored.data() + start, *count));
  for (std::size_t i = 0; i < 4; ++i) {
    stored[start + *count + i] = static_cast<std::byte>(checksum >> (8 * i));
  }
}

void run(std::uint8_t selector, std::string_view payload) {
  unsigned variant = selector / kinds;
  switch (selector % kinds) {
    case v2_array: {
      std::string_view zarray = take_part(payload);
      std::string_view zattrs = take_part(payload);
      std::optional<nlohmann::json> attributes;
      if (!zattrs.empty()) attributes = parse_json(zattrs, "fuzz.zarr/x/.zattrs");
      auto metadata =
          parse_v2_array(zarray, "fuzz.zarr/x/.zarray", attributes ? &*attributes : nullptr);
      exercise(metadata, bytes_of(payload));
      break;
    }
    case v3_array: {
      std::string_view document = take_part(payload);
      exercise(parse_v3_array(document, "fuzz.zarr/x/zarr.json"), bytes_of(payload));
      break;
    }
    case consolidated: {
      auto documents = parse_consolidated(payload, "fuzz.zarr/.zmetadata");
      for (const auto& entry : documents) {
        const std::string& key = entry.first;
        const nlohmann::json& document = entry.second;
        std::string_view name(key);
        if (name.ends_with(".zarray")) {
          std::string prefix(name.substr(0, name.size() - 7));
          auto found = documents.find(prefix + ".zattrs");
          const nlohmann::json* attributes = found == documents.end() ? nullptr : &found->second;
          refused([&] {
            exercise(parse_v2_array(document.dump(), "fuzz.zarr/" + key, attributes), {});
          });
        } else if (name.ends_with("zarr.json")) {
          refused([&] { exercise(parse_v3_array(document.dump(), "fuzz.zarr/" + key), {}); });
        }
      }
      break;
    }
    case shard: {
      const auto& configs = shard_configs();
      const auto& config = configs[variant % configs.size()];
      Bytes stored = bytes_of(payload);
      if ((variant / configs.size()) % 2 == 1) fix_index_checksum(config, stored);
      read_shard(config.codec, config.spec, stored);
      refused([&] {
        if (config.codec.decode(stored, config.spec, {config.spec.bytes(), true}, "fuzz").size() !=
            config.spec.bytes()) {
          __builtin_trap();
        }
      });
      break;
    }
    default: {
      const auto& chains = chunk_chains();
      const auto& chain = chains[variant % chains.size()];
      decode_chunk(chain.codecs, chain.spec, bytes_of(payload));
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  try {
    run(data[0], std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  } catch (const tessera::IoError&) {
  }
  return 0;
}
