// Linear algebra and sorting of arrays on MPI workers: block products, topk merges and unique
// merges that run on several ranks give the results of a plain computation on rank 0.

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <vector>

#include "support.hpp"
#include "tessera/array.hpp"

TEST_CASE("mpi: array matmul and tensordot match a plain loop") {
  auto x = tessera::random::uniform<double>({45, 70}, {8, 16}, 3);
  auto y = tessera::random::uniform<double>({70, 30}, {16, 7}, 4);
  const auto xs = x.compute(), ys = y.compute();
  const auto product = tessera::matmul(x, y).compute();
  REQUIRE(product.shape() == tessera::Shape{45, 30});
  for (std::int64_t i = 0; i < 45; ++i) {
    for (std::int64_t j = 0; j < 30; ++j) {
      double sum = 0;
      for (std::int64_t k = 0; k < 70; ++k) sum += xs(i, k) * ys(k, j);
      CHECK(product(i, j) == Approx(sum).epsilon(1e-12));
    }
  }
  // Integers through the plain kernel, a transposed operand, and a 1-d one.
  auto n = tessera::random::integers<std::int32_t>(-5, 5, {40, 25}, {9, 6}, 5);
  const auto ns = n.compute();
  const auto gram = tessera::matmul(n.T(), n).compute();
  const auto column = tessera::matmul(n, tessera::ones<std::int32_t>({25}, {6})).compute();
  for (std::int64_t i = 0; i < 25; ++i) {
    for (std::int64_t j = 0; j < 25; ++j) {
      std::int32_t sum = 0;
      for (std::int64_t k = 0; k < 40; ++k) sum += ns(k, i) * ns(k, j);
      CHECK(gram(i, j) == sum);
    }
  }
  for (std::int64_t i = 0; i < 40; ++i) {
    std::int32_t sum = 0;
    for (std::int64_t k = 0; k < 25; ++k) sum += ns(i, k);
    CHECK(column(i) == sum);
  }
  CHECK(tessera::tensordot(n, n, {0, 1}, {0, 1}).compute().item() ==
        (n * n).sum().compute().item());
}

TEST_CASE("mpi: array topk and unique match sorting on rank 0") {
  auto x = tessera::random::integers<std::int64_t>(0, 50, {33, 20}, {5, 6}, 9);
  const auto xs = x.compute();
  const auto top = tessera::topk(x, 4, 0, 2).compute();
  const auto where = tessera::argtopk(x, -3, 1).compute();
  for (std::int64_t j = 0; j < 20; ++j) {
    std::vector<std::int64_t> column;
    for (std::int64_t i = 0; i < 33; ++i) column.push_back(xs(i, j));
    std::sort(column.rbegin(), column.rend());
    for (std::int64_t r = 0; r < 4; ++r) CHECK(top(r, j) == column[static_cast<std::size_t>(r)]);
  }
  for (std::int64_t i = 0; i < 33; ++i) {
    std::vector<std::int64_t> order(20);
    for (std::int64_t j = 0; j < 20; ++j) order[static_cast<std::size_t>(j)] = j;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::int64_t a, std::int64_t b) { return xs(i, a) < xs(i, b); });
    for (std::int64_t r = 0; r < 3; ++r) CHECK(where(i, r) == order[static_cast<std::size_t>(r)]);
  }
  std::map<std::int64_t, std::int64_t> counted;
  for (std::int64_t v : xs.values()) ++counted[v];
  const auto [unique_values, unique_counts] = tessera::unique_counts(x, 3);
  const auto values = unique_values.compute().to_vector();
  const auto counts = unique_counts.compute().to_vector();
  REQUIRE(values.size() == counted.size());
  std::size_t at = 0;
  for (auto [v, c] : counted) {
    CHECK(values[at] == v);
    CHECK(counts[at] == c);
    ++at;
  }
}
