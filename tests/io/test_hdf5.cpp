// HDF5 datasets of every Array element type, chunked, contiguous and compressed, written and
// read back on the sync and threads schedulers; attributes and groups.

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "array_support.hpp"
#include "tessera/array.hpp"
#include "tessera/config.hpp"
#include "tessera/io/hdf5.hpp"

using tessera::Array;
using tessera::ChunkSpec;
using tessera::Shape;
using tessera::io::Hdf5WriteOptions;
using tessera_test::sample_values;
using tessera_test::ScratchDirectory;

namespace {

template <class T>
void check_round_trip(const std::string& scheduler) {
  INFO(tessera::dtype_name(tessera::dtype_of<T>()) << " on " << scheduler);
  tessera::Client client(tessera::ClientOptions{scheduler, 2});
  ScratchDirectory dir;
  const auto values = sample_values<T>(30 * 17);
  const auto x = tessera::from_vector(values, {30, 17}, {8, 5});
  struct Case {
    const char* name;
    Hdf5WriteOptions options;
    Shape chunks;  // expected in the file
  };
  Hdf5WriteOptions contiguous;
  contiguous.contiguous = true;
  Hdf5WriteOptions deflate;
  deflate.deflate = 4;
  deflate.chunks = {10, 17};
  const Case cases[] = {
      {"chunked", {}, {8, 5}}, {"contiguous", contiguous, {}}, {"deflate", deflate, {10, 17}}};
  for (const Case& c : cases) {
    INFO(c.name);
    const std::string dataset = std::string("/group/sub/") + c.name;
    tessera::io::to_hdf5(x, dir.file("a.h5"), dataset, c.options);
    const auto info = tessera::io::hdf5_info(dir.file("a.h5"), dataset);
    CHECK(info.shape == Shape{30, 17});
    CHECK(info.dtype == tessera::dtype_of<T>());
    CHECK(info.chunks == c.chunks);
    CHECK(info.deflate == c.options.deflate);
    const auto y = tessera::io::from_hdf5<T>(dir.file("a.h5"), dataset);
    const auto back = y.compute();
    REQUIRE(back.shape() == Shape{30, 17});
    CHECK(std::vector<T>(back.values().begin(), back.values().end()) == values);
    // Other blocks than the file's chunks, and an expression over the read.
    const auto z = tessera::io::from_hdf5<T>(dir.file("a.h5"), dataset, ChunkSpec{7, 17});
    CHECK(z.chunks()[0] == std::vector<std::int64_t>{7, 7, 7, 7, 2});
    const auto again = z.compute();
    CHECK(std::vector<T>(again.values().begin(), again.values().end()) == values);
  }
  CHECK(tessera::io::list_hdf5_group(dir.file("a.h5"), "/group/sub") ==
        std::vector<std::string>{"chunked", "contiguous", "deflate"});
}

}  // namespace

TEST_CASE("every element type goes to HDF5 and back, chunked, contiguous and compressed",
          "[io][hdf5]") {
  for (const char* scheduler : {"sync", "threads"}) {
    check_round_trip<bool>(scheduler);
    check_round_trip<std::uint8_t>(scheduler);
    check_round_trip<std::int32_t>(scheduler);
    check_round_trip<std::int64_t>(scheduler);
    check_round_trip<std::uint64_t>(scheduler);
    check_round_trip<float>(scheduler);
    check_round_trip<double>(scheduler);
  }
}

TEST_CASE("blocks that cut across the file's chunks write their parts of them, in 3-d too",
          "[io][hdf5]") {
  tessera::Client client(tessera::ClientOptions{"threads", 2});
  ScratchDirectory dir;
  const auto values = sample_values<std::int32_t>(13 * 11 * 9);
  // Blocks of 5 x 4 x 9 against chunks of 4 x 3 x 4: every chunk has several writers, and the
  // chunks at the far edges are cut by the dataset's end.
  const auto x = tessera::from_vector(values, {13, 11, 9}, {5, 4, 9});
  Hdf5WriteOptions chunked;
  chunked.chunks = {4, 3, 4};
  Hdf5WriteOptions contiguous;
  contiguous.contiguous = true;
  for (const auto& options : {chunked, contiguous}) {
    INFO((options.contiguous ? "contiguous" : "chunked"));
    const std::string name = options.contiguous ? "/c" : "/k";
    tessera::io::to_hdf5(x.rechunk({5, 4, 2}), dir.file("cut.h5"), name, options);
    CHECK(tessera::io::from_hdf5<std::int32_t>(dir.file("cut.h5"), name).compute().to_vector() ==
          values);
  }  // More chunks than raw writes take (4096): written through HDF5.
  const auto many = sample_values<std::int32_t>(70 * 70);
  Hdf5WriteOptions tiny;
  tiny.chunks = {1, 1};
  tessera::io::to_hdf5(tessera::from_vector(many, {70, 70}, {10, 10}), dir.file("cut.h5"), "/tiny",
                       tiny);
  CHECK(tessera::io::hdf5_info(dir.file("cut.h5"), "/tiny").chunks == Shape{1, 1});
  CHECK(tessera::io::from_hdf5<std::int32_t>(dir.file("cut.h5"), "/tiny").compute().to_vector() ==
        many);
}

TEST_CASE("from_hdf5 makes blocks of whole chunks of the file by default", "[io][hdf5]") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  ScratchDirectory dir;
  const auto values = sample_values<double>(40 * 100);
  Hdf5WriteOptions options;
  options.chunks = {3, 10};
  tessera::io::to_hdf5(tessera::from_vector(values, {40, 100}, {40, 100}), dir.file("c.h5"), "d",
                       options);
  tessera::config::set("array_chunk_size", "2KiB");  // 256 doubles
  const auto y = tessera::io::from_hdf5<double>(dir.file("c.h5"), "d");
  tessera::config::reset();
  std::vector<std::int64_t> expected_rows(13, 3);
  expected_rows.push_back(1);
  // 3 x 10 grown from the last axis on while the block stays within 2 KiB: 3 x 80.
  CHECK(y.chunks()[0] == expected_rows);
  CHECK(y.chunks()[1] == std::vector<std::int64_t>{80, 20});
  const auto back = y.compute();
  CHECK(std::vector<double>(back.values().begin(), back.values().end()) == values);
}

TEST_CASE("a 0-d and an empty array are written and read", "[io][hdf5]") {
  tessera::Client client(tessera::ClientOptions{"threads", 2});
  ScratchDirectory dir;
  const auto scalar = tessera::from_vector(std::vector<double>{2.5}, Shape{}, ChunkSpec{});
  tessera::io::to_hdf5(scalar, dir.file("s.h5"), "scalar");
  const auto value = tessera::io::from_hdf5<double>(dir.file("s.h5"), "scalar").compute();
  CHECK(value.values()[0] == 2.5);
  const auto empty = tessera::from_vector(std::vector<float>{}, Shape{0, 4}, ChunkSpec{});
  tessera::io::to_hdf5(empty, dir.file("s.h5"), "empty");
  const auto back = tessera::io::from_hdf5<float>(dir.file("s.h5"), "empty").compute();
  CHECK(back.shape() == Shape{0, 4});
}

TEST_CASE("to_hdf5 with compute = false writes nothing until the graph is computed", "[io][hdf5]") {
  tessera::Client client(tessera::ClientOptions{"threads", 2});
  ScratchDirectory dir;
  const auto x = tessera::from_vector(sample_values<std::int32_t>(40), {40}, {16});
  Hdf5WriteOptions options;
  options.compute = false;
  options.attributes = {{"units", std::string("K")}};
  auto graph = tessera::io::to_hdf5(x, dir.file("l.h5"), "/x", options);
  // Only the unfinished dataset exists: nothing under the final name yet.
  CHECK(tessera::io::list_hdf5_group(dir.file("l.h5"), "/") ==
        std::vector<std::string>{"x.tessera-partial"});
  graph.compute();
  CHECK(tessera::io::list_hdf5_group(dir.file("l.h5"), "/") == std::vector<std::string>{"x"});
  CHECK(std::get<std::string>(tessera::io::read_hdf5_attributes(dir.file("l.h5"), "/x")["units"]) ==
        "K");
}

TEST_CASE("attributes of numbers, strings and lists are written and read back", "[io][hdf5]") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  ScratchDirectory dir;
  const auto x = tessera::from_vector(sample_values<float>(12), {3, 4}, {3, 4});
  Hdf5WriteOptions options;
  options.attributes = {{"count", std::int64_t{42}},
                        {"scale", 0.25},
                        {"name", std::string("temperature at 2 m")},
                        {"levels", std::vector<std::int64_t>{1000, 850, 500}},
                        {"range", std::vector<double>{-1.5, 2.5}}};
  tessera::io::to_hdf5(x, dir.file("a.h5"), "/fields/t2m", options);
  CHECK(tessera::io::read_hdf5_attributes(dir.file("a.h5"), "/fields/t2m") == options.attributes);
  tessera::io::write_hdf5_attributes(dir.file("a.h5"), "/fields",
                                     {{"title", std::string("reanalysis")}, {"count", 1.5}});
  tessera::io::write_hdf5_attributes(dir.file("a.h5"), "/fields", {{"count", std::int64_t{3}}});
  const auto group = tessera::io::read_hdf5_attributes(dir.file("a.h5"), "fields");
  CHECK(std::get<std::string>(group.at("title")) == "reanalysis");
  CHECK(std::get<std::int64_t>(group.at("count")) == 3);
  tessera::io::create_hdf5_group(dir.file("a.h5"), "/empty/nested");
  CHECK(tessera::io::list_hdf5_group(dir.file("a.h5"), "/") ==
        std::vector<std::string>{"empty", "fields"});
  CHECK(tessera::io::list_hdf5_group(dir.file("a.h5"), "/empty") ==
        std::vector<std::string>{"nested"});
}

TEST_CASE("an existing dataset is replaced only with overwrite", "[io][hdf5]") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  ScratchDirectory dir;
  const auto x = tessera::from_vector(sample_values<double>(10), {10}, {5});
  tessera::io::to_hdf5(x, dir.file("o.h5"), "x");
  CHECK_THROWS_WITH(tessera::io::to_hdf5(x * 2.0, dir.file("o.h5"), "x"),
                    Catch::Matchers::Contains("o.h5: /x: exists already") &&
                        Catch::Matchers::Contains("overwrite"));
  CHECK_THROWS_AS(tessera::io::to_hdf5(x * 2.0, dir.file("o.h5"), "x"), tessera::IoError);
  Hdf5WriteOptions options;
  options.overwrite = true;
  tessera::io::to_hdf5(x * 2.0, dir.file("o.h5"), "x", options);
  const auto back = tessera::io::from_hdf5<double>(dir.file("o.h5"), "x").compute();
  CHECK(back.values()[3] == 2.0 * sample_values<double>(10)[3]);
}
