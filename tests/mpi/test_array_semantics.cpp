// Array semantics on MPI workers, a few representative cases: blocks computed, broadcast,
// reduced and converted on the workers give what a plain C++ computation gives; random values
// do not depend on the chunks; errors found on a worker name the operation.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <vector>

#include "support.hpp"
#include "tessera/array.hpp"

using tessera::ChunkSpec;
using tessera::Shape;

TEST_CASE("mpi: array broadcasting, where, astype and scalars match a local computation") {
  std::vector<double> xs(4 * 6), vs(6);
  for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = static_cast<double>(i % 7) - 3.5;
  for (std::size_t j = 0; j < vs.size(); ++j) vs[j] = static_cast<double>(j) * 0.5;
  const auto x = tessera::from_vector(xs, {4, 6}, ChunkSpec{3, 4});
  const auto v = tessera::from_vector(vs, ChunkSpec{4});
  const auto y = tessera::where(x > v, x - v, v * 2.0).astype<std::int32_t>() + 1;
  static_assert(std::is_same_v<decltype(y), const tessera::Array<std::int32_t>>);
  const auto m = y.compute();
  for (std::int64_t i = 0; i < 4; ++i) {
    for (std::int64_t j = 0; j < 6; ++j) {
      const double a = xs[static_cast<std::size_t>(i * 6 + j)], b = vs[static_cast<std::size_t>(j)];
      CHECK(m(i, j) == static_cast<std::int32_t>(a > b ? a - b : b * 2) + 1);
    }
  }
  const auto u = tessera::from_vector<std::uint8_t>({1, 200, 255}, ChunkSpec{2});
  CHECK((u < 300).all().compute().item());
  CHECK((u / -2).compute().to_vector() == std::vector<double>{-0.5, -100, -127.5});
}

TEST_CASE("mpi: array reductions with axes, keepdims, ddof, ties and NaN match NumPy's rules") {
  const double nan = std::nan("");
  const auto x =
      tessera::from_vector<double>({3, 1, 3, 1, nan, 2, 0, 5, 5}, {3, 3}, ChunkSpec{2, 1});
  CHECK(x.argmax(1).compute().to_vector() == std::vector<std::int64_t>{0, 1, 1});  // NaN first
  CHECK(x.nanargmin(1).compute().to_vector() == std::vector<std::int64_t>{1, 0, 0});
  CHECK(x.nansum().compute().item() == 20);
  CHECK(std::isnan(x.sum().compute().item()));
  const auto means = x.nanmean(0, {.keepdims = true}).compute();
  CHECK(means.shape() == Shape{1, 3});
  CHECK(means(0, 1) == Approx(3));
  const auto var = x.nanvar(1, {.ddof = 1}).compute();
  CHECK(var(0) == Approx(4.0 / 3));
  CHECK(var(1) == Approx(0.5));
  const auto k = tessera::random::integers<std::int32_t>(0, 10, {50, 40}, ChunkSpec{7, 9}, 3);
  const auto whole = tessera::random::integers<std::int32_t>(0, 10, {50, 40}, ChunkSpec{-1}, 3);
  CHECK(k.compute().to_vector() == whole.compute().to_vector());
  CHECK(k.sum({0, 1}, {.split_every = 2}).compute().item() == whole.sum().compute().item());
}

TEST_CASE("mpi: array errors found on a worker name the operation") {
  const auto i = tessera::from_vector<std::int64_t>({2, -1, 3, 4}, ChunkSpec{1});
  CHECK_THROWS_WITH(tessera::power(i, i).sum().compute(),
                    Catch::Contains("power: integers to negative integer powers"));
  const auto all_nan = tessera::full<double>({2, 2}, std::nan(""), ChunkSpec{1, 1});
  CHECK_THROWS_WITH(all_nan.nanargmax(0).compute(), Catch::Contains("All-NaN slice"));
}
