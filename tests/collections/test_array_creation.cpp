// Creating arrays: from vectors and buffers in every type, constants, arange/linspace, seeded
// random values that do not depend on the chunks or the scheduler, functions of the block,
// delayed blocks, persist/to_delayed, and the summary.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tessera/array.hpp"

using tessera::Array;
using tessera::Chunks;
using tessera::ChunkSpec;
using tessera::Shape;

namespace {

template <class T>
std::vector<T> ramp(std::int64_t n) {
  std::vector<T> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = static_cast<T>(i % 7 == 3);
  if constexpr (!std::is_same_v<T, bool>) {
    for (std::int64_t i = 0; i < n; ++i)
      v[static_cast<std::size_t>(i)] = static_cast<T>(i * 3 % 101);
  }
  return v;
}

template <class T>
void check_round_trip() {
  INFO(tessera::dtype_name(tessera::dtype_of<T>()));
  const struct {
    Shape shape;
    ChunkSpec chunks;
    Chunks expected;
  } layouts[] = {
      {{}, ChunkSpec{}, {}},
      {{0}, ChunkSpec{3}, {{0}}},
      {{7}, ChunkSpec{1}, {{1, 1, 1, 1, 1, 1, 1}}},
      {{7}, ChunkSpec{3}, {{3, 3, 1}}},
      {{4, 5}, ChunkSpec{3, -1}, {{3, 1}, {5}}},
      {{4, 0, 3}, ChunkSpec{2, 2, 2}, {{2, 2}, {0}, {2, 1}}},
      {{3, 4, 5}, ChunkSpec(Chunks{{1, 2}, {4}, {2, 0, 3}}), {{1, 2}, {4}, {2, 0, 3}}},
      {{2, 3, 2, 3}, ChunkSpec{1, 2, 1, 2}, {{1, 1}, {2, 1}, {1, 1}, {2, 1}}},
  };
  for (const auto& layout : layouts) {
    std::int64_t n = 1;
    for (auto d : layout.shape) n *= d;
    const auto values = ramp<T>(n);
    const auto x = tessera::from_vector(values, layout.shape, layout.chunks);
    CHECK(x.shape() == layout.shape);
    CHECK(x.size() == n);
    CHECK(x.nbytes() == n * static_cast<std::int64_t>(sizeof(T)));
    if (!layout.shape.empty()) CHECK(x.chunks() == layout.expected);
    CHECK(x.compute().to_vector() == values);
    if constexpr (!std::is_same_v<T, bool>) {
      const auto y =
          tessera::from_buffer<T>(std::span<const T>(values), layout.shape, layout.chunks);
      CHECK(y.compute().to_vector() == values);
    }
  }
  CHECK(tessera::zeros<T>({3, 2}, ChunkSpec{2}).compute().to_vector() == std::vector<T>(6, T(0)));
  CHECK(tessera::ones<T>({5}, ChunkSpec{2}).compute().to_vector() == std::vector<T>(5, T(1)));
  CHECK(tessera::full<T>({2, 2}, T(1), ChunkSpec{1, 1}).compute().to_vector() ==
        std::vector<T>(4, T(1)));
  CHECK(tessera::empty<T>({0, 3}).compute().size() == 0);
}

template <class T>
std::vector<T> values_of(const Array<T>& a) {
  return a.compute().to_vector();
}

}  // namespace

TEST_CASE("arrays from vectors, buffers and constants of every type compute back unchanged") {
  for (const char* scheduler : {"sync", "threads"}) {
    tessera::Client client(tessera::ClientOptions{scheduler, 2});
    check_round_trip<bool>();
    check_round_trip<std::uint8_t>();
    check_round_trip<std::int32_t>();
    check_round_trip<std::int64_t>();
    check_round_trip<std::uint64_t>();
    check_round_trip<float>();
    check_round_trip<double>();
  }
}

TEST_CASE("automatic chunks hold about the asked bytes and cover the array") {
  const auto x = tessera::zeros<double>({1000, 1000}, ChunkSpec::automatic(80000));
  for (const auto& axis : x.chunks()) {
    std::int64_t total = 0;
    for (auto n : axis) total += n;
    CHECK(total == 1000);
  }
  const auto chunks = x.chunks();
  CHECK(chunks[0][0] * chunks[1][0] * 8 <= 80000);
  CHECK(chunks[0][0] * chunks[1][0] * 8 * 4 > 80000);
  CHECK(tessera::zeros<double>({10, 10}).numblocks() == Shape{1, 1});  // 128 MiB by default
}

TEST_CASE("arange takes a braced list after its stop as the chunks, as Dask's chunks=") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  // arange(365, {73}) once bound {73} to stop: an empty range from 365 down to 73.
  const auto days = tessera::arange<float>(365, {73});
  CHECK(days.shape() == Shape{365});
  CHECK(days.numblocks() == Shape{5});
  CHECK(days.chunks() == Chunks{{73, 73, 73, 73, 73}});
  const auto values = values_of(days);
  CHECK(values.front() == 0.0f);
  CHECK(values.back() == 364.0f);
  // With a start: the braces are the chunks, not the step.
  const auto tens = tessera::arange<std::int64_t>(0, 10, {4});
  CHECK(values_of(tens) == std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(tens.numblocks() == Shape{3});
  // Numbers keep NumPy's positional meaning: arange(365, 73) is empty, the third is the step.
  CHECK(tessera::arange<float>(365, 73).size() == 0);
  CHECK(tessera::arange<double>(0, 10, 4).size() == 3);
}

TEST_CASE("arange and linspace give NumPy's lengths and values at their edges") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  CHECK(values_of(tessera::arange<double>(5, ChunkSpec{2})) == std::vector<double>{0, 1, 2, 3, 4});
  CHECK(tessera::arange<double>(0).size() == 0);
  CHECK(tessera::arange<double>(3, 1).size() == 0);
  CHECK(values_of(tessera::arange<std::int64_t>(10, 0, -3)) ==
        std::vector<std::int64_t>{10, 7, 4, 1});
  CHECK(tessera::arange<double>(1, 1.3, 0.1).size() == 4);  // as NumPy: (1.3 - 1) / 0.1 > 3
  CHECK(tessera::arange<double>(0, 1, 0.1, ChunkSpec{3}).numblocks() == Shape{4});
  CHECK(values_of(tessera::linspace<double>(0, 1, 5, true, ChunkSpec{2})) ==
        std::vector<double>{0, 0.25, 0.5, 0.75, 1});
  CHECK(values_of(tessera::linspace<double>(0, 1, 4, false)) ==
        std::vector<double>{0, 0.25, 0.5, 0.75});
  CHECK(values_of(tessera::linspace<double>(3, 7, 1)) == std::vector<double>{3});
  CHECK(tessera::linspace<double>(3, 7, 0).size() == 0);
  // The last value is stop exactly, whatever the rounding of the step.
  const auto third = values_of(tessera::linspace<double>(0, 0.3, 7, true, ChunkSpec{3}));
  CHECK(third.back() == 0.3);
  CHECK(values_of(tessera::linspace<std::int32_t>(-5, 5, 4)) ==
        std::vector<std::int32_t>{-5, -2, 1, 5});  // floor, as NumPy 2
}

TEST_CASE("random arrays with one seed are bitwise identical for any chunks and scheduler") {
  const Shape shape{37, 23};
  std::vector<double> reference_uniform, reference_normal;
  std::vector<std::int32_t> reference_integers;
  std::vector<float> reference_single;
  for (const char* scheduler : {"sync", "threads"}) {
    tessera::Client client(tessera::ClientOptions{scheduler, 3});
    for (const ChunkSpec& chunks : {ChunkSpec{-1}, ChunkSpec{1, 1}, ChunkSpec{10, 7},
                                    ChunkSpec{36, 22}, ChunkSpec(Chunks{{1, 30, 6}, {0, 23, 0}})}) {
      const auto u = values_of(tessera::random::uniform<double>(shape, chunks, 99, -2, 3));
      const auto z = values_of(tessera::random::normal<double>(shape, chunks, 99, 1, 2));
      const auto k = values_of(tessera::random::integers<std::int32_t>(-5, 9, shape, chunks, 99));
      const auto f = values_of(tessera::random::uniform<float>(shape, chunks, 99));
      if (reference_uniform.empty()) {
        reference_uniform = u;
        reference_normal = z;
        reference_integers = k;
        reference_single = f;
      }
      CHECK(std::memcmp(u.data(), reference_uniform.data(), u.size() * sizeof(double)) == 0);
      CHECK(std::memcmp(z.data(), reference_normal.data(), z.size() * sizeof(double)) == 0);
      CHECK(k == reference_integers);
      CHECK(std::memcmp(f.data(), reference_single.data(), f.size() * sizeof(float)) == 0);
    }
  }
  tessera::Client client(tessera::ClientOptions{"sync"});
  CHECK(values_of(tessera::random::uniform<double>(shape, {}, 100, -2, 3)) != reference_uniform);
  // A transposed random array is the transpose, element by element.
  const auto r = tessera::random::uniform<double>(shape, ChunkSpec{5, 5}, 99, -2, 3).T().compute();
  CHECK(r(4, 11) == reference_uniform[11 * 23 + 4]);
}

TEST_CASE("random values follow their distributions") {
  tessera::Client client(tessera::ClientOptions{"threads", 2});
  const Shape shape{200000};
  const auto u = tessera::random::uniform<double>(shape, ChunkSpec{30000}, 7, -1, 3);
  CHECK(u.mean().compute().item() == Approx(1.0).margin(0.02));
  CHECK(u.std().compute().item() == Approx(4 / std::sqrt(12.0)).margin(0.01));
  CHECK(u.min().compute().item() >= -1);
  CHECK(u.max().compute().item() < 3);
  const auto z = tessera::random::normal<double>(shape, ChunkSpec{30000}, 7, 5, 2);
  CHECK(z.mean().compute().item() == Approx(5).margin(0.03));
  CHECK(z.std().compute().item() == Approx(2).margin(0.03));
  CHECK((tessera::abs(z - 5.0) < 2.0).astype<double>().mean().compute().item() ==
        Approx(0.6827).margin(0.01));
  const auto k = tessera::random::integers<std::int64_t>(-3, 4, shape, ChunkSpec{30000}, 7);
  CHECK(k.min().compute().item() == -3);
  CHECK(k.max().compute().item() == 3);
  CHECK(k.astype<double>().mean().compute().item() == Approx(0).margin(0.03));
  const auto small = tessera::random::integers<std::uint8_t>(250, 256, shape, ChunkSpec{-1}, 3);
  CHECK(small.min().compute().item() == 250);
  CHECK(small.max().compute().item() == 255);
  const auto f = tessera::random::uniform<float>(shape, {}, 1, 0, 1);
  CHECK(f.max().compute().item() < 1.0f);
}

namespace {
std::vector<double> block_info_values(const tessera::BlockInfo& info) {
  std::vector<double> v;
  for (std::int64_t i = 0; i < info.shape[0]; ++i) {
    for (std::int64_t j = 0; j < info.shape[1]; ++j) {
      v.push_back(static_cast<double>((info.start[0] + i) * 10 + info.start[1] + j) +
                  0.5 * static_cast<double>(info.index[0] + info.index[1]));
    }
  }
  return v;
}
}  // namespace

TEST_CASE("blocks made by a function of their position, and from delayed values") {
  for (const char* scheduler : {"sync", "threads"}) {
    tessera::Client client(tessera::ClientOptions{scheduler, 2});
    const auto x = tessera::from_function<double>(block_info_values, {5, 4}, ChunkSpec{2, 3});
    const auto m = x.compute();
    CHECK(m(0, 0) == 0);
    CHECK(m(4, 3) == 43 + 0.5 * (2 + 1));
    CHECK(m(2, 2) == 22 + 0.5 * 1);

    std::vector<tessera::Delayed<std::vector<std::int32_t>>> parts{
        tessera::delayed_value(std::vector<std::int32_t>{1, 2, 3}),
        tessera::delayed_value(std::vector<std::int32_t>{4, 5})};
    const auto d = tessera::from_delayed<std::int32_t>(parts, {5}, Chunks{{3, 2}});
    CHECK(values_of(d * 2) == std::vector<std::int32_t>{2, 4, 6, 8, 10});
    const auto b = tessera::from_delayed<bool>(
        tessera::delayed_value(std::vector<std::uint8_t>{0, 3, 1, 0}), {2, 2});
    CHECK(values_of(b) == std::vector<bool>{false, true, true, false});
  }
}

TEST_CASE("persist, to_delayed and from_delayed keep values, shape and chunks") {
  for (const char* scheduler : {"sync", "threads"}) {
    tessera::Client client(tessera::ClientOptions{scheduler, 2});
    const auto x = tessera::random::normal<double>({9, 7}, ChunkSpec{4, 3}, 5);
    const auto expected = values_of(x * 2.0);
    const auto p = (x * 2.0).persist();
    CHECK(p.chunks() == x.chunks());
    CHECK(values_of(p) == expected);
    CHECK(values_of(p.T().T()) == expected);
    const auto blocks = p.to_delayed();
    REQUIRE(blocks.size() == 9);
    const auto first = blocks[0].compute();
    CHECK(first.shape == Shape{4, 3});
    const auto back = tessera::from_delayed<double>(blocks, {9, 7}, p.chunks());
    CHECK(values_of(back) == expected);
    CHECK(values_of(back.sum(0)) == values_of((x * 2.0).sum(0)));
  }
}

TEST_CASE("the summary names type, shape, chunk size, blocks and bytes") {
  const auto x = tessera::zeros<double>({100, 100}, ChunkSpec{50, 100});
  CHECK(x.summary() ==
        "tessera.Array<float64, shape=(100, 100), chunksize=(50, 100), blocks=2, 78.1 KiB>");
  std::ostringstream out;
  out << tessera::ones<std::uint8_t>({3});
  CHECK(out.str() == "tessera.Array<uint8, shape=(3,), chunksize=(3,), blocks=1, 3 B>");
  CHECK(tessera::full<bool>({}, true).summary() ==
        "tessera.Array<bool, shape=(), chunksize=(), blocks=1, 1 B>");
}
