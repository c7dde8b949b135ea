// Arrays in Zarr stores: from_zarr and to_zarr on the sync and threads schedulers, v2 and v3,
// sharded or not; boxes read and written; region writes; one writer per chunk and shard.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "array_support.hpp"
#include "tessera/array.hpp"
#include "tessera/io/zarr.hpp"

using tessera::Array;
using tessera::ChunkSpec;
using tessera::Shape;
using tessera::io::ZarrWriteOptions;
using tessera_test::sample_values;
using tessera_test::ScratchDirectory;

namespace {

template <class T>
std::vector<T> values_of(const Array<T>& array) {
  return array.compute().to_vector();
}

ZarrWriteOptions layout(int format, Shape chunks, Shape inner = {},
                        std::string compressor = "blosc") {
  ZarrWriteOptions options;
  options.layout.zarr_format = format;
  options.layout.chunks = std::move(chunks);
  options.layout.inner_chunks = std::move(inner);
  options.layout.compressor = std::move(compressor);
  return options;
}

template <class T>
void check_round_trip(const std::string& scheduler) {
  INFO(tessera::dtype_name(tessera::dtype_of<T>()) << " on " << scheduler);
  tessera::Client client(tessera::ClientOptions{scheduler, 2});
  ScratchDirectory dir;
  const auto values = sample_values<T>(30 * 17);
  const auto x = tessera::from_vector(values, Shape{30, 17}, ChunkSpec{8, 5});
  struct Case {
    const char* name;
    ZarrWriteOptions options;
  };
  const Case cases[] = {{"v2", layout(2, {})},
                        {"v2-zstd", layout(2, {10, 17}, {}, "zstd")},
                        {"v3", layout(3, {})},
                        {"v3-gzip", layout(3, {7, 4}, {}, "gzip")},
                        {"v3-sharded", layout(3, {16, 10}, {8, 5})}};
  for (const Case& c : cases) {
    INFO(c.name);
    tessera::io::to_zarr(x, dir.file("a.zarr"), c.name, c.options);
    const auto y = tessera::io::from_zarr<T>(dir.file("a.zarr"), c.name);
    CHECK(y.shape() == Shape{30, 17});
    CHECK(values_of(y) == values);
    // Other blocks than the store's chunks, and an expression over the read.
    const auto z = tessera::io::from_zarr<T>(dir.file("a.zarr"), c.name, ChunkSpec{7, 17});
    CHECK(z.chunks()[0] == std::vector<std::int64_t>{7, 7, 7, 7, 2});
    CHECK(values_of(z) == values);
  }
}

// Blocks of ones, except that the block at (2, 1) fails.
std::vector<float> ones_but_one_fails(const tessera::BlockInfo& info) {
  if (info.index == Shape{2, 1}) throw std::runtime_error("block (2, 1) failed on purpose");
  return std::vector<float>(static_cast<std::size_t>(info.shape[0] * info.shape[1]), 1.0f);
}

}  // namespace

TEST_CASE("a write that fails half way leaves a readable store of whole chunks", "[io][zarr]") {
  tessera::Client client(tessera::ClientOptions{"threads", 2});
  ScratchDirectory dir;
  const auto x = tessera::from_function<float>(ones_but_one_fails, {40, 30}, {10, 10});
  for (const auto& options : {layout(2, {10, 10}), layout(3, {20, 10}, {5, 5})}) {
    INFO("zarr_format " << options.layout.zarr_format);
    auto write = options;
    write.overwrite = true;
    CHECK_THROWS_WITH(tessera::io::to_zarr(x, dir.file("half.zarr"), "", write),
                      Catch::Contains("failed on purpose"));
    // Every chunk is whole: ones where its block was written, the fill value (0) elsewhere;
    // the failed block's elements are all the fill value.
    const auto back = tessera::io::from_zarr<float>(dir.file("half.zarr")).compute();
    std::size_t torn = 0;
    for (std::int64_t i = 0; i < 40; i += 10) {
      for (std::int64_t j = 0; j < 30; j += 10) {
        const float first = back(i, j);
        for (std::int64_t a = 0; a < 10; ++a)
          for (std::int64_t b = 0; b < 10; ++b) torn += back(i + a, j + b) != first;
      }
    }
    CHECK(torn == 0);
    CHECK(back(20, 10) == 0.0f);
  }
}

TEST_CASE("arrays of every element type round-trip through Zarr v2 and v3, sharded or not",
          "[io][zarr]") {
  for (const char* scheduler : {"sync", "threads"}) {
    check_round_trip<float>(scheduler);
    check_round_trip<double>(scheduler);
    check_round_trip<std::int32_t>(scheduler);
    check_round_trip<std::int64_t>(scheduler);
    check_round_trip<std::uint8_t>(scheduler);
    check_round_trip<bool>(scheduler);
  }
}

TEST_CASE("from_zarr reads blocks of whole chunks by default and checks the element type",
          "[io][zarr]") {
  tessera::Client client(tessera::ClientOptions{"threads", 2});
  ScratchDirectory dir;
  const auto x = tessera::arange<double>(2048 * 1024).reshape({2048, 1024}).rechunk({512, 512});
  tessera::io::to_zarr(x, dir.file("s.zarr"), "t", layout(3, {1024, 512}, {256, 512}));
  const auto y = tessera::io::from_zarr<double>(dir.file("s.zarr"), "t");
  CHECK(y.chunks()[0] == std::vector<std::int64_t>(4, 512));  // 4 MiB: 2 x 2 inner chunks
  CHECK(y.chunks()[1] == std::vector<std::int64_t>{1024});
  CHECK((y - x).sum().compute().item() == 0.0);
  CHECK_THROWS_WITH(tessera::io::from_zarr<float>(dir.file("s.zarr"), "t"),
                    Catch::Contains("s.zarr/t") && Catch::Contains("holds float64") &&
                        Catch::Contains("from_zarr<float32>"));
  CHECK_THROWS_WITH(tessera::io::from_zarr<double>(dir.file("s.zarr"), "missing"),
                    Catch::Contains("s.zarr/missing") && Catch::Contains("no array"));
}

TEST_CASE("blocks smaller than a shard are rechunked so that every shard has one writer",
          "[io][zarr]") {
  // zarr-python loses chunks when two writers update one shard (zarr#3682); here 4x4 blocks
  // inside 12x12 shards, not even aligned with them, all arrive.
  tessera::Client client(tessera::ClientOptions{"threads", 2});
  ScratchDirectory dir;
  const auto values = sample_values<std::int32_t>(50 * 45);
  const auto x = tessera::from_vector(values, Shape{50, 45}, ChunkSpec{5, 7});
  auto options = layout(3, {12, 12}, {4, 4});
  options.compute = false;
  auto write = tessera::io::to_zarr(x, dir.file("one.zarr"), "", options);
  CHECK(values_of(tessera::io::from_zarr<std::int32_t>(dir.file("one.zarr"))) !=
        values);  // nothing written until computed
  write.compute();
  CHECK(values_of(tessera::io::from_zarr<std::int32_t>(dir.file("one.zarr"))) == values);
  auto store = std::make_shared<tessera::io::LocalStore>(dir.file("one.zarr"));
  CHECK(store->list("c/").size() == 5 * 4);  // one file per shard
}

TEST_CASE("chunks holding only the fill value are not stored, and overwrite removes old ones",
          "[io][zarr]") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  ScratchDirectory dir;
  auto store = std::make_shared<tessera::io::LocalStore>(dir.file("f.zarr"));
  auto x = tessera::zeros<float>({20, 20}, {10, 10});
  auto ones = tessera::where(tessera::arange<float>(400).reshape({20, 20}) < 100.0f,
                             tessera::ones<float>({20, 20}, {10, 10}), x);
  tessera::io::to_zarr(ones, dir.file("f.zarr"), "a", layout(3, {10, 10}));
  CHECK(store->list("a/c/") == std::vector<std::string>{"a/c/0/0", "a/c/0/1"});
  CHECK_THROWS_WITH(tessera::io::to_zarr(x, dir.file("f.zarr"), "a"),
                    Catch::Contains("f.zarr/a") && Catch::Contains("overwrite"));
  auto options = layout(2, {5, 5});
  options.overwrite = true;
  tessera::io::to_zarr(tessera::ones<float>({10, 5}, {5, 5}), dir.file("f.zarr"), "a", options);
  CHECK(store->list("a/") == std::vector<std::string>{"a/.zarray", "a/.zattrs", "a/0.0", "a/1.0"});
  CHECK(values_of(tessera::io::from_zarr<float>(dir.file("f.zarr"), "a")) ==
        std::vector<float>(50, 1.0f));
}

TEST_CASE("a region write updates its box and keeps the rest of the chunks it touches",
          "[io][zarr]") {
  tessera::Client client(tessera::ClientOptions{"threads", 2});
  ScratchDirectory dir;
  for (bool sharded : {false, true}) {
    INFO((sharded ? "sharded" : "unsharded"));
    const std::string name = sharded ? "sharded" : "plain";
    const auto base = tessera::full<double>({40, 30}, -1.0, {10, 10});
    tessera::io::to_zarr(base, dir.file("r.zarr"), name,
                         sharded ? layout(3, {20, 10}, {5, 5}) : layout(3, {10, 10}));
    const auto patch = tessera::arange<double>(23 * 11).reshape({23, 11}).rechunk({6, 4});
    ZarrWriteOptions region;
    region.region = Shape{7, 13};
    tessera::io::to_zarr(patch, dir.file("r.zarr"), name, region);
    const auto back = values_of(tessera::io::from_zarr<double>(dir.file("r.zarr"), name));
    std::size_t wrong = 0;
    for (std::int64_t i = 0; i < 40; ++i) {
      for (std::int64_t j = 0; j < 30; ++j) {
        const bool inside = i >= 7 && i < 30 && j >= 13 && j < 24;
        const double expected = inside ? static_cast<double>((i - 7) * 11 + (j - 13)) : -1.0;
        wrong += back[static_cast<std::size_t>(i * 30 + j)] != expected;
      }
    }
    CHECK(wrong == 0);
    ZarrWriteOptions outside;
    outside.region = Shape{30, 20};
    CHECK_THROWS_WITH(tessera::io::to_zarr(patch, dir.file("r.zarr"), name, outside),
                      Catch::Contains("region at (30, 20)") && Catch::Contains("(40, 30)"));
    ZarrWriteOptions short_region;
    short_region.region = Shape{1};
    CHECK_THROWS_WITH(tessera::io::to_zarr(patch, dir.file("r.zarr"), name, short_region),
                      Catch::Contains("region has 1 entries: the array written has 2 axes"));
    ZarrWriteOptions negative;
    negative.region = Shape{-1, 0};
    CHECK_THROWS_WITH(tessera::io::to_zarr(patch, dir.file("r.zarr"), name, negative),
                      Catch::Contains("region starts at -1 along axis 0"));
    ZarrWriteOptions wrong_type;
    wrong_type.region = Shape{0, 0};
    CHECK_THROWS_WITH(
        tessera::io::to_zarr(patch.astype<float>(), dir.file("r.zarr"), name, wrong_type),
        Catch::Contains("holds float64") && Catch::Contains("astype"));
  }
}

TEST_CASE("boxes of a Zarr array read and write across chunks and shards", "[io][zarr]") {
  ScratchDirectory dir;
  auto store = std::make_shared<tessera::io::LocalStore>(dir.file("b.zarr"));
  tessera::io::ZarrArrayOptions options;
  options.shape = {9, 11};
  options.chunks = {4, 6};
  options.inner_chunks = {2, 3};
  options.dtype = tessera::DType::int64;
  options.fill_value = 5;
  auto array = tessera::io::ZarrArray::create(store, "x", options);
  std::vector<std::int64_t> box(5 * 7);
  for (std::size_t i = 0; i < box.size(); ++i) box[i] = static_cast<std::int64_t>(i) + 100;
  array.write({3, 2}, {5, 7}, std::as_bytes(std::span(box)));
  const auto whole = array.read({0, 0}, {9, 11});
  const auto* got = reinterpret_cast<const std::int64_t*>(whole.data());
  std::size_t wrong = 0;
  for (std::int64_t i = 0; i < 9; ++i) {
    for (std::int64_t j = 0; j < 11; ++j) {
      const bool inside = i >= 3 && i < 8 && j >= 2 && j < 9;
      wrong += got[i * 11 + j] != (inside ? (i - 3) * 7 + (j - 2) + 100 : 5);
    }
  }
  CHECK(wrong == 0);
  // One inner chunk of a shard: read through the shard's index and one byte range.
  const auto part = array.read({4, 3}, {2, 3});
  const auto* one = reinterpret_cast<const std::int64_t*>(part.data());
  CHECK(std::vector<std::int64_t>(one, one + 6) ==
        std::vector<std::int64_t>{108, 109, 110, 115, 116, 117});
  CHECK_THROWS_WITH(array.read({0, 0}, {-1, 5}), Catch::Contains("not within"));
  CHECK_THROWS_WITH(array.read({0, 0}, {INT64_MAX, 5}), Catch::Contains("not within"));
  CHECK_THROWS_WITH(array.read({8, 0}, {2, 11}),
                    Catch::Contains("b.zarr/x") && Catch::Contains("not within"));
  CHECK_THROWS_WITH(array.write({0, 0}, {1, 1}, std::as_bytes(std::span(box))),
                    Catch::Contains("280 bytes, expected 8"));
}
