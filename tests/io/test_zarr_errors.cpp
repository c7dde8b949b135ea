// Bad input for Zarr: unknown codecs, corrupt or unknown metadata fields, chunks of the wrong
// size, shard index entries outside the shard, a read-only location and a full disk, each an
// IoError naming the file (or key) and the problem; a failed write leaves no chunk half-written
// and no temporary file. Also the defects fuzz_zarr_metadata found, one case each.

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <tessera/errors.hpp>
#include <tessera/io/zarr.hpp>

#include "io_support.hpp"
#include "zarr/codecs/codec.hpp"
#include "zarr/codecs/crc32c.hpp"
#include "zarr/codecs/sharding.hpp"
#include "zarr/metadata.hpp"

using Catch::Matchers::Contains;
using tessera::DType;
using tessera::IoError;
using tessera::io::Bytes;
using tessera::io::LocalStore;
using tessera::io::ZarrArray;
using tessera::io::ZarrArrayOptions;
using tessera_io_test::bytes_of;
using tessera_io_test::SmallFileSystem;
using tessera_io_test::TemporaryDirectory;
using tessera_io_test::text_of;
namespace zarr = tessera::io::zarr;

namespace {

// A v3 zarr.json of a float32 array of 8 in chunks of 4 with these codecs (and extra fields).
std::string v3_document(const std::string& codecs, const std::string& extra = "") {
  return R"({"zarr_format": 3, "node_type": "array", "shape": [8], "data_type": "float32",
      "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [4]}},
      "chunk_key_encoding": {"name": "default"}, "fill_value": 0, "codecs": )" +
         codecs + extra + "}";
}

Bytes pattern(std::size_t size, int seed) {
  Bytes bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::byte>((i * 31 + seed) % 251);
  return bytes;
}

// Every file under root whose name has the store's temporary marker.
std::vector<std::string> temporary_files(const std::filesystem::path& root) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.path().filename().string().find(".tessera-tmp.") != std::string::npos) {
      found.push_back(entry.path().string());
    }
  }
  return found;
}

std::string string_of_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace

TEST_CASE("an unknown codec or compressor in a store is an IoError naming the metadata file",
          "[io][zarr][errors]") {
  TemporaryDirectory dir;
  auto store = std::make_shared<LocalStore>(dir.path());
  store->set("v3/zarr.json", bytes_of(v3_document(R"([{"name": "bytes"}, {"name": "lzma"}])")));
  CHECK_THROWS_AS(ZarrArray::open(store, "v3"), IoError);
  CHECK_THROWS_WITH(ZarrArray::open(store, "v3"), Contains((dir.path() / "v3/zarr.json").string() +
                                                           ": codecs[1]: unknown codec \"lzma\""));
  store->set("v2/.zarray", bytes_of(R"({"zarr_format": 2, "shape": [8], "chunks": [4],
      "dtype": "<f4", "compressor": {"id": "lz4"}, "fill_value": 0, "order": "C"})"));
  CHECK_THROWS_WITH(ZarrArray::open(store, "v2"),
                    Contains((dir.path() / "v2/.zarray").string() + ": compressor") &&
                        Contains("unknown compressor \"lz4\""));
}

TEST_CASE("corrupt or unknown metadata fields are IoErrors naming the file and the field",
          "[io][zarr][errors]") {
  TemporaryDirectory dir;
  auto store = std::make_shared<LocalStore>(dir.path());
  const std::string file = (dir.path() / "a/zarr.json").string();
  const std::string good = v3_document(R"([{"name": "bytes"}])");
  store->set("a/zarr.json", bytes_of(good.substr(0, good.size() / 2)));
  CHECK_THROWS_WITH(ZarrArray::open(store, "a"), Contains(file + ": not valid JSON"));
  std::string wrong_shape = good;
  wrong_shape.replace(wrong_shape.find("[8]"), 3, "\"big\"");
  store->set("a/zarr.json", bytes_of(wrong_shape));
  CHECK_THROWS_WITH(ZarrArray::open(store, "a"),
                    Contains(file + ": \"shape\" is \"big\": expected a list of integers >= 0"));
  std::string wrong_dtype = good;
  wrong_dtype.replace(wrong_dtype.find("float32"), 7, "complex64");
  store->set("a/zarr.json", bytes_of(wrong_dtype));
  CHECK_THROWS_WITH(ZarrArray::open(store, "a"),
                    Contains(file + ": \"data_type\" is \"complex64\": expected "));
  // An extension that a reader must understand is refused; one marked optional is not.
  store->set("a/zarr.json",
             bytes_of(v3_document(R"([{"name": "bytes"}])", R"(, "chunk_cache": {"size": 3})")));
  CHECK_THROWS_WITH(ZarrArray::open(store, "a"),
                    Contains(file + ": unknown field \"chunk_cache\" is {\"size\":3}"));
  store->set("a/zarr.json", bytes_of(v3_document(R"([{"name": "bytes"}])",
                                                 R"(, "hint": {"must_understand": false})")));
  CHECK(ZarrArray::open(store, "a").shape() == std::vector<std::int64_t>{8});
  // A bad codec configuration names the codec's place and field.
  store->set(
      "a/zarr.json",
      bytes_of(v3_document(R"([{"name": "bytes", "configuration": {"endian": "middle"}}])")));
  CHECK_THROWS_WITH(ZarrArray::open(store, "a"),
                    Contains(file + ": codecs[0] (bytes): \"endian\" is \"middle\""));
}

TEST_CASE("a truncated or wrongly sized chunk is an IoError naming its file and the codec",
          "[io][zarr][errors]") {
  TemporaryDirectory dir;
  auto store = std::make_shared<LocalStore>(dir.path());
  ZarrArrayOptions options;
  options.shape = {8};
  options.chunks = {4};
  options.dtype = DType::float32;
  for (const char* compressor : {"none", "zstd", "gzip", "blosc"}) {
    INFO(compressor);
    options.compressor = compressor;
    auto array = ZarrArray::create(store, compressor, options);
    array.write_chunk({0}, pattern(16, 1));
    const auto path = dir.path() / compressor / "c/0";
    const std::string stored = string_of_file(path);
    write_file(path, stored.substr(0, stored.size() - 1));
    CHECK_THROWS_AS(array.read_chunk({0}), IoError);
    CHECK_THROWS_WITH(array.read_chunk({0}),
                      Contains("chunk '" + path.string() + "' does not decode with codec"));
    if (std::string(compressor) == "none") {
      CHECK_THROWS_WITH(array.read_chunk({0}), Contains("codec bytes: 15 bytes, expected 16"));
    }
    // A chunk of another array, of 8 elements: decodes to too much, whatever its header says.
    ZarrArrayOptions wider = options;
    wider.shape = {8};
    wider.chunks = {8};
    auto other = ZarrArray::create(store, std::string(compressor) + "-wide", wider);
    other.write_chunk({0}, pattern(32, 2));
    write_file(path, string_of_file(dir.path() / (std::string(compressor) + "-wide") / "c/0"));
    const std::string codec = options.compressor == "none" ? "bytes" : options.compressor;
    CHECK_THROWS_WITH(array.read_chunk({0}),
                      Contains("chunk '" + path.string() + "'") && Contains("codec " + codec));
  }
}

TEST_CASE("a shard index entry beyond the shard's end is an IoError naming the shard",
          "[io][zarr][errors][shard]") {
  TemporaryDirectory dir;
  auto store = std::make_shared<LocalStore>(dir.path());
  ZarrArrayOptions options;
  options.shape = {8};
  options.chunks = {8};
  options.inner_chunks = {4};
  options.dtype = DType::float32;
  options.compressor = "none";
  auto array = ZarrArray::create(store, "s", options);
  array.write_shard({0}, {pattern(16, 1), pattern(16, 2)});
  const auto path = dir.path() / "s/c/0";
  const std::string shard = string_of_file(path);
  REQUIRE(shard.size() == 32 + 2 * 16 + 4);  // two chunks, then the index and its crc32c
  // Rewrites inner chunk 1's (offset, nbytes) with a valid checksum, so that only the entry is
  // wrong.
  auto with_entry = [&](std::uint64_t offset, std::uint64_t nbytes) {
    std::string changed = shard;
    std::memcpy(changed.data() + 32 + 16, &offset, 8);
    std::memcpy(changed.data() + 32 + 24, &nbytes, 8);
    std::uint32_t checksum = zarr::crc32c(
        std::span(reinterpret_cast<const std::byte*>(changed.data()) + 32, std::size_t{32}));
    std::memcpy(changed.data() + 64, &checksum, 4);
    write_file(path, changed);
  };
  with_entry(16, 16);
  CHECK(array.read_chunk({1}) == pattern(16, 2));
  with_entry(60, 16);
  CHECK_THROWS_WITH(array.read_chunk({0}),
                    Contains("chunk '" + path.string() + "'") &&
                        Contains("index entry 1 (offset 60, nbytes 16) lies outside the shard's "
                                 "68 bytes"));
  with_entry(16, 1000);
  CHECK_THROWS_WITH(array.read_chunk({1}), Contains("(offset 16, nbytes 1000) lies outside"));
  const std::uint64_t huge = std::uint64_t{1} << 63;
  with_entry(huge, huge);  // offset + nbytes wraps around to 0
  CHECK_THROWS_WITH(array.read_chunk({1}), Contains("lies outside the shard's 68 bytes"));
}

TEST_CASE("writing Zarr to a read-only location is an IoError naming the key's file",
          "[io][zarr][errors]") {
  TemporaryDirectory dir;
  SmallFileSystem disk(dir.path() / "disk", "1m");
  if (!disk.mounted()) {
    WARN("not root or tmpfs cannot be mounted: the read-only location is not tested");
    return;
  }
  auto store = std::make_shared<LocalStore>(disk.path() / "a.zarr");
  ZarrArrayOptions options;
  options.zarr_format = 2;
  options.shape = {8};
  options.chunks = {4};
  options.dtype = DType::int32;
  auto array = ZarrArray::create(store, "x", options);
  array.write_chunk({0}, pattern(16, 1));
  // chmod 0555 does not stop root: a read-only file system does.
  REQUIRE(disk.remount_read_only());
  const auto chunk = disk.path() / "a.zarr/x/1";
  CHECK_THROWS_AS(array.write_chunk({1}, pattern(16, 2)), IoError);
  CHECK_THROWS_WITH(array.write_chunk({1}, pattern(16, 2)),
                    Contains("cannot write '" + chunk.string() + "': Read-only file system"));
  CHECK_THROWS_WITH(array.write_chunk({0}, pattern(16, 3)),
                    Contains((disk.path() / "a.zarr/x/0").string() + "': Read-only file system"));
  CHECK(array.read_chunk({0}) == pattern(16, 1));  // the previous value stays
  options.zarr_format = 3;
  CHECK_THROWS_WITH(
      ZarrArray::create(store, "y", options),
      Contains((disk.path() / "a.zarr/y").string()) && Contains("Read-only file system"));
}

TEST_CASE("a full disk fails each chunk write with an IoError and leaves no partial chunk",
          "[io][zarr][errors]") {
  TemporaryDirectory dir;
  SmallFileSystem disk(dir.path() / "disk", "1m");
  if (!disk.mounted()) {
    WARN("not root or tmpfs cannot be mounted: the full disk is not tested");
    return;
  }
  auto store = std::make_shared<LocalStore>(disk.path() / "full.zarr");
  ZarrArrayOptions options;
  options.shape = {16 * 16384};
  options.chunks = {16384};  // 16 chunks of 128 KiB: 2 MiB onto 1 MiB
  options.dtype = DType::float64;
  options.compressor = "none";
  auto array = ZarrArray::create(store, "x", options);
  const std::size_t chunk_bytes = 16384 * 8;
  int written = 0, failed = 0;
  for (std::int64_t i = 0; i < 16; ++i) {
    try {
      array.write_chunk({i}, pattern(chunk_bytes, static_cast<int>(i)));
      ++written;
    } catch (const IoError& error) {
      ++failed;
      const auto path = disk.path() / ("full.zarr/x/c/" + std::to_string(i));
      CHECK_THAT(error.what(), Contains("cannot write '" + path.string() + "'"));
      CHECK_THAT(error.what(), Contains("No space left on device"));
    }
  }
  CHECK(written > 0);
  CHECK(failed > 0);
  CHECK(temporary_files(disk.path()).empty());
  // Every chunk that is there is whole; the others read as the fill value.
  int present = 0;
  for (std::int64_t i = 0; i < 16; ++i) {
    INFO("chunk " << i);
    if (std::filesystem::exists(disk.path() / ("full.zarr/x/c/" + std::to_string(i)))) {
      ++present;
      CHECK(array.read_chunk({i}) == pattern(chunk_bytes, static_cast<int>(i)));
    } else {
      CHECK(array.read_chunk({i}) == Bytes(chunk_bytes));
    }
  }
  CHECK(present == written);
}

// The defects fuzz_zarr_metadata found (and the corpus keeps their inputs).

TEST_CASE("a number too large for a double in metadata is an IoError naming the file",
          "[io][zarr][errors][fuzz]") {
  // nlohmann-json throws out_of_range, not parse_error, for it: it escaped as another type.
  CHECK_THROWS_AS(zarr::parse_v3_array(v3_document("[\"bytes\"]", R"(, "x": 1e400)"), "n.json"),
                  IoError);
  CHECK_THROWS_WITH(zarr::parse_v2_array(R"({"zarr_format": 2, "shape": [8e999]})", "n/.zarray"),
                    Contains("n/.zarray: not valid JSON") && Contains("8e999"));
}

TEST_CASE("a zstd frame claiming a huge window is refused as a chunk of its expected size",
          "[io][zarr][errors][fuzz]") {
  // The fuzzer's input: a frame header asking for a window of about 112 MiB, which streaming
  // decompression allocated from 28 bytes of input (corpus/zarr/regression-zstd-window.bin).
  const unsigned char frame[] = {0x28, 0xb5, 0x2f, 0xfd, 0xa5, 0x00, 0x00, 0x68, 0x00,
                                 0x07, 0x01, 0x08, 0x02, 0x09, 0x03, 0x0a, 0x04, 0x0b,
                                 0x00, 0x0c, 0x60, 0x05, 0xa0, 0x06, 0x01, 0xe6, 0x17};
  Bytes stored(sizeof frame);
  std::memcpy(stored.data(), frame, sizeof frame);
  zarr::CodecChain chain({zarr::make_bytes(false), zarr::make_zstd(3)}, "test");
  CHECK_THROWS_WITH(chain.decode(stored, {{60}, 4, {}}, "z/c/0"),
                    Contains("chunk 'z/c/0' does not decode with codec zstd"));
  // Data that decodes to more than the chunk is named as such.
  auto eight = chain.encode(pattern(32, 0), {{8}, 4, {}});
  CHECK_THROWS_WITH(chain.decode(eight, {{4}, 4, {}}, "z/c/1"),
                    Contains("z/c/1") && Contains("decodes to more than 16 bytes"));
  CHECK_THROWS_WITH(chain.decode(Bytes(eight.begin(), eight.end() - 2), {{8}, 4, {}}, "z/c/2"),
                    Contains("z/c/2") && Contains("zstd"));
}

TEST_CASE("the chunk grid of an extent near 2^63 does not overflow", "[io][zarr][errors][fuzz]") {
  auto metadata = zarr::parse_v3_array(
      R"({"zarr_format": 3, "node_type": "array", "shape": [9223372036854775807, 5],
      "data_type": "uint8", "chunk_grid": {"name": "regular", "configuration":
      {"chunk_shape": [2, 5]}}, "chunk_key_encoding": {"name": "default"}, "fill_value": 0,
      "codecs": ["bytes"]})",
      "big/zarr.json");
  CHECK(metadata.grid() == zarr::Shape{std::int64_t{1} << 62, 1});
}

TEST_CASE("a chunk shape of more than 2^63 bytes is an IoError, not a wrapped size",
          "[io][zarr][errors][fuzz]") {
  CHECK_THROWS_WITH(
      zarr::parse_v2_array(R"({"zarr_format": 2, "shape": [1, 1, 1], "chunks": [4294967296,
          4294967296, 16], "dtype": "<f4", "compressor": null, "fill_value": 0})",
                           "w/.zarray"),
      Contains("w/.zarray: \"chunks\" is [4294967296,4294967296,16]") &&
          Contains("more than 2^63 bytes"));
  CHECK_THROWS_WITH(
      zarr::parse_v3_array(
          R"({"zarr_format": 3, "node_type": "array", "shape": [1], "data_type": "float64",
          "chunk_grid": {"name": "regular", "configuration": {"chunk_shape":
          [2305843009213693952]}}, "chunk_key_encoding": {"name": "default"},
          "fill_value": 0, "codecs": ["bytes"]})",
          "w/zarr.json"),
      Contains("w/zarr.json: \"chunk_grid.configuration.chunk_shape\"") &&
          Contains("more than 2^63 bytes"));
}

TEST_CASE("a shard of more inner chunks than an index can address is an IoError",
          "[io][zarr][errors][fuzz]") {
  zarr::ShardingCodec codec({1}, zarr::CodecChain({zarr::make_bytes(false)}, "c"),
                            zarr::CodecChain({zarr::make_bytes(false)}, "i"), true);
  // 2^62 inner chunks: their index of 16 bytes each wrapped around to 0 bytes.
  zarr::ChunkSpec shard{{std::int64_t{1} << 62}, 1, {}};
  CHECK_THROWS_WITH(codec.read_inner(Bytes(64), shard, 0, "s/c/0"),
                    Contains("inner chunks: more than an index can address"));
}

TEST_CASE("v2 attributes that are not an object are an IoError naming .zattrs",
          "[io][zarr][errors][fuzz]") {
  TemporaryDirectory dir;
  auto store = std::make_shared<LocalStore>(dir.path());
  store->set("x/.zarray", bytes_of(R"({"zarr_format": 2, "shape": [4], "chunks": [2],
      "dtype": "<i4", "compressor": null, "fill_value": 0, "order": "C"})"));
  store->set("x/.zattrs", bytes_of("[1, 2]"));
  CHECK_THROWS_WITH(ZarrArray::open(store, "x"),
                    Contains((dir.path() / "x/.zattrs").string() +
                             ": the attributes are [1,2]: expected an object"));
  store->set("x/.zattrs", bytes_of(R"({"units": "m"})"));
  CHECK(ZarrArray::open(store, "x").attributes_json() == R"({"units":"m"})");
}

TEST_CASE("v2 filters that are not objects with an id are named in an IoError",
          "[io][zarr][errors][fuzz]") {
  // json::value() threw nlohmann's type_error for a filter that is a string.
  CHECK_THROWS_WITH(
      zarr::parse_v2_array(R"({"zarr_format": 2, "shape": [4], "chunks": [2],
      "dtype": "<i4", "filters": ["Infinity", {"id": 3}, {"id": "delta"}]})",
                           "f/.zarray"),
      Contains("f/.zarray: \"filters\" is [\"Infinity\",{\"id\":3},{\"id\":\"delta\"}]: "
               "filters (?, ?, delta) are not supported"));
}
