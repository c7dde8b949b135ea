// Arrays on MPI workers: blocks made, combined and reduced on the workers give the same
// results as on one process.

#include <catch2/catch.hpp>
#include <vector>

#include "support.hpp"
#include "tessera/array.hpp"

namespace {
std::vector<double> ramp_block(const tessera::BlockInfo& info) {
  std::vector<double> values;
  for (std::int64_t i = 0; i < info.shape[0]; ++i) {
    for (std::int64_t j = 0; j < info.shape[1]; ++j) {
      values.push_back(static_cast<double>((info.start[0] + i) * 100 + info.start[1] + j));
    }
  }
  return values;
}
}  // namespace
TESSERA_TASK(ramp_block);

TEST_CASE("mpi: array reductions and elementwise expressions match a local computation") {
  auto x = tessera::from_function<double>(ramp_block, {60, 80}, tessera::ChunkSpec{7, 9});
  const auto local = x.compute();
  double total = 0;
  for (double v : local.values()) total += v;
  CHECK(x.sum().compute().item() == Approx(total));
  auto y = (x * 2.0 - 1.0).mean(0).compute();
  for (std::int64_t j = 0; j < 80; ++j) {
    double column = 0;
    for (std::int64_t i = 0; i < 60; ++i) column += local(i, j) * 2.0 - 1.0;
    CHECK(y(j) == Approx(column / 60));
  }
  auto r = tessera::random::normal<double>({500, 300}, {64, 64}, 7);
  auto s = tessera::random::normal<double>({500, 300}, {500, 300}, 7);
  CHECK(r.std().compute().item() == Approx(s.std().compute().item()).epsilon(1e-12));
  CHECK(r.argmax(1).compute().to_vector() == s.argmax(1).compute().to_vector());
  auto p = r.persist();
  CHECK((p + p.T().T()).sum().compute().item() == Approx(2 * s.sum().compute().item()));
}

TEST_CASE("mpi: a stencil of neighbours and its sum match a local computation") {
  auto x = tessera::random::normal<double>({60, 50}, {16, 12}, 21);
  const auto local = x.compute();
  auto laplacian = tessera::map_overlap(
      [](const tessera::Neighbours<double>& n) {
        return n(-1, 0) + n(1, 0) + n(0, -1) + n(0, 1) - 4.0 * n(0, 0);
      },
      x, {1, 1}, tessera::Boundary::reflect());
  const auto got = laplacian.compute();
  auto at = [&](std::int64_t i, std::int64_t j) {
    i = i < 0 ? -i - 1 : i >= 60 ? 119 - i : i;  // reflect: the edge element repeated
    j = j < 0 ? -j - 1 : j >= 50 ? 99 - j : j;
    return local(i, j);
  };
  double total = 0;
  for (std::int64_t i = 0; i < 60; ++i) {
    for (std::int64_t j = 0; j < 50; ++j) {
      const double expected =
          at(i - 1, j) + at(i + 1, j) + at(i, j - 1) + at(i, j + 1) - 4.0 * at(i, j);
      REQUIRE(got(i, j) == Approx(expected).margin(1e-12));
      total += expected;
    }
  }
  CHECK(laplacian.sum().compute().item() == Approx(total).margin(1e-9));
  // Reductions read each block with its halo from the block and its pieces, sent to the
  // worker that reduces it; the sums along rows say every row was placed right.
  const auto rows = laplacian.sum(1).compute();
  for (std::int64_t i = 0; i < 60; ++i) {
    double expected = 0;
    for (std::int64_t j = 0; j < 50; ++j) expected += got(i, j);
    REQUIRE(rows(i) == Approx(expected).margin(1e-9));
  }
}
