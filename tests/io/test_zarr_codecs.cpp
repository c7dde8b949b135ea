#include <catch2/catch.hpp>
#include <cstring>
#include <numeric>
#include <tessera/errors.hpp>

#include "io_support.hpp"
#include "zarr/codecs/codec.hpp"
#include "zarr/codecs/crc32c.hpp"
#include "zarr/codecs/sharding.hpp"

using namespace tessera::io::zarr;
using tessera::IoError;
using tessera::io::Bytes;
using tessera_io_test::bytes_of;

namespace {

// n floats 0, 0.5, 1, ... as bytes.
Bytes ramp(std::size_t n) {
  std::vector<float> values(n);
  for (std::size_t i = 0; i < n; ++i) values[i] = 0.5f * static_cast<float>(i);
  Bytes bytes(n * sizeof(float));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

CodecChain chain(std::vector<CodecPtr> codecs) { return CodecChain(std::move(codecs), "test"); }

}  // namespace

TEST_CASE("crc32c gives the known check values", "[io][zarr][codec]") {
  CHECK(crc32c(bytes_of("123456789")) == 0xE3069283u);
  CHECK(crc32c(Bytes{}) == 0u);
  CHECK(crc32c(Bytes(32, std::byte{0})) == 0x8A9136AAu);
  CHECK(crc32c(Bytes(32, std::byte{0xFF})) == 0x62A8AB43u);
  Bytes ascending(32);
  for (int i = 0; i < 32; ++i) ascending[i] = static_cast<std::byte>(i);
  CHECK(crc32c(ascending) == 0x46DD794Eu);
}

TEST_CASE("every codec decodes what it encodes", "[io][zarr][codec]") {
  ChunkSpec spec{{6, 10}, 4, {}};
  Bytes data = ramp(60);
  std::vector<std::pair<std::string, CodecChain>> chains;
  for (const char* cname : {"lz4", "zstd", "blosclz", "zlib", "lz4hc"}) {
    for (auto shuffle : {BloscShuffle::none, BloscShuffle::byte, BloscShuffle::bit}) {
      chains.emplace_back(std::string("blosc ") + cname,
                          chain({make_bytes(false), make_blosc(cname, 5, shuffle, 4)}));
    }
  }
  chains.emplace_back("zlib", chain({make_bytes(false), make_zlib(6)}));
  chains.emplace_back("gzip", chain({make_bytes(false), make_gzip(1)}));
  chains.emplace_back("zstd", chain({make_bytes(false), make_zstd(3, true)}));
  chains.emplace_back("crc32c", chain({make_bytes(false), make_crc32c()}));
  chains.emplace_back("big endian", chain({make_bytes(true)}));
  chains.emplace_back("transpose + zstd + crc32c", chain({make_transpose({1, 0}), make_bytes(false),
                                                          make_zstd(0), make_crc32c()}));
  for (auto& [name, codecs] : chains) {
    INFO(name);
    Bytes encoded = codecs.encode(data, spec);
    CHECK(codecs.decode(encoded, spec, "c/0/0") == data);
  }
}

TEST_CASE("bytes big-endian and transpose lay the elements out as Zarr says", "[io][zarr][codec]") {
  ChunkSpec spec{{2, 3}, 4, {}};
  std::vector<std::uint32_t> values{1, 2, 3, 4, 5, 6};
  Bytes data(24);
  std::memcpy(data.data(), values.data(), 24);
  Bytes big = make_bytes(true)->encode(data, spec);
  CHECK(big[3] == std::byte{1});
  CHECK(big[0] == std::byte{0});
  Bytes transposed = make_transpose({1, 0})->encode(data, spec);
  std::vector<std::uint32_t> out(6);
  std::memcpy(out.data(), transposed.data(), 24);
  CHECK(out == std::vector<std::uint32_t>{1, 4, 2, 5, 3, 6});
  // Three axes: (2, 3, 4) with order (2, 0, 1) gives shape (4, 2, 3).
  ChunkSpec cube{{2, 3, 4}, 1, {}};
  Bytes ramp8(24);
  std::iota(reinterpret_cast<std::uint8_t*>(ramp8.data()),
            reinterpret_cast<std::uint8_t*>(ramp8.data()) + 24, std::uint8_t{0});
  auto codec = make_transpose({2, 0, 1});
  CHECK(codec->encoded_spec(cube).shape == Shape{4, 2, 3});
  Bytes moved = codec->encode(ramp8, cube);
  // Element (k, i, j) of the result is element (i, j, k) of the input: 12 i + 4 j + k.
  CHECK(std::to_integer<int>(moved[1 * 6 + 1 * 3 + 2]) == 12 * 1 + 4 * 2 + 1);
  CHECK(codec->decode(moved, cube, {24, true}, "c") == ramp8);
}

TEST_CASE("a corrupt or truncated chunk is an IoError naming the chunk and the codec",
          "[io][zarr][codec]") {
  ChunkSpec spec{{100}, 4, {}};
  Bytes data = ramp(100);
  struct Case {
    const char* codec;
    CodecChain codecs;
  };
  std::vector<Case> cases{
      {"blosc", chain({make_bytes(false), make_blosc("lz4", 5, BloscShuffle::byte, 4)})},
      {"zlib", chain({make_bytes(false), make_zlib(6)})},
      {"gzip", chain({make_bytes(false), make_gzip(6)})},
      {"zstd", chain({make_bytes(false), make_zstd(3)})},
      {"crc32c", chain({make_bytes(false), make_crc32c()})},
  };
  for (auto& c : cases) {
    INFO(c.codec);
    Bytes encoded = c.codecs.encode(data, spec);
    auto expect_error = [&](Bytes stored) {
      CHECK_THROWS_AS(c.codecs.decode(stored, spec, "t2m/c/3/4"), IoError);
      CHECK_THROWS_WITH(c.codecs.decode(stored, spec, "t2m/c/3/4"),
                        Catch::Contains("'t2m/c/3/4'") && Catch::Contains(c.codec));
    };
    for (std::size_t keep :
         {std::size_t{0}, std::size_t{3}, encoded.size() / 2, encoded.size() - 1}) {
      expect_error(Bytes(encoded.begin(), encoded.begin() + static_cast<std::ptrdiff_t>(keep)));
    }
    Bytes flipped = encoded;
    for (std::size_t i = 0; i < flipped.size(); i += 7) flipped[i] ^= std::byte{0x5A};
    expect_error(flipped);
    // The same data as a chunk of another size: a wrong length is refused, not trusted.
    ChunkSpec smaller{{50}, 4, {}};
    CHECK_THROWS_WITH(c.codecs.decode(encoded, smaller, "t2m/c/0"), Catch::Contains(c.codec));
  }
  CHECK_THROWS_WITH(chain({make_bytes(false)}).decode(Bytes(399), spec, "x/0"),
                    Catch::Contains("399 bytes, expected 400"));
}

TEST_CASE("codecs are read from their v3 metadata; unknown ones are named", "[io][zarr][codec]") {
  auto blosc = codec_from_json(nlohmann::json::parse(R"({"name": "blosc", "configuration":
      {"cname": "zstd", "clevel": 3, "shuffle": "bitshuffle", "typesize": 8, "blocksize": 0}})"),
                               "a/zarr.json: codecs[1]");
  CHECK(blosc->name() == "blosc");
  CHECK(blosc->to_json()["configuration"]["shuffle"] == "bitshuffle");
  CHECK(codec_from_json(nlohmann::json("crc32c"), "w")->name() == "crc32c");
  CHECK_THROWS_WITH(
      codec_from_json(nlohmann::json::parse(R"({"name": "lzma"})"), "a/zarr.json: codecs[1]"),
      Catch::Contains("a/zarr.json: codecs[1]") && Catch::Contains("unknown codec \"lzma\""));
  CHECK_THROWS_WITH(
      codec_from_json(
          nlohmann::json::parse(
              R"({"name": "blosc", "configuration": {"cname": "lz5", "shuffle": "shuffle"}})"),
          "a/zarr.json: codecs[1]"),
      Catch::Contains("\"lz5\""));
  CHECK_THROWS_WITH(codec_from_json(nlohmann::json::parse(
                                        R"({"name": "gzip", "configuration": {"level": "high"}})"),
                                    "b/zarr.json: codecs[1]"),
                    Catch::Contains("b/zarr.json: codecs[1] (gzip): \"level\" is \"high\": "
                                    "expected an integer from 0 to 9"));
  CHECK_THROWS_WITH(CodecChain({make_zstd(1), make_bytes(false)}, "c/zarr.json: codecs"),
                    Catch::Contains("c/zarr.json: codecs: codec 0 (zstd) is out of place"));
}

TEST_CASE("a shard gives back each inner chunk through its index, at the start or the end",
          "[io][zarr][codec][shard]") {
  for (bool at_end : {true, false}) {
    INFO("index at end: " << at_end);
    ShardingCodec codec({2, 3}, chain({make_bytes(false), make_zstd(1)}),
                        chain({make_bytes(false), make_crc32c()}), at_end);
    ChunkSpec shard{{4, 6}, 4, {}};
    CHECK(codec.chunks_per_shard(shard.shape) == Shape{2, 2});
    std::vector<std::optional<Bytes>> inner{ramp(6), std::nullopt, ramp(6), ramp(6)};
    for (std::size_t i = 0; i < 6 * 4; ++i) (*inner[3])[i] ^= std::byte{1};
    Bytes stored = codec.assemble(inner, shard);
    for (std::size_t i = 0; i < 4; ++i)
      CHECK(codec.read_inner(stored, shard, i, "s/0.0") == inner[i]);
    CHECK_THROWS_WITH(codec.read_inner(stored, shard, 4, "s/0.0"),
                      Catch::Contains("inner chunk 4 is out of range"));
    // Whole-shard decode fills the missing inner chunk with the fill value (zeros here).
    Bytes whole = codec.decode(stored, shard, {96, true}, "s/0.0");
    CHECK(codec.encode(whole, shard).size() > stored.size());  // now all four are present
    // A damaged index fails its checksum; a truncated shard is shorter than its index.
    Bytes damaged = stored;
    damaged[at_end ? damaged.size() - 10 : 5] ^= std::byte{0xFF};
    CHECK_THROWS_WITH(codec.read_inner(damaged, shard, 0, "s/0.0"),
                      Catch::Contains("s/0.0 (shard index)") && Catch::Contains("crc32c"));
    CHECK_THROWS_WITH(
        codec.read_inner(Bytes(stored.begin(), stored.begin() + 20), shard, 0, "s/1.1"),
        Catch::Contains("'s/1.1'") && Catch::Contains("fewer than its index"));
  }
}

TEST_CASE("a shard index entry outside the shard is an IoError, not a read out of bounds",
          "[io][zarr][codec][shard]") {
  ShardingCodec codec({2}, chain({make_bytes(false)}), chain({make_bytes(false)}), true);
  ChunkSpec shard{{4}, 4, {}};
  Bytes stored = codec.assemble({ramp(2), ramp(2)}, shard);
  // The index is the last 32 bytes: entry 1's offset is the first uint64 of its pair.
  std::uint64_t offset = 1000;
  std::memcpy(stored.data() + stored.size() - 16, &offset, 8);
  CHECK_THROWS_WITH(codec.read_inner(stored, shard, 0, "a/c/0"),
                    Catch::Contains("index entry 1 (offset 1000, nbytes 8) lies outside"));
}
