// Boolean masks: a[mask] in C order with unknown chunk sizes, what works on such arrays and
// what asks for compute_chunk_sizes() first.

#include <catch2/catch.hpp>

#include "array/grid.hpp"
#include "structure_support.hpp"
#include "tessera/array.hpp"
#include "tessera/serialize.hpp"

using namespace structure_test;
using Catch::Matchers::Contains;

TEST_CASE("a[mask] keeps the elements where the mask holds, in C order, on many shapes") {
  for (const char* scheduler : {"sync", "threads"}) {
    tessera::Client client(tessera::ClientOptions{scheduler});
    std::mt19937 rng(scheduler[0] == 's' ? 9 : 10);
    for (int trial = 0; trial < 60; ++trial) {
      const Shape shape = random_shape(rng, 4, 6);
      const Chunks chunks = random_chunks(shape, rng);
      const auto x = iota(shape, chunks);
      const std::int64_t modulus = 1 + static_cast<std::int64_t>(rng() % 4);
      INFO(scheduler << ": " << tessera::to_string(shape) << " chunks "
                     << tessera::to_string(chunks) << " modulus " << modulus);
      const auto mask = (x % modulus) == std::int64_t(0);
      const auto y = x[mask];
      CHECK(y.ndim() == 1);
      CHECK(y.shape() == Shape{-1});
      std::vector<std::int64_t> expected;
      for (std::int64_t i = 0; i < product(shape); ++i) {
        if (i % modulus == 0) expected.push_back(i);
      }
      const auto got = y.compute();
      CHECK(got.shape() == Shape{static_cast<std::int64_t>(expected.size())});
      CHECK(got.to_vector() == expected);
      const auto known = y.compute_chunk_sizes();
      CHECK(known.shape() == Shape{static_cast<std::int64_t>(expected.size())});
      std::int64_t total = 0;
      const Chunks known_chunks = known.chunks();
      for (auto n : known_chunks[0]) total += n;
      CHECK(total == static_cast<std::int64_t>(expected.size()));
      CHECK(known.compute().to_vector() == expected);
      // Elementwise operations and reductions work on unknown sizes.
      std::int64_t sum = 0;
      for (auto v : expected) sum += 2 * v + 1;
      CHECK((y * std::int64_t(2) + std::int64_t(1)).sum().compute().item() == sum);
      CHECK((y + y).compute().size() == static_cast<std::int64_t>(expected.size()));
    }
  }
}

TEST_CASE("unknown chunk sizes print as nan and become known with compute_chunk_sizes()") {
  tessera::Client client(tessera::ClientOptions{"threads"});
  const auto x = iota({4, 5}, {{2, 2}, {5}});
  const auto y = x[x > std::int64_t(6)];
  CHECK(y.chunks() == Chunks{{-1, -1}});
  CHECK(y.summary() == "tessera.Array<int64, shape=(nan,), chunksize=(nan,), blocks=2, nan B>");
  CHECK(tessera::to_string(y.chunks()) == "((nan, nan),)");
  const auto known = y.compute_chunk_sizes();
  CHECK(known.chunks() == Chunks{{3, 10}});
  CHECK(known(tessera::slice(1, 5)).compute().to_vector() ==
        std::vector<std::int64_t>{8, 9, 10, 11});
  CHECK(known.reshape({13, 1}).shape() == Shape{13, 1});
  CHECK(known.rechunk({5}).chunks() == Chunks{{5, 5, 3}});
  CHECK((known + tessera::arange<std::int64_t>(0, 13, 1, {13})).compute()(12) == 19 + 12);
}

TEST_CASE("operations that need known chunk sizes ask for compute_chunk_sizes()") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  const auto x = iota({4, 5}, {{2, 2}, {5}});
  const auto y = x[x > std::int64_t(6)];
  const auto advice = Contains("compute_chunk_sizes()");
  CHECK_THROWS_WITH(y(tessera::slice(0, 3)), advice && Contains("index"));
  CHECK_THROWS_WITH(y(0), advice);
  CHECK_THROWS_WITH(y.reshape({-1, 1}), advice && Contains("reshape"));
  CHECK_THROWS_WITH(y.rechunk({4}), advice && Contains("rechunk"));
  CHECK_THROWS_WITH(y + tessera::arange<std::int64_t>(0, 13, 1, {13}), advice && Contains("add"));
  CHECK_THROWS_WITH(y.argmax(), advice);
  CHECK_THROWS_WITH(y[y > std::int64_t(3)], advice);
  CHECK_THROWS_AS(tessera::stack<std::int64_t>({y, y}), tessera::ArrayError);
  // Whole blocks, the whole array, and broadcasting against a scalar array need no sizes.
  CHECK(y.blocks(1).compute().to_vector() ==
        std::vector<std::int64_t>{10, 11, 12, 13, 14, 15, 16, 17, 18, 19});
  CHECK(y.blocks(tessera::slice({}, {}, -1)).compute().size() == 13);
  CHECK(y(tessera::all).handle() == y.handle());
  CHECK((y + tessera::full<std::int64_t>({1}, 1, {1})).compute().size() == 13);
  // A mask of another shape or type is refused.
  CHECK_THROWS_WITH(x[x(tessera::slice(0, 2)) > std::int64_t(1)],
                    Contains("(2, 5)") && Contains("(4, 5)"));
}

TEST_CASE("a chunk grid with unknown lengths survives serialization and bad ones are refused") {
  using tessera::detail::array::ChunkGrid;
  const ChunkGrid grid(Chunks{{-1, 3, -1}, {4, 4, 2}}, "test");
  CHECK_FALSE(grid.known());
  CHECK(grid.shape() == Shape{-1, 10});
  const ChunkGrid back = tessera::deserialize<ChunkGrid>(tessera::serialize(grid));
  CHECK(back.chunks() == grid.chunks());
  CHECK_FALSE(back.known(0));
  CHECK(back.known(1));
  CHECK_THROWS_AS(ChunkGrid(Chunks{{-2, 3}}, "test"), tessera::ArrayError);
  // An unknown axis must say so consistently.
  auto axes = grid.axes();
  axes[0].unknown = {1, 2, 3};
  CHECK_THROWS(tessera::deserialize<ChunkGrid>(tessera::serialize(ChunkGrid(axes))));
  axes = grid.axes();
  axes[1].unknown = {4, 4, 2};
  CHECK_THROWS(tessera::deserialize<ChunkGrid>(tessera::serialize(ChunkGrid(axes))));
}
