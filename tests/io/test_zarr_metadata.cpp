#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <tessera/errors.hpp>

#include "zarr/codecs/sharding.hpp"
#include "zarr/metadata.hpp"

using namespace tessera::io::zarr;
using tessera::DType;
using tessera::IoError;

namespace {

double fill_as_double(const ArrayMetadata& metadata) {
  if (metadata.dtype == DType::float32) {
    float value;
    std::memcpy(&value, metadata.fill_value.data(), 4);
    return value;
  }
  double value;
  std::memcpy(&value, metadata.fill_value.data(), 8);
  return value;
}

}  // namespace

TEST_CASE("a v2 .zarray is read with its dtype, order, fill value, separator and compressor",
          "[io][zarr][metadata]") {
  auto metadata = parse_v2_array(R"({"zarr_format": 2, "shape": [10, 7], "chunks": [4, 3],
      "dtype": ">f8", "compressor": {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1,
      "blocksize": 0}, "fill_value": "NaN", "order": "F", "filters": null,
      "dimension_separator": "/"})",
                                 "a.zarr/t/.zarray");
  CHECK(metadata.zarr_format == 2);
  CHECK(metadata.shape == Shape{10, 7});
  CHECK(metadata.chunk_shape == Shape{4, 3});
  CHECK(metadata.grid() == Shape{3, 3});
  CHECK(metadata.dtype == DType::float64);
  CHECK(metadata.big_endian);
  CHECK(metadata.fortran_order);
  CHECK(std::isnan(fill_as_double(metadata)));
  CHECK(metadata.chunk_key({2, 1}) == "2/1");
  REQUIRE(metadata.codecs.codecs().size() == 3);
  CHECK(metadata.codecs.codecs()[0]->name() == "transpose");
  CHECK(metadata.codecs.codecs()[1]->to_json()["configuration"]["endian"] == "big");
  CHECK(metadata.codecs.codecs()[2]->name() == "blosc");
  // Written back as read.
  auto again = parse_v2_array(array_documents(metadata).at(".zarray").dump(), "again");
  CHECK(again.big_endian);
  CHECK(again.fortran_order);
  CHECK(again.separator == '/');

  auto plain = parse_v2_array(R"({"zarr_format": 2, "shape": [5], "chunks": [5], "dtype": "|b1",
      "compressor": null, "fill_value": false, "order": "C", "filters": null})",
                              "b/.zarray");
  CHECK(plain.chunk_key({0}) == "0");
  CHECK(plain.dtype == DType::bool_);
  for (const char* text : {"Infinity", "-Infinity"}) {
    auto m = parse_v2_array(std::string(R"({"zarr_format": 2, "shape": [5], "chunks": [5],
        "dtype": "<f4", "compressor": {"id": "zstd", "level": 1}, "fill_value": ")") +
                                text + R"(", "order": "C", "filters": null})",
                            "c/.zarray");
    CHECK(std::isinf(fill_as_double(m)));
    CHECK((fill_as_double(m) < 0) == (text[0] == '-'));
  }
}

TEST_CASE("a v3 zarr.json is read with its chunk key encoding, codecs and attributes",
          "[io][zarr][metadata]") {
  auto metadata = parse_v3_array(R"({"zarr_format": 3, "node_type": "array", "shape": [8, 8],
      "data_type": "int32", "chunk_grid": {"name": "regular", "configuration":
      {"chunk_shape": [4, 8]}}, "chunk_key_encoding": {"name": "default", "configuration":
      {"separator": "/"}}, "fill_value": -1, "codecs": [{"name": "sharding_indexed",
      "configuration": {"chunk_shape": [2, 4], "codecs": [{"name": "bytes", "configuration":
      {"endian": "little"}}, {"name": "gzip", "configuration": {"level": 1}}], "index_codecs":
      [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "crc32c"}],
      "index_location": "start"}}], "attributes": {"units": "K"}, "dimension_names": ["y", "x"]})",
                                 "s.zarr/zarr.json");
  CHECK(metadata.chunk_key({1, 0}) == "c/1/0");
  CHECK(metadata.attributes["units"] == "K");
  CHECK(metadata.dimension_names == std::vector<std::string>{"y", "x"});
  std::int32_t fill;
  std::memcpy(&fill, metadata.fill_value.data(), 4);
  CHECK(fill == -1);
  auto* sharding = dynamic_cast<const ShardingCodec*>(metadata.codecs.codecs().front().get());
  REQUIRE(sharding);
  CHECK(sharding->chunks_per_shard(metadata.chunk_shape) == Shape{2, 2});
  auto again = parse_v3_array(array_documents(metadata).at("zarr.json").dump(), "again");
  CHECK(again.codecs.to_json() == metadata.codecs.to_json());

  auto v2_keys = parse_v3_array(R"({"zarr_format": 3, "node_type": "array", "shape": [],
      "data_type": "float32", "chunk_grid": {"name": "regular", "configuration":
      {"chunk_shape": []}}, "chunk_key_encoding": {"name": "v2"}, "fill_value": "0x7fc00000",
      "codecs": [{"name": "bytes"}]})",
                                "z/zarr.json");
  CHECK(v2_keys.chunk_key({}) == "0");
  CHECK(std::isnan(fill_as_double(v2_keys)));
}

TEST_CASE("bad metadata is an IoError naming the file, the key and what was expected",
          "[io][zarr][metadata]") {
  auto v2 = [](const std::string& fields) {
    return parse_v2_array("{" + fields + "}", "bad.zarr/x/.zarray");
  };
  std::string base = R"("zarr_format": 2, "shape": [4], "chunks": [2], "order": "C", )";
  CHECK_THROWS_WITH(
      v2(base + R"("dtype": "<f16", "compressor": null, "fill_value": 0)"),
      Catch::StartsWith("zarr: bad.zarr/x/.zarray: \"dtype\" is \"<f16\": expected "));
  CHECK_THROWS_WITH(
      v2(base + R"("dtype": "<f4", "compressor": {"id": "lzma"}, "fill_value": 0)"),
      Catch::Contains("bad.zarr/x/.zarray") && Catch::Contains("unknown compressor \"lzma\""));
  CHECK_THROWS_WITH(v2(base + R"("dtype": "<i4", "compressor": null, "fill_value": "NaN")"),
                    Catch::Contains("\"fill_value\" is \"NaN\": expected a 32-bit integer"));
  CHECK_THROWS_WITH(v2(R"("zarr_format": 2, "shape": [4], "chunks": [0], "dtype": "<f4")"),
                    Catch::Contains("\"chunks\" is [0]: expected a list of positive integers"));
  CHECK_THROWS_WITH(v2(R"("zarr_format": 2, "shape": [4, 4], "chunks": [2], "dtype": "<f4")"),
                    Catch::Contains("\"chunks\" has 1 axes: expected 2"));
  CHECK_THROWS_WITH(v2(base + R"("dtype": "<f4", "filters": [{"id": "delta"}])"),
                    Catch::Contains("filters (delta) are not supported"));
  CHECK_THROWS_WITH(parse_v2_array("{not json", "bad.zarr/.zarray"),
                    Catch::StartsWith("zarr: bad.zarr/.zarray: not valid JSON"));
  CHECK_THROWS_AS(parse_v3_array(R"({"zarr_format": 3, "node_type": "group"})", "g/zarr.json"),
                  IoError);
  CHECK_THROWS_WITH(parse_v3_array(R"({"zarr_format": 3, "node_type": "array", "shape": [2],
      "data_type": "float32", "chunk_grid": {"name": "regular", "configuration":
      {"chunk_shape": [2]}}, "chunk_key_encoding": {"name": "default"}, "fill_value": 0,
      "codecs": [{"name": "bytes"}, {"name": "bitround"}]})",
                                   "v/zarr.json"),
                    Catch::Contains("v/zarr.json: codecs[1]: unknown codec \"bitround\""));
}
