// map_overlap: stencils over blocks with halos, against plain loops over the whole array,
// for every boundary, in 1 to 3 dimensions and ragged chunks.

#include <catch2/catch.hpp>
#include <cstdint>
#include <numeric>
#include <vector>

#include "tessera/array.hpp"

using tessera::BlockView;
using tessera::Boundary;
using tessera::Chunks;
using tessera::ChunkSpec;
using tessera::HostArray;
using tessera::Shape;

namespace {

// The Laplacian in any number of dimensions; neighbours outside the halo (the array's edge
// under Boundary::none()) count as 0.
HostArray<double> laplace(const BlockView<double>& x) {
  const auto nd = static_cast<std::size_t>(x.ndim());
  HostArray<double> out(x.shape());
  Shape at(nd, 0);
  for (double& result : out.values()) {
    std::int64_t offset = 0;
    for (std::size_t d = 0; d < nd; ++d) offset += at[d] * x.stride(d);
    double sum = -2.0 * static_cast<double>(nd) * x.data()[offset];
    for (std::size_t d = 0; d < nd; ++d) {
      if (at[d] - 1 >= x.lo(d)) sum += x.data()[offset - x.stride(d)];
      if (at[d] + 1 < x.hi(d)) sum += x.data()[offset + x.stride(d)];
    }
    result = sum;
    for (std::size_t d = nd; d-- > 0;) {
      if (++at[d] < x.shape()[d]) break;
      at[d] = 0;
    }
  }
  return out;
}

// Two rows up and down, one column left and right (depth {2, 1}).
HostArray<double> far_cross(const BlockView<double>& x) {
  HostArray<double> out(x.shape());
  auto get = [&](std::int64_t i, std::int64_t j) {
    return i >= x.lo(0) && i < x.hi(0) && j >= x.lo(1) && j < x.hi(1) ? x(i, j) : 0.0;
  };
  for (std::int64_t i = 0; i < x.shape()[0]; ++i) {
    for (std::int64_t j = 0; j < x.shape()[1]; ++j) {
      out(i, j) = get(i - 2, j) + 10 * get(i + 2, j) + 100 * get(i, j - 1) + 1000 * get(i, j + 1);
    }
  }
  return out;
}

// Works on the whole padded block and returns it: map_overlap trims the halo.
HostArray<double> doubled_padded(const BlockView<double>& x) {
  HostArray<double> padded = x.padded();
  HostArray<double> out(padded.shape());
  for (std::int64_t k = 0; k < out.size(); ++k) out.values()[k] = 2 * padded.values()[k];
  return out;
}

}  // namespace

TESSERA_TASK(laplace);
TESSERA_TASK(far_cross);
TESSERA_TASK(doubled_padded);

namespace {

std::vector<double> values_of(std::int64_t n) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    v[static_cast<std::size_t>(i)] =
        static_cast<double>((i * 13) % 17) - 0.5 * static_cast<double>(i % 3);
  }
  return v;
}

// The element of the whole array at `index` shifted by `step` along `axis`, with the
// boundary beyond the edge; `missing` is set where there is none (Boundary::none()).
double neighbour(const std::vector<double>& v, const Shape& shape, Shape index, std::size_t axis,
                 std::int64_t step, const Boundary& b, bool& missing) {
  const std::int64_t n = shape[axis];
  std::int64_t i = index[axis] + step;
  missing = false;
  if (i < 0 || i >= n) {
    switch (b.kind) {
      case Boundary::Kind::none:
        missing = true;
        return 0;
      case Boundary::Kind::constant:
        return b.value;
      case Boundary::Kind::periodic:
        i = (i % n + n) % n;
        break;
      case Boundary::Kind::reflect:
        i = i < 0 ? -i - 1 : 2 * n - i - 1;
        break;
    }
  }
  index[axis] = i;
  std::int64_t flat = 0;
  for (std::size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + index[d];
  return v[static_cast<std::size_t>(flat)];
}

std::vector<double> reference_laplace(const std::vector<double>& v, const Shape& shape,
                                      const Boundary& b) {
  std::vector<double> out(v.size());
  Shape at(shape.size(), 0);
  for (std::size_t k = 0; k < v.size(); ++k) {
    double sum = -2.0 * static_cast<double>(shape.size()) * v[k];
    for (std::size_t d = 0; d < shape.size(); ++d) {
      bool missing = false;
      sum += neighbour(v, shape, at, d, -1, b, missing);
      sum += neighbour(v, shape, at, d, +1, b, missing);
    }
    out[k] = sum;
    for (std::size_t d = shape.size(); d-- > 0;) {
      if (++at[d] < shape[d]) break;
      at[d] = 0;
    }
  }
  return out;
}

const Boundary boundaries[] = {Boundary::none(), Boundary::periodic(), Boundary::reflect(),
                               Boundary::constant(2.5)};

}  // namespace

TEST_CASE("map_overlap computes a 5-point Laplacian as plain loops do, for every boundary") {
  struct Case {
    Shape shape;
    Chunks chunks;
  };
  const std::vector<Case> cases = {
      {{17}, {{5, 1, 6, 5}}},
      {{1}, {{1}}},
      {{9, 11}, {{3, 3, 3}, {4, 1, 6}}},
      {{8, 7}, {{8}, {2, 5}}},
      {{5, 6, 4}, {{2, 3}, {1, 2, 3}, {4}}},
  };
  for (const char* scheduler : {"sync", "threads"}) {
    tessera::Client client(tessera::ClientOptions{scheduler});
    for (const auto& c : cases) {
      std::int64_t n = 1;
      for (std::int64_t d : c.shape) n *= d;
      const auto v = values_of(n);
      auto x = tessera::from_vector(v, c.shape, ChunkSpec(c.chunks));
      for (const Boundary& b : boundaries) {
        INFO(scheduler << " shape " << tessera::to_string(c.shape) << " chunks "
                       << tessera::to_string(c.chunks) << " boundary " << static_cast<int>(b.kind));
        auto y = tessera::map_overlap(laplace, x, {1}, b);
        CHECK(y.chunks() == x.chunks());
        const auto expected = reference_laplace(v, c.shape, b);
        const auto got = y.compute().to_vector();
        REQUIRE(got.size() == expected.size());
        for (std::size_t k = 0; k < got.size(); ++k) CHECK(got[k] == expected[k]);
        CHECK(y.sum().compute().item() ==
              Approx(std::accumulate(expected.begin(), expected.end(), 0.0)));
      }
    }
  }
}

TEST_CASE("map_overlap takes a depth and a boundary per axis") {
  tessera::Client client(tessera::ClientOptions{"threads"});
  const Shape shape{12, 9};
  const auto v = values_of(108);
  auto x = tessera::from_vector(v, shape, ChunkSpec(Chunks{{2, 4, 3, 3}, {3, 1, 5}}));
  for (const Boundary& rows : boundaries) {
    for (const Boundary& cols : boundaries) {
      auto y = tessera::map_overlap(far_cross, x, {2, 1}, {rows, cols}).compute();
      for (std::int64_t i = 0; i < 12; ++i) {
        for (std::int64_t j = 0; j < 9; ++j) {
          bool missing = false;
          const Shape at{i, j};
          const double expected = neighbour(v, shape, at, 0, -2, rows, missing) +
                                  10 * neighbour(v, shape, at, 0, 2, rows, missing) +
                                  100 * neighbour(v, shape, at, 1, -1, cols, missing) +
                                  1000 * neighbour(v, shape, at, 1, 1, cols, missing);
          CHECK(y(i, j) == expected);
        }
      }
    }
  }
}

TEST_CASE("map_overlap trims a result that keeps the halo") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  const auto v = values_of(30);
  auto x = tessera::from_vector(v, {5, 6}, ChunkSpec{2, 4});
  for (const Boundary& b : boundaries) {
    auto y = tessera::map_overlap(doubled_padded, x, {1, 2}, b).compute().to_vector();
    for (std::size_t k = 0; k < v.size(); ++k) CHECK(y[k] == 2 * v[k]);
  }
}

TEST_CASE("map_overlap refuses a depth larger than the smallest block") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  auto x = tessera::from_vector(values_of(30), {5, 6}, ChunkSpec(Chunks{{2, 3}, {4, 1, 1}}));
  CHECK_THROWS_WITH(tessera::map_overlap(laplace, x, {1, 2}),
                    Catch::Contains("map_overlap: depth 2 along axis 1 is larger than the "
                                    "smallest block along it (1") &&
                        Catch::Contains("rechunk"));
  CHECK_THROWS_WITH(tessera::map_overlap(laplace, x, {1, 1, 1}),
                    Catch::Contains("depth (1, 1, 1) has 3 values"));
  CHECK_THROWS_WITH(tessera::map_overlap(laplace, x, {-1}), Catch::Contains("negative"));
}
