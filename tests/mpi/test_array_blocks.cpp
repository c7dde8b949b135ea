// Block programming on MPI workers: user functions found by name on every rank, halos cut
// where the neighbouring blocks are, user reductions and scans give the results of loops.

#include <catch2/catch.hpp>
#include <numeric>
#include <vector>

#include "support.hpp"
#include "tessera/array.hpp"

namespace {

tessera::HostArray<double> mpi_laplace(const tessera::BlockView<double>& x,
                                       const tessera::BlockInfo& info) {
  tessera::HostArray<double> out(info.shape);
  for (std::int64_t i = 0; i < info.shape[0]; ++i) {
    for (std::int64_t j = 0; j < info.shape[1]; ++j) {
      out(i, j) = x(i - 1, j) + x(i + 1, j) + x(i, j - 1) + x(i, j + 1) - 4 * x(i, j);
    }
  }
  return out;
}

tessera::HostArray<std::int64_t> mpi_row_index(const tessera::BlockView<double>& x,
                                               const tessera::BlockInfo& info) {
  tessera::HostArray<std::int64_t> out(x.shape());
  for (std::int64_t i = 0; i < x.shape()[0]; ++i) {
    for (std::int64_t j = 0; j < x.shape()[1]; ++j) out(i, j) = info.start[0] + i;
  }
  return out;
}

tessera::HostArray<double> mpi_sum_rows(const tessera::BlockView<double>& x,
                                        const std::vector<int>&) {
  tessera::HostArray<double> out(tessera::Shape{1, x.shape()[1]});
  for (std::int64_t j = 0; j < x.shape()[1]; ++j) {
    out(0, j) = 0;
    for (std::int64_t i = 0; i < x.shape()[0]; ++i) out(0, j) += x(i, j);
  }
  return out;
}

}  // namespace

TESSERA_TASK(mpi_laplace);
TESSERA_TASK(mpi_row_index);
TESSERA_TASK(mpi_sum_rows);

TEST_CASE("mpi: block functions, halos, user reductions and scans match plain loops") {
  const std::int64_t n = 40, m = 30;
  std::vector<double> v(static_cast<std::size_t>(n * m));
  for (std::size_t k = 0; k < v.size(); ++k) v[k] = static_cast<double>((k * 11) % 19) - 9;
  auto x = tessera::from_vector(v, {n, m}, tessera::ChunkSpec{7, 8}).persist();
  auto at = [&](std::int64_t i, std::int64_t j) {
    return v[static_cast<std::size_t>(((i + n) % n) * m + (j + m) % m)];
  };

  auto lap = tessera::map_overlap(mpi_laplace, x, {1}, tessera::Boundary::periodic());
  const auto got = lap.compute();
  double total = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < m; ++j) {
      const double e = at(i - 1, j) + at(i + 1, j) + at(i, j - 1) + at(i, j + 1) - 4 * at(i, j);
      CHECK(got(i, j) == e);
      total += e * e;
    }
  }
  CHECK((lap * lap).sum().compute().item() == Approx(total));

  auto rows = tessera::map_blocks(mpi_row_index, x).compute();
  CHECK(rows(33, 5) == 33);

  auto sums =
      tessera::reduction(x, mpi_sum_rows, mpi_sum_rows, 0, tessera::ReduceOptions{.split_every = 2})
          .compute();
  auto cums = x.cumsum(0).compute();
  for (std::int64_t j = 0; j < m; ++j) {
    double column = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      column += at(i, j);
      CHECK(cums(i, j) == column);
    }
    CHECK(sums(j) == column);
  }
}
