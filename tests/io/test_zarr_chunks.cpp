#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <tessera/errors.hpp>
#include <tessera/io/zarr.hpp>

#include "io_support.hpp"

using tessera::DType;
using tessera::IoError;
using tessera::io::Bytes;
using tessera::io::LocalStore;
using tessera::io::ZarrArray;
using tessera::io::ZarrArrayOptions;
using tessera_io_test::TemporaryDirectory;

namespace {

Bytes floats(std::size_t n, float start) {
  std::vector<float> values(n);
  for (std::size_t i = 0; i < n; ++i) values[i] = start + static_cast<float>(i);
  Bytes bytes(n * 4);
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

float float_at(const Bytes& bytes, std::size_t i) {
  float value;
  std::memcpy(&value, bytes.data() + 4 * i, 4);
  return value;
}

}  // namespace

TEST_CASE("chunks written to a Zarr array read back; missing ones read as the fill value",
          "[io][zarr][chunks]") {
  TemporaryDirectory dir;
  auto store = std::make_shared<LocalStore>(dir.path() / "a.zarr");
  struct Case {
    const char* name;
    int format;
    const char* compressor;
    const char* key;  // of chunk (1, 2)
  };
  for (Case c :
       {Case{"v2 blosc lz4", 2, "blosc", "v2 blosc lz4/1.2"},
        Case{"v2 zlib", 2, "zlib", "v2 zlib/1.2"}, Case{"v3 zstd", 3, "zstd", "v3 zstd/c/1/2"},
        Case{"v3 gzip", 3, "gzip", "v3 gzip/c/1/2"}, Case{"v3 none", 3, "none", "v3 none/c/1/2"}}) {
    INFO(c.name);
    ZarrArrayOptions options;
    options.zarr_format = c.format;
    options.shape = {10, 25};
    options.chunks = {4, 10};
    options.dtype = DType::float32;
    options.fill_value = NAN;
    options.compressor = c.compressor;
    options.attributes_json = R"({"units": "K"})";
    auto created = ZarrArray::create(store, c.name, options);
    CHECK(created.chunk_grid() == std::vector<std::int64_t>{3, 3});
    created.write_chunk({1, 2}, floats(40, 100));
    CHECK(std::filesystem::is_regular_file(store->root() / c.key));

    auto array = ZarrArray::open(store, c.name);
    CHECK(array.zarr_format() == c.format);
    CHECK(array.dtype() == DType::float32);
    CHECK(array.shape() == std::vector<std::int64_t>{10, 25});
    CHECK(array.attributes_json() == R"({"units":"K"})");
    CHECK(array.read_chunk({1, 2}) == floats(40, 100));
    Bytes missing = array.read_chunk({0, 0});
    REQUIRE(missing.size() == 160);
    CHECK(std::isnan(float_at(missing, 0)));
    CHECK(std::isnan(float_at(missing, 39)));
    CHECK_THROWS_WITH(array.read_chunk({3, 0}),
                      Catch::Contains("chunk [3,0] is outside the grid of [3,3]"));
    CHECK_THROWS_WITH(created.write_chunk({0, 0}, floats(39, 0)),
                      Catch::Contains("156 bytes, expected 160"));
  }
}

TEST_CASE("a sharded array is written a shard at a time and read an inner chunk at a time",
          "[io][zarr][chunks][shard]") {
  TemporaryDirectory dir;
  auto store = std::make_shared<LocalStore>(dir.path());
  for (const char* location : {"end", "start"}) {
    INFO(location);
    ZarrArrayOptions options;
    options.shape = {8, 12};
    options.chunks = {4, 6};
    options.inner_chunks = {2, 3};
    options.dtype = DType::float32;
    options.fill_value = -1;
    options.index_location = location;
    auto array = ZarrArray::create(store, location, options);
    CHECK(array.chunks() == std::vector<std::int64_t>{2, 3});
    CHECK(array.chunk_grid() == std::vector<std::int64_t>{4, 4});
    CHECK(array.shards() == std::vector<std::int64_t>{4, 6});
    array.write_shard({1, 0}, {floats(6, 0), std::nullopt, floats(6, 10), floats(6, 20)});
    auto opened = ZarrArray::open(store, location);
    CHECK(opened.read_chunk({2, 0}) == floats(6, 0));
    CHECK(opened.read_chunk({3, 0}) == floats(6, 10));
    CHECK(opened.read_chunk({3, 1}) == floats(6, 20));
    CHECK(float_at(opened.read_chunk({2, 1}), 5) == -1.0f);  // missing in the shard
    CHECK(float_at(opened.read_chunk({0, 0}), 0) == -1.0f);  // missing shard
    CHECK_THROWS_WITH(opened.write_chunk({0, 0}, floats(6, 0)), Catch::Contains("write_shard"));
    CHECK_THROWS_WITH(opened.write_shard({0, 0}, {floats(6, 0)}),
                      Catch::Contains("has 4 inner chunks, 1 were given"));
  }
}

TEST_CASE("a corrupt chunk or a missing array is an IoError naming the file",
          "[io][zarr][chunks]") {
  TemporaryDirectory dir;
  auto store = std::make_shared<LocalStore>(dir.path());
  ZarrArrayOptions options;
  options.zarr_format = 2;
  options.shape = {4};
  options.chunks = {4};
  options.dtype = DType::int32;
  auto array = ZarrArray::create(store, "x", options);
  store->set("x/0", Bytes(20, std::byte{7}));
  CHECK_THROWS_WITH(array.read_chunk({0}),
                    Catch::Contains("chunk '" + (dir.path() / "x/0").string() + "'") &&
                        Catch::Contains("codec blosc"));
  CHECK_THROWS_WITH(ZarrArray::open(store, "nothing"),
                    Catch::Contains("no array at '" + (dir.path() / "nothing").string() + "'"));
}
