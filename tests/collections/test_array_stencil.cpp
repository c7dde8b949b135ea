// Stencils written as array arithmetic on the neighbours (map_overlap's second form): the same
// values as plain loops for every boundary, fused with a following sum, on every scheduler.

#include <catch2/catch.hpp>
#include <cmath>
#include <tessera/array.hpp>
#include <vector>

namespace {

// x at (i, j) beyond the edges, as the boundary says.
double at(const std::vector<double>& x, std::int64_t rows, std::int64_t cols, std::int64_t i,
          std::int64_t j, tessera::Boundary::Kind kind, double value) {
  auto wrap = [&](std::int64_t k, std::int64_t n) -> std::int64_t {
    if (k >= 0 && k < n) return k;
    switch (kind) {
      case tessera::Boundary::Kind::periodic:
        return (k % n + n) % n;
      case tessera::Boundary::Kind::reflect:
        return k < 0 ? -k - 1 : 2 * n - k - 1;
      default:
        return -1;
    }
  };
  const std::int64_t r = wrap(i, rows), c = wrap(j, cols);
  if (r < 0 || c < 0) return value;
  return x[static_cast<std::size_t>(r * cols + c)];
}

}  // namespace

TEST_CASE("a 5-point Laplacian of neighbours matches plain loops for every boundary") {
  const char* scheduler = GENERATE("sync", "threads");
  tessera::Client client(tessera::ClientOptions{scheduler});
  const std::int64_t rows = 23, cols = 17;
  auto a = tessera::random::normal<double>({rows, cols}, {5, 4}, 8);
  const auto x = a.compute().to_vector();
  for (const auto& boundary : {tessera::Boundary::periodic(), tessera::Boundary::reflect(),
                               tessera::Boundary::constant(2.5)}) {
    INFO("boundary " << static_cast<int>(boundary.kind) << " on " << scheduler);
    auto laplacian = tessera::map_overlap(
        [](const tessera::Neighbours<double>& n) {
          return n(-1, 0) + n(1, 0) + n(0, -1) + n(0, 1) - 4.0 * n(0, 0);
        },
        a, {1, 1}, boundary);
    const auto got = laplacian.compute();
    double total = 0;
    for (std::int64_t i = 0; i < rows; ++i) {
      for (std::int64_t j = 0; j < cols; ++j) {
        auto v = [&](std::int64_t di, std::int64_t dj) {
          return at(x, rows, cols, i + di, j + dj, boundary.kind, boundary.value);
        };
        const double expected = v(-1, 0) + v(1, 0) + v(0, -1) + v(0, 1) - 4.0 * v(0, 0);
        REQUIRE(got(i, j) == Approx(expected).margin(1e-12));
        total += expected;
      }
    }
    CHECK(laplacian.sum().compute().item() == Approx(total).margin(1e-9));
  }
}

TEST_CASE("neighbours at depth 2 along one axis of a 3-d array, with broadcasting") {
  tessera::Client client(tessera::ClientOptions{"threads"});
  const std::int64_t n0 = 6, n1 = 9, n2 = 4;
  auto a = tessera::random::uniform<double>({n0, n1, n2}, {2, 3, 4}, 1);
  const auto x = a.compute();
  auto smooth = tessera::map_overlap(
      [](const tessera::Neighbours<double>& n) {
        return (n(0, -2, 0) + n(0, 2, 0)) * tessera::full<double>({n2}, 0.5);
      },
      a, {0, 2, 0}, tessera::Boundary::periodic());
  const auto got = smooth.compute();
  for (std::int64_t i = 0; i < n0; ++i) {
    for (std::int64_t j = 0; j < n1; ++j) {
      for (std::int64_t k = 0; k < n2; ++k) {
        const double expected = (x(i, (j - 2 + n1) % n1, k) + x(i, (j + 2) % n1, k)) * 0.5;
        REQUIRE(got(i, j, k) == Approx(expected));
      }
    }
  }
}

TEST_CASE("a stencil of neighbours refuses offsets beyond the depth and the boundary none") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  auto a = tessera::ones<double>({8, 8}, {4, 4});
  auto far = [](const tessera::Neighbours<double>& n) { return n(2, 0); };
  CHECK_THROWS_WITH(tessera::map_overlap(far, a, {1, 1}, tessera::Boundary::periodic()),
                    Catch::Contains("beyond the depth 1"));
  auto near = [](const tessera::Neighbours<double>& n) { return n(1, 0); };
  CHECK_THROWS_WITH(tessera::map_overlap(near, a, {1, 1}, tessera::Boundary::none()),
                    Catch::Contains("not none"));
  CHECK_THROWS_WITH(tessera::map_overlap(near, a, {5, 5}, tessera::Boundary::periodic()),
                    Catch::Contains("rechunk"));
}

TEST_CASE("reductions of a stencil, made a few rows of its blocks at a time, match its values") {
  // Blocks of 130 rows of 402 doubles with their halo: the reduction tasks assemble them in
  // windows of about 80 rows, so windows start inside blocks, reach across the halo rows and
  // end short at ragged blocks; the transpose reads whole blocks instead.
  const char* scheduler = GENERATE("sync", "threads");
  tessera::Client client(tessera::ClientOptions{scheduler});
  const std::int64_t rows = 300, cols = 700;
  auto a = tessera::random::normal<double>({rows, cols}, {130, 400}, 21);
  for (const auto& boundary : {tessera::Boundary::periodic(), tessera::Boundary::reflect(),
                               tessera::Boundary::constant(-1.5)}) {
    INFO("boundary " << static_cast<int>(boundary.kind) << " on " << scheduler);
    auto stencil = tessera::map_overlap(
        [](const tessera::Neighbours<double>& n) {
          return n(-2, 0) + 2.0 * n(2, 0) + n(0, -1) - n(0, 1) + n(-1, 1) * n(0, 0);
        },
        a, {2, 1}, boundary);
    const auto values = stencil.compute();  // whole blocks with their halo
    double total = 0, largest = -INFINITY;
    std::int64_t where = -1;
    std::vector<double> by_column(static_cast<std::size_t>(cols), 0.0);
    std::vector<double> by_row(static_cast<std::size_t>(rows), 0.0);
    for (std::int64_t i = 0; i < rows; ++i) {
      for (std::int64_t j = 0; j < cols; ++j) {
        const double v = values(i, j);
        total += v;
        by_column[static_cast<std::size_t>(j)] += v;
        by_row[static_cast<std::size_t>(i)] += v;
        if (v > largest) {
          largest = v;
          where = i * cols + j;
        }
      }
    }
    CHECK(stencil.sum().compute().item() == Approx(total).epsilon(1e-12).margin(1e-9));
    CHECK(stencil.max().compute().item() == largest);
    CHECK(stencil.argmax().compute().item() == where);
    const auto columns = stencil.sum(0).compute();
    const auto row_sums = stencil.sum(1).compute();
    const auto transposed = stencil.T().sum(0).compute();
    for (std::int64_t j = 0; j < cols; ++j) {
      REQUIRE(columns(j) == Approx(by_column[static_cast<std::size_t>(j)]).margin(1e-9));
    }
    for (std::int64_t i = 0; i < rows; ++i) {
      REQUIRE(row_sums(i) == Approx(by_row[static_cast<std::size_t>(i)]).margin(1e-9));
      REQUIRE(transposed(i) == Approx(by_row[static_cast<std::size_t>(i)]).margin(1e-9));
    }
  }
}
