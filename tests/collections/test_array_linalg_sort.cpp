// topk, argtopk and unique against sorting on the host, on several shapes, chunkings, element
// types and schedulers.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "tessera/array.hpp"

using tessera::Array;
using tessera::ChunkSpec;
using tessera::Shape;

namespace {

// Values with many ties: i * 37 mod 13, minus 6.
template <class T>
std::vector<T> tied_values(std::int64_t n) {
  std::vector<T> out(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const auto v = static_cast<int>((i * 37) % 13) - 6;
    if constexpr (std::is_same_v<T, bool>) {
      out[static_cast<std::size_t>(i)] = v > 0;
    } else {
      out[static_cast<std::size_t>(i)] = static_cast<T>(v);
    }
  }
  return out;
}

// NumPy's sort order: NaN after every number.
template <class T>
bool before(T x, T y) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(x)) return false;
    if (std::isnan(y)) return true;
  }
  return x < y;
}

// The reference: per lane along `axis` of a (rows × cols) array, the indices of the |k|
// first elements in topk's order (of equal values, the smaller index first).
template <class T>
std::vector<std::int64_t> topk_indices(const std::vector<T>& v, std::int64_t rows,
                                       std::int64_t cols, int axis, std::int64_t k) {
  const std::int64_t lanes = axis == 0 ? cols : rows, length = axis == 0 ? rows : cols;
  const std::int64_t kk = std::abs(k);
  std::vector<std::int64_t> out(static_cast<std::size_t>(lanes * kk));
  for (std::int64_t lane = 0; lane < lanes; ++lane) {
    auto at = [&](std::int64_t j) {
      return v[static_cast<std::size_t>(axis == 0 ? j * cols + lane : lane * cols + j)];
    };
    std::vector<std::int64_t> order(static_cast<std::size_t>(length));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::int64_t x, std::int64_t y) {
      return k > 0 ? before(at(y), at(x)) : before(at(x), at(y));
    });
    for (std::int64_t j = 0; j < kk; ++j) {
      const std::int64_t e = axis == 0 ? j * lanes + lane : lane * kk + j;
      out[static_cast<std::size_t>(e)] = order[static_cast<std::size_t>(j)];
    }
  }
  return out;
}

template <class T>
void check_topk(std::int64_t rows, std::int64_t cols, ChunkSpec chunks, int split_every) {
  const auto v = tied_values<T>(rows * cols);
  auto a = tessera::from_vector(v, {rows, cols}, chunks);
  for (int axis : {0, 1}) {
    const std::int64_t length = axis == 0 ? rows : cols;
    for (std::int64_t k : {std::int64_t{1}, std::int64_t{3}, std::int64_t{-2}, length, -length}) {
      if (std::abs(k) > length) continue;
      INFO("T = " << tessera::dtype_name(tessera::dtype_of<T>()) << ", shape " << rows << " x "
                  << cols << ", axis " << axis << ", k " << k);
      const auto expected = topk_indices(v, rows, cols, axis, k);
      auto top = tessera::topk(a, k, axis == 1 ? -1 : 0, split_every);
      Shape shape{rows, cols};
      shape[static_cast<std::size_t>(axis)] = std::abs(k);
      CHECK(top.shape() == shape);
      CHECK(top.chunks()[static_cast<std::size_t>(axis)] == std::vector<std::int64_t>{std::abs(k)});
      const auto got = top.compute().to_vector();
      const auto got_indices = tessera::argtopk(a, k, axis, split_every).compute().to_vector();
      REQUIRE(got.size() == expected.size());
      CHECK(got_indices == expected);
      for (std::size_t e = 0; e < expected.size(); ++e) {
        const std::int64_t lane = axis == 0 ? static_cast<std::int64_t>(e) % cols
                                            : static_cast<std::int64_t>(e) / std::abs(k);
        const std::int64_t j = expected[e];
        CHECK(got[e] == v[static_cast<std::size_t>(axis == 0 ? j * cols + lane : lane * cols + j)]);
      }
    }
  }
}

}  // namespace

TEST_CASE("topk and argtopk match a stable sort of each lane on sync and threads") {
  for (const char* scheduler : {"sync", "threads"}) {
    INFO("scheduler " << scheduler);
    tessera::Client client(tessera::ClientOptions{scheduler, 2});
    check_topk<double>(9, 7, ChunkSpec{4, 3}, 0);  // ragged last blocks
    check_topk<float>(5, 6, ChunkSpec{1, 1}, 2);   // 1-element blocks, a deep tree
    check_topk<std::int32_t>(12, 5, ChunkSpec{5, 2}, 3);
    check_topk<std::int64_t>(6, 11, ChunkSpec{6, 11}, 0);  // one block
    check_topk<bool>(8, 4, ChunkSpec{3, 3}, 2);
  }
}

TEST_CASE("topk counts NaN as the largest value and reads elementwise inputs fused") {
  tessera::Client client(tessera::ClientOptions{"threads", 2});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto a = tessera::from_vector(std::vector<double>{3, nan, -1, 7, 2, nan, 5}, ChunkSpec{3});
  const auto largest = tessera::topk(a, 3).compute().to_vector();
  CHECK(std::isnan(largest[0]));
  CHECK(std::isnan(largest[1]));
  CHECK(largest[2] == 7);
  CHECK(tessera::argtopk(a, 3).compute().to_vector() == std::vector<std::int64_t>{1, 5, 3});
  CHECK(tessera::topk(a, -3).compute().to_vector() == std::vector<double>{-1, 2, 3});
  CHECK(tessera::topk(a * -2.0, 2).compute().to_vector().size() == 2);
  CHECK(tessera::topk(tessera::abs(a - 4.0), -2).compute().to_vector() ==
        std::vector<double>{1, 1});
  CHECK(tessera::argtopk(tessera::abs(a - 4.0), -2).compute().to_vector() ==
        std::vector<std::int64_t>{0, 6});
}

TEST_CASE("topk names the k and axis that do not fit") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  auto a = tessera::zeros<double>({10, 4}, ChunkSpec{3, 2});
  CHECK_THROWS_WITH(tessera::topk(a, 5),
                    "topk: k = 5 is not in [-4, -1] or [1, 4], as the length of axis 1 (shape "
                    "(10, 4)) requires");
  CHECK_THROWS_WITH(tessera::argtopk(a, 0, 0), Catch::StartsWith("argtopk: k = 0 is not in"));
  CHECK_THROWS_WITH(tessera::topk(a, 1, 2),
                    "topk: axis 2 is out of bounds for an array of dimension 2 (shape (10, 4))");
  CHECK_THROWS_AS(tessera::topk(a, 1, 0, 1), tessera::ArrayError);
}

TEST_CASE("unique gives the sorted distinct values and their counts on sync and threads") {
  for (const char* scheduler : {"sync", "threads"}) {
    INFO("scheduler " << scheduler);
    tessera::Client client(tessera::ClientOptions{scheduler, 2});
    auto check = [](auto sample, Shape shape, ChunkSpec chunks, int split_every) {
      using T = decltype(sample);
      std::int64_t n = 1;
      for (auto d : shape) n *= d;
      const auto v = tied_values<T>(n);
      std::map<T, std::int64_t> counted;
      for (T x : v) ++counted[x];
      std::vector<T> values;
      std::vector<std::int64_t> counts;
      for (auto [x, c] : counted) {
        values.push_back(x);
        counts.push_back(c);
      }
      auto a = tessera::from_vector(v, shape, chunks);
      INFO("T = " << tessera::dtype_name(tessera::dtype_of<T>()) << ", shape "
                  << tessera::to_string(shape));
      CHECK(tessera::unique(a, split_every).compute().to_vector() == values);
      const auto [got_values, got_counts] = tessera::unique_counts(a, split_every);
      CHECK(got_values.compute().to_vector() == values);
      CHECK(got_counts.compute().to_vector() == counts);
    };
    check(double{}, {7, 9}, ChunkSpec{3, 4}, 0);
    check(float{}, {30}, ChunkSpec{1}, 2);  // 1-element blocks: a tree of depth 5
    check(std::int32_t{}, {4, 5, 6}, ChunkSpec{3, 2, 5}, 3);
    check(std::int64_t{}, {100}, ChunkSpec{100}, 0);
    check(bool{}, {11, 3}, ChunkSpec{4, 2}, 0);
  }
}

TEST_CASE("unique keeps one NaN, last, and reads elementwise inputs fused") {
  tessera::Client client(tessera::ClientOptions{"threads", 2});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto a = tessera::from_vector(std::vector<double>{2, nan, 1, 2, nan, -3, 1, nan}, ChunkSpec{3});
  const auto [unique_values, unique_counts] = tessera::unique_counts(a);
  const auto values = unique_values.compute().to_vector();
  const auto counts = unique_counts.compute().to_vector();
  REQUIRE(values.size() == 4);
  CHECK(values[0] == -3);
  CHECK(values[1] == 1);
  CHECK(values[2] == 2);
  CHECK(std::isnan(values[3]));
  CHECK(counts == std::vector<std::int64_t>{1, 2, 2, 3});
  auto b = tessera::arange<std::int64_t>(0, 20, 1, ChunkSpec{6});
  CHECK(tessera::unique(b % 4 * 10).compute().to_vector() ==
        std::vector<std::int64_t>{0, 10, 20, 30});
  CHECK(tessera::unique(tessera::zeros<double>({0}, ChunkSpec{1})).compute().size() == 0);
}

namespace {
// The distinct keys of unique's per-block tasks behind `outputs` (tasks of one key are
// one task when the graph runs).
std::size_t partial_keys(const std::vector<tessera::Delayed<tessera::Block>>& outputs) {
  std::set<std::string> keys;
  std::set<const tessera::detail::Node*> seen;
  std::vector<const tessera::detail::Node*> stack;
  for (const auto& d : outputs) stack.push_back(d.node().get());
  while (!stack.empty()) {
    const auto* node = stack.back();
    stack.pop_back();
    if (!seen.insert(node).second) continue;
    for (const auto& arg : node->args()) {
      if (const auto* p = arg.node()) stack.push_back(p->get());
    }
    if (node->is_task() && std::string(node->code->name) == "tessera.array.unique_partial") {
      keys.insert(std::string(node->key));
    }
  }
  return keys.size();
}
}  // namespace

TEST_CASE("unique is an array of one block of unknown length that feeds array operations") {
  for (const char* scheduler : {"sync", "threads"}) {
    INFO("scheduler " << scheduler);
    tessera::Client client(tessera::ClientOptions{scheduler, 2});
    auto b = tessera::arange<std::int64_t>(0, 50, 1, ChunkSpec{7}) % 5;
    const auto u = tessera::unique(b, 2);
    CHECK(u.numblocks() == Shape{1});
    CHECK(u.shape() == Shape{-1});
    CHECK(u.chunks() == tessera::Chunks{{-1}});
    // Lazily on: arithmetic, a reduction, and its length once computed.
    CHECK((u * 10 + 1).compute().to_vector() == std::vector<std::int64_t>{1, 11, 21, 31, 41});
    CHECK(u.sum().compute().item() == 10);
    CHECK(u.compute_chunk_sizes().shape() == Shape{5});
    CHECK(u.compute_chunk_sizes()(tessera::slice(1, 3)).compute().to_vector() ==
          std::vector<std::int64_t>{1, 2});
    // Values and counts in one graph: their tree of merges is made once.
    const auto [values, counts] = tessera::unique_counts(b, 2);
    CHECK((values * counts).sum().compute().item() == 10 * 10);
    CHECK(partial_keys((values * counts).to_delayed()) == 8);  // once per block of b
    CHECK(counts.compute().to_vector() == std::vector<std::int64_t>{10, 10, 10, 10, 10});
    // Known-length operations refuse it, naming what to do.
    CHECK_THROWS_WITH(u(tessera::slice(0, 2)), Catch::Contains("compute_chunk_sizes"));
  }
}
