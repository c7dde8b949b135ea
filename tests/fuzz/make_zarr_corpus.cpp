// Writes the seed corpus of fuzz_zarr_metadata (layout: fuzz_zarr.hpp): metadata documents as
// tessera and zarr-python write them, each followed by a chunk encoded with its codecs, a
// consolidated .zmetadata, shards of each fixed configuration and chunks of each fixed chain,
// one file each (corpus/zarr/<n>.bin). Run through the fuzz_zarr_corpus target.

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_zarr.hpp"
#include "zarr/metadata.hpp"

namespace {

using namespace tessera_fuzz;

Bytes ramp(std::size_t size) {
  Bytes bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::byte>(i * 7 % 13);
  return bytes;
}

std::string text_of(const Bytes& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// A chunk of the array, encoded as the array stores it.
std::string chunk_of(const ArrayMetadata& metadata) {
  auto spec = metadata.chunk_spec();
  return text_of(metadata.codecs.encode(ramp(spec.bytes()), spec));
}

const char* v2_documents[] = {
    // zarr-python 2/3 defaults: blosc lz4 with byte shuffle.
    R"({"chunks": [4, 5], "compressor": {"blocksize": 0, "clevel": 5, "cname": "lz4", "id": "blosc",
        "shuffle": 1}, "dimension_separator": ".", "dtype": "<f8", "fill_value": "NaN",
        "filters": null, "order": "C", "shape": [10, 10], "zarr_format": 2})",
    R"({"chunks": [3, 2], "compressor": {"id": "zlib", "level": 1}, "dtype": ">i4",
        "fill_value": -7, "filters": null, "order": "F", "shape": [7, 4], "zarr_format": 2,
        "dimension_separator": "/"})",
    R"({"chunks": [8], "compressor": {"id": "zstd", "level": 3, "checksum": true},
        "dtype": "|u1", "fill_value": 255, "filters": [], "order": "C", "shape": [20],
        "zarr_format": 2})",
    R"({"chunks": [], "compressor": null, "dtype": "|b1", "fill_value": true, "filters": null,
        "order": "C", "shape": [], "zarr_format": 2})",
    R"({"chunks": [2, 2], "compressor": {"id": "gzip", "level": 9}, "dtype": "<u8",
        "fill_value": 0, "order": "C", "shape": [3, 3], "zarr_format": 2})",
};

const char* v3_documents[] = {
    // As zarr-python 3 writes it (create_array with default codecs).
    R"({"shape": [10, 10], "data_type": "float32", "chunk_grid": {"name": "regular",
        "configuration": {"chunk_shape": [5, 5]}}, "chunk_key_encoding": {"name": "default",
        "configuration": {"separator": "/"}}, "fill_value": 0.0, "codecs": [{"name": "bytes",
        "configuration": {"endian": "little"}}, {"name": "zstd", "configuration": {"level": 0,
        "checksum": false}}], "attributes": {"units": "K"}, "dimension_names": ["y", null],
        "zarr_format": 3, "node_type": "array", "storage_transformers": []})",
    R"({"zarr_format": 3, "node_type": "array", "shape": [8, 12], "data_type": "int64",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [4, 6]}},
        "chunk_key_encoding": {"name": "default"}, "fill_value": -1, "codecs": [
        {"name": "sharding_indexed", "configuration": {"chunk_shape": [2, 3], "codecs": [
        {"name": "bytes", "configuration": {"endian": "little"}}, {"name": "blosc",
        "configuration": {"cname": "zstd", "clevel": 3, "shuffle": "shuffle", "typesize": 8,
        "blocksize": 0}}], "index_codecs": [{"name": "bytes", "configuration": {"endian":
        "little"}}, {"name": "crc32c"}], "index_location": "end"}}]})",
    R"({"zarr_format": 3, "node_type": "array", "shape": [6], "data_type": "uint8",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [6]}},
        "chunk_key_encoding": {"name": "v2", "configuration": {"separator": "."}},
        "fill_value": 3, "codecs": [{"name": "sharding_indexed", "configuration":
        {"chunk_shape": [2], "codecs": [{"name": "bytes"}, {"name": "gzip", "configuration":
        {"level": 1}}], "index_codecs": [{"name": "bytes"}, {"name": "crc32c"}],
        "index_location": "start"}}]})",
    R"({"zarr_format": 3, "node_type": "array", "shape": [4, 3, 2], "data_type": "float64",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [2, 3, 2]}},
        "chunk_key_encoding": {"name": "default"}, "fill_value": "0x7ff8000000000000",
        "codecs": [{"name": "transpose", "configuration": {"order": [2, 0, 1]}},
        {"name": "bytes", "configuration": {"endian": "big"}}, {"name": "zlib",
        "configuration": {"level": 2}}, {"name": "crc32c"}]})",
    R"({"zarr_format": 3, "node_type": "array", "shape": [5], "data_type": "bool",
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [5]}},
        "chunk_key_encoding": {"name": "default"}, "fill_value": false,
        "codecs": ["bytes"], "attributes": {}})",
};

// As zarr-python 2 consolidates a group with an array and a subgroup.
const char* zmetadata = R"({"metadata": {".zattrs": {"title": "t"}, ".zgroup": {"zarr_format": 2},
    "t2m/.zarray": {"chunks": [2, 3], "compressor": {"blocksize": 0, "clevel": 5, "cname": "lz4",
    "id": "blosc", "shuffle": 1}, "dtype": "<f4", "fill_value": 0.0, "filters": null,
    "order": "C", "shape": [4, 6], "zarr_format": 2}, "t2m/.zattrs": {"units": "K"},
    "g/.zgroup": {"zarr_format": 2}, "g/u/.zarray": {"chunks": [5], "compressor": null,
    "dtype": "<i8", "fill_value": null, "filters": null, "order": "C", "shape": [5],
    "zarr_format": 2}}, "zarr_consolidated_format": 1})";

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus directory>\n", argv[0]);
    return 2;
  }
  int n = 0;
  auto write = [&](std::uint8_t selector, const std::string& payload) {
    std::ofstream out(std::string(argv[1]) + "/" + std::to_string(n++) + ".bin", std::ios::binary);
    out.put(static_cast<char>(selector));
    out << payload;
  };
  for (const char* document : v2_documents) {
    auto metadata = parse_v2_array(document, ".zarray");
    write(selector(v2_array),
          std::string(document) + '\0' + R"({"a": [1, 2]})" + '\0' + chunk_of(metadata));
  }
  for (const char* document : v3_documents) {
    auto metadata = parse_v3_array(document, "zarr.json");
    write(selector(v3_array), std::string(document) + '\0' + chunk_of(metadata));
  }
  write(selector(consolidated), zmetadata);
  const auto& configs = shard_configs();
  for (std::size_t c = 0; c < configs.size(); ++c) {
    const auto& config = configs[c];
    auto inner = config.codec.inner_spec(config.spec);
    std::vector<std::optional<Bytes>> chunks;
    std::size_t count = config.spec.bytes() / inner.bytes();
    for (std::size_t i = 0; i < count; ++i) {
      chunks.push_back(i % 3 == 1 ? std::nullopt : std::optional(ramp(inner.bytes())));
    }
    auto stored = text_of(config.codec.assemble(chunks, config.spec));
    write(selector(shard, static_cast<unsigned>(c)), stored);
    write(selector(shard, static_cast<unsigned>(c + configs.size())), stored);
  }
  const auto& chains = chunk_chains();
  for (std::size_t c = 0; c < chains.size(); ++c) {
    const auto& chain = chains[c];
    write(selector(chunk, static_cast<unsigned>(c)),
          text_of(chain.codecs.encode(ramp(chain.spec.bytes()), chain.spec)));
  }
  std::printf("wrote %d inputs to %s\n", n, argv[1]);
  return 0;
}
