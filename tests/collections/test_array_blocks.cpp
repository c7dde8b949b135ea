// Block programming: map_blocks, blockwise, user reductions, cumsum and cumprod, against
// plain loops on the sync and threads schedulers.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "tessera/array.hpp"

using tessera::Array;
using tessera::BlockInfo;
using tessera::BlockView;
using tessera::Chunks;
using tessera::ChunkSpec;
using tessera::HostArray;
using tessera::Shape;

namespace {

// Each element plus a thousandth of its global row, as float.
HostArray<float> shifted(const BlockView<double>& x, const BlockInfo& info) {
  HostArray<float> out(x.shape());
  for (std::int64_t i = 0; i < x.shape()[0]; ++i) {
    for (std::int64_t j = 0; j < x.shape()[1]; ++j) {
      out(i, j) = static_cast<float>(x(i, j) + 0.001 * static_cast<double>(info.start[0] + i));
    }
  }
  return out;
}

HostArray<double> weighted(const BlockView<double>& x, const BlockView<std::int32_t>& w) {
  HostArray<double> out(x.shape());
  const std::int64_t wrows = w.shape()[0];
  for (std::int64_t i = 0; i < x.shape()[0]; ++i) {
    for (std::int64_t j = 0; j < x.shape()[1]; ++j) {
      out(i, j) = x(i, j) * w(wrows == 1 ? 0 : i, j);
    }
  }
  return out;
}

// The block's sum as a 1 x 1 block.
HostArray<double> block_total(const BlockView<double>& x) {
  HostArray<double> out(Shape{1, 1});
  double total = 0;
  for (double v : x.values()) total += v;
  out(0, 0) = total;
  return out;
}

HostArray<double> wrong_shape(const BlockView<double>& x) {
  return HostArray<double>(Shape{x.shape()[0] + 1, x.shape()[1]});
}

// x block plus the transpose of the y block.
HostArray<double> add_transposed(const BlockView<double>& x, const BlockView<double>& y) {
  HostArray<double> out(x.shape());
  for (std::int64_t i = 0; i < x.shape()[0]; ++i) {
    for (std::int64_t j = 0; j < x.shape()[1]; ++j) out(i, j) = x(i, j) + y(j, i);
  }
  return out;
}

HostArray<double> add_row(const BlockView<double>& x, const BlockView<double>& row) {
  HostArray<double> out(x.shape());
  for (std::int64_t i = 0; i < x.shape()[0]; ++i) {
    for (std::int64_t j = 0; j < x.shape()[1]; ++j) out(i, j) = x(i, j) + row(j);
  }
  return out;
}

// Sum of squares of a 2-d block along the given axes, keeping them.
HostArray<double> sum_squares(const BlockView<double>& x, const std::vector<int>& axes) {
  const bool r0 = std::find(axes.begin(), axes.end(), 0) != axes.end();
  const bool r1 = std::find(axes.begin(), axes.end(), 1) != axes.end();
  HostArray<double> out(Shape{r0 ? 1 : x.shape()[0], r1 ? 1 : x.shape()[1]});
  for (double& v : out.values()) v = 0;
  for (std::int64_t i = 0; i < x.shape()[0]; ++i) {
    for (std::int64_t j = 0; j < x.shape()[1]; ++j)
      out(r0 ? 0 : i, r1 ? 0 : j) += x(i, j) * x(i, j);
  }
  return out;
}

HostArray<double> sum_along(const BlockView<double>& x, const std::vector<int>& axes) {
  const bool r0 = std::find(axes.begin(), axes.end(), 0) != axes.end();
  const bool r1 = std::find(axes.begin(), axes.end(), 1) != axes.end();
  HostArray<double> out(Shape{r0 ? 1 : x.shape()[0], r1 ? 1 : x.shape()[1]});
  for (double& v : out.values()) v = 0;
  for (std::int64_t i = 0; i < x.shape()[0]; ++i) {
    for (std::int64_t j = 0; j < x.shape()[1]; ++j) out(r0 ? 0 : i, r1 ? 0 : j) += x(i, j);
  }
  return out;
}

// The range (max - min) of a 1-d array: partials hold [min, max], two along the axis.
HostArray<std::int64_t> min_max(const BlockView<std::int32_t>& x, const std::vector<int>&) {
  HostArray<std::int64_t> out(Shape{2});
  out(0) = x(0);
  out(1) = x(0);
  for (std::int32_t v : x.values()) {
    out(0) = std::min<std::int64_t>(out(0), v);
    out(1) = std::max<std::int64_t>(out(1), v);
  }
  return out;
}
HostArray<std::int64_t> merge_min_max(const BlockView<std::int64_t>& parts,
                                      const std::vector<int>&) {
  HostArray<std::int64_t> out(Shape{2});
  out(0) = parts(0);
  out(1) = parts(1);
  for (std::int64_t k = 0; k < parts.shape()[0]; k += 2) {
    out(0) = std::min(out(0), parts(k));
    out(1) = std::max(out(1), parts(k + 1));
  }
  return out;
}
HostArray<double> range_of(const BlockView<std::int64_t>& parts, const std::vector<int>& axes) {
  auto merged = merge_min_max(parts, axes);
  HostArray<double> out(Shape{1});
  out(0) = static_cast<double>(merged(1) - merged(0));
  return out;
}

HostArray<double> bad_aggregate(const BlockView<double>& x, const std::vector<int>&) {
  return HostArray<double>(x.shape());
}

}  // namespace

TESSERA_TASK(shifted);
TESSERA_TASK(weighted);
TESSERA_TASK(block_total);
TESSERA_TASK(wrong_shape);
TESSERA_TASK(add_transposed);
TESSERA_TASK(add_row);
TESSERA_TASK(sum_squares);
TESSERA_TASK(sum_along);
TESSERA_TASK(min_max);
TESSERA_TASK(merge_min_max);
TESSERA_TASK(range_of);
TESSERA_TASK(bad_aggregate);

namespace {

HostArray<double> unregistered(const BlockView<double>& x) { return HostArray<double>(x.shape()); }

std::vector<double> ramp(std::int64_t rows, std::int64_t cols) {
  std::vector<double> v(static_cast<std::size_t>(rows * cols));
  for (std::int64_t i = 0; i < rows * cols; ++i) {
    v[static_cast<std::size_t>(i)] = static_cast<double>((i * 7) % 23) - 11;
  }
  return v;
}

const char* const schedulers[] = {"sync", "threads"};

}  // namespace

TEST_CASE("map_blocks applies a registered function to each block with its place") {
  for (const char* scheduler : schedulers) {
    tessera::Client client(tessera::ClientOptions{scheduler});
    const auto values = ramp(13, 9);
    auto x = tessera::from_vector(values, {13, 9}, ChunkSpec(Chunks{{5, 1, 7}, {4, 5}}));
    Array<float> y = tessera::map_blocks(shifted, x);
    CHECK(y.chunks() == x.chunks());
    auto m = y.compute();
    for (std::int64_t i = 0; i < 13; ++i) {
      for (std::int64_t j = 0; j < 9; ++j) {
        const double v = values[static_cast<std::size_t>(i * 9 + j)];
        CHECK(m(i, j) == static_cast<float>(v + 0.001 * static_cast<double>(i)));
      }
    }
  }
}

TEST_CASE("map_blocks lines up several arrays and broadcasts one with a single block") {
  for (const char* scheduler : schedulers) {
    tessera::Client client(tessera::ClientOptions{scheduler});
    const auto values = ramp(10, 6);
    auto x = tessera::from_vector(values, {10, 6}, ChunkSpec{4, 3});
    std::vector<std::int32_t> weights(60), row(6);
    for (std::size_t i = 0; i < 60; ++i) weights[i] = static_cast<std::int32_t>(i % 5);
    for (std::size_t j = 0; j < 6; ++j) row[j] = static_cast<std::int32_t>(j + 1);
    auto w = tessera::from_vector(weights, {10, 6}, ChunkSpec{4, 3});
    auto full = tessera::map_blocks(weighted, x, w).compute();
    auto r = tessera::from_vector(row, {1, 6}, ChunkSpec{1, 3});
    auto by_row = tessera::map_blocks(weighted, x, r).compute();
    for (std::size_t k = 0; k < 60; ++k) {
      CHECK(full.values()[k] == values[k] * weights[k]);
      CHECK(by_row.values()[k] == values[k] * row[k % 6]);
    }
    auto misaligned = tessera::from_vector(weights, {10, 6}, ChunkSpec{5, 3});
    CHECK_THROWS_WITH(tessera::map_blocks(weighted, x, misaligned),
                      Catch::Contains("map_blocks: the blocks of argument 1 do not line up") &&
                          Catch::Contains("rechunk"));
  }
}

TEST_CASE("map_blocks makes blocks of new chunks") {
  tessera::Client client(tessera::ClientOptions{"threads"});
  const auto values = ramp(7, 8);
  auto x = tessera::from_vector(values, {7, 8}, ChunkSpec{3, 4});
  auto totals = tessera::map_blocks(block_total, x, tessera::MapBlocksOptions{ChunkSpec{1, 1}});
  CHECK(totals.shape() == Shape{3, 2});
  auto m = totals.compute();
  for (std::int64_t bi = 0; bi < 3; ++bi) {
    for (std::int64_t bj = 0; bj < 2; ++bj) {
      double expected = 0;
      for (std::int64_t i = bi * 3; i < std::min<std::int64_t>(7, bi * 3 + 3); ++i) {
        for (std::int64_t j = bj * 4; j < bj * 4 + 4; ++j) {
          expected += values[static_cast<std::size_t>(i * 8 + j)];
        }
      }
      CHECK(m(bi, bj) == expected);
    }
  }
  CHECK_THROWS_WITH(
      tessera::map_blocks(block_total, x,
                          tessera::MapBlocksOptions{ChunkSpec(Chunks{{1, 1}, {1, 1}})}),
      Catch::Contains("do not have the blocks of the arguments"));
}

TEST_CASE("map_blocks names the function and the block whose result has the wrong shape") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  auto x = tessera::from_vector(ramp(6, 6), {6, 6}, ChunkSpec{3, 3});
  CHECK_THROWS_WITH(tessera::map_blocks(wrong_shape, x).compute(),
                    Catch::Contains("map_blocks: wrong_shape returned a block of shape (4, 3) "
                                    "for block (0, 0), whose shape is (3, 3)"));
  CHECK_THROWS_WITH(tessera::map_blocks(unregistered, x),
                    Catch::Contains("map_blocks: the function is not registered"));
}

TEST_CASE("blockwise pairs blocks by their index letters, transposed or broadcast") {
  for (const char* scheduler : schedulers) {
    tessera::Client client(tessera::ClientOptions{scheduler});
    const auto xv = ramp(9, 7);
    auto x = tessera::from_vector(xv, {9, 7}, ChunkSpec(Chunks{{4, 5}, {2, 5}}));
    std::vector<double> yv(63);
    for (std::size_t k = 0; k < 63; ++k) yv[k] = static_cast<double>(k);
    auto y = tessera::from_vector(yv, {7, 9}, ChunkSpec(Chunks{{2, 5}, {4, 5}}));
    auto sum = tessera::blockwise(add_transposed, "ij", x, "ij", y, "ji").compute();
    std::vector<double> row(7);
    for (std::size_t j = 0; j < 7; ++j) row[j] = 100.0 * static_cast<double>(j);
    auto r = tessera::from_vector(row, ChunkSpec(Chunks{{2, 5}}));
    auto plus_row = tessera::blockwise(add_row, "ij", x, "ij", r, "j").compute();
    for (std::int64_t i = 0; i < 9; ++i) {
      for (std::int64_t j = 0; j < 7; ++j) {
        const double v = xv[static_cast<std::size_t>(i * 7 + j)];
        CHECK(sum(i, j) == v + yv[static_cast<std::size_t>(j * 9 + i)]);
        CHECK(plus_row(i, j) == v + row[static_cast<std::size_t>(j)]);
      }
    }
    CHECK_THROWS_WITH(tessera::blockwise(add_row, "i", x, "ij", r, "j"),
                      Catch::Contains("index 'j' of argument 0 is not in the output index"));
    CHECK_THROWS_WITH(tessera::blockwise(add_row, "ij", x, "i", r, "j"),
                      Catch::Contains("names 1 axes"));
    CHECK_THROWS_WITH(tessera::blockwise(add_transposed, "ij", x, "ij", y, "ij"),
                      Catch::Contains("do not line up"));
  }
}

TEST_CASE("reduction runs user chunk, combine and aggregate functions as a tree") {
  for (const char* scheduler : schedulers) {
    tessera::Client client(tessera::ClientOptions{scheduler});
    const auto values = ramp(11, 10);
    auto x = tessera::from_vector(values, {11, 10}, ChunkSpec(Chunks{{2, 3, 1, 5}, {4, 4, 2}}));
    std::vector<double> rows(11, 0), cols(10, 0);
    double all = 0;
    for (std::size_t i = 0; i < 11; ++i) {
      for (std::size_t j = 0; j < 10; ++j) {
        const double s = values[i * 10 + j] * values[i * 10 + j];
        rows[i] += s;
        cols[j] += s;
        all += s;
      }
    }
    for (int split_every : {0, 2}) {
      tessera::ReduceOptions o{.split_every = split_every};
      auto by_col = tessera::reduction(x, sum_squares, sum_along, sum_along, 0, o).compute();
      CHECK(by_col.shape() == Shape{10});
      for (std::size_t j = 0; j < 10; ++j) CHECK(by_col.values()[j] == cols[j]);
      auto by_row = tessera::reduction(x, sum_squares, sum_along, 1, o).compute();
      for (std::size_t i = 0; i < 11; ++i) CHECK(by_row.values()[i] == rows[i]);
      auto total = tessera::reduction(x, sum_squares, sum_along, {}, o).compute();
      CHECK(total.shape() == Shape{});
      CHECK(total.item() == all);
      o.keepdims = true;
      auto kept = tessera::reduction(x, sum_squares, sum_along, {0, 1}, o).compute();
      CHECK(kept.shape() == Shape{1, 1});
      CHECK(kept.item() == all);
    }
  }
}

TEST_CASE("reduction concatenates partial results longer than one along the axis") {
  tessera::Client client(tessera::ClientOptions{"threads"});
  std::vector<std::int32_t> v(100);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::int32_t>((i * 37) % 101) - 50;
  auto x = tessera::from_vector(v, ChunkSpec{7});
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  for (int split_every : {2, 3, 16}) {
    auto range = tessera::reduction(x, min_max, merge_min_max, range_of, 0,
                                    tessera::ReduceOptions{.split_every = split_every});
    CHECK(range.compute().item() == static_cast<double>(*hi - *lo));
  }
  auto y = tessera::from_vector(ramp(4, 4), {4, 4}, ChunkSpec{2, 2});
  CHECK_THROWS_WITH(
      tessera::reduction(y, sum_along, bad_aggregate, 0).compute(),
      Catch::Contains("reduction: bad_aggregate returned a block of shape (2, 2) from one "
                      "of shape (2, 2) for block (0,)") &&
          Catch::Contains("length 1 along the reduced ones"));
  CHECK_THROWS_WITH(tessera::reduction(y, sum_along, sum_along, 2),
                    Catch::Contains("axis 2 is out of bounds"));
}

TEST_CASE("cumsum and cumprod follow NumPy's result types along any axis") {
  for (const char* scheduler : schedulers) {
    tessera::Client client(tessera::ClientOptions{scheduler});
    const Shape shape{5, 4, 6};
    std::vector<std::int32_t> v(120);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::int32_t>(i % 7) - 3;
    auto x = tessera::from_vector(v, shape, ChunkSpec(Chunks{{2, 0, 3}, {1, 3}, {4, 2}}));
    for (int axis : {0, 1, 2, -1}) {
      Array<std::int64_t> s = x.cumsum(axis);
      Array<std::int64_t> p = x.cumprod(axis);
      auto sm = s.compute();
      auto pm = p.compute();
      const int a = axis < 0 ? axis + 3 : axis;
      for (std::int64_t i = 0; i < 5; ++i) {
        for (std::int64_t j = 0; j < 4; ++j) {
          for (std::int64_t k = 0; k < 6; ++k) {
            std::int64_t sum = 0, prod = 1;
            const std::int64_t at[3] = {i, j, k};
            for (std::int64_t t = 0; t <= at[a]; ++t) {
              std::int64_t idx[3] = {i, j, k};
              idx[a] = t;
              const std::int64_t e =
                  v[static_cast<std::size_t>((idx[0] * 4 + idx[1]) * 6 + idx[2])];
              sum += e;
              prod *= e;
            }
            CHECK(sm(i, j, k) == sum);
            CHECK(pm(i, j, k) == prod);
          }
        }
      }
    }
    std::vector<std::uint8_t> flags{1, 0, 1, 1, 0, 1, 1};
    Array<bool> b = tessera::from_vector(flags, ChunkSpec{3}).astype<bool>();
    Array<std::int64_t> count = b.cumsum();
    CHECK(count.compute().to_vector() == std::vector<std::int64_t>{1, 1, 2, 3, 3, 4, 5});
    std::vector<float> f{0.5f, 2, 4, 0.25f, 3};
    Array<float> fp = tessera::from_vector(f, ChunkSpec{2}).cumprod();
    CHECK(fp.compute().to_vector() == std::vector<float>{0.5f, 1, 4, 1, 3});
    Array<std::uint64_t> u =
        tessera::from_vector(std::vector<std::uint8_t>{200, 100, 7}, ChunkSpec{1}).cumsum();
    CHECK(u.compute().to_vector() == std::vector<std::uint64_t>{200, 300, 307});
  }
}

TEST_CASE("cumsum of a float array matches a running sum and checks its axis") {
  tessera::Client client(tessera::ClientOptions{"threads"});
  const auto values = ramp(30, 1);
  auto x = tessera::from_vector(values, ChunkSpec{4});
  auto c = (x * 0.5).cumsum().compute();
  double running = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    running += values[i] * 0.5;
    CHECK(c.values()[i] == Approx(running));
  }
  auto m = tessera::from_vector(ramp(3, 3), {3, 3}, ChunkSpec{2, 2});
  CHECK_THROWS_WITH(m.cumsum(), Catch::Contains("cumsum: give an axis"));
  CHECK_THROWS_WITH(m.cumprod(2), Catch::Contains("cumprod: axis 2 is out of bounds"));
}
