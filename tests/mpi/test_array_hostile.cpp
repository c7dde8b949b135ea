// Hostile uses of arrays on MPI workers: what a task reads from a message must be what the
// client compiled (a stencil's halos were lost on the way), random integers at the ends of
// int64 are the same on every rank count, and errors in user functions reach the client.

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "support.hpp"
#include "tessera/array.hpp"

namespace {

tessera::HostArray<double> mpi_hostile_throws(const tessera::BlockView<double>&) {
  throw std::runtime_error("hostile block function");
}

}  // namespace

TESSERA_TASK(mpi_hostile_throws);

TEST_CASE("mpi: stencils of neighbours, exact int64 random integers and failing functions") {
  const std::int64_t n = 23, m = 17;
  auto a = tessera::random::normal<double>({n, m}, {5, 4}, 8);
  const auto x = a.compute();
  auto laplacian = tessera::map_overlap(
      [](const tessera::Neighbours<double>& v) {
        return v(-1, 0) + v(1, 0) + v(0, -1) + v(0, 1) - 4.0 * v(0, 0);
      },
      a, {1, 1}, tessera::Boundary::periodic());
  const auto got = laplacian.compute();
  auto at = [&](std::int64_t i, std::int64_t j) { return x((i + n) % n, (j + m) % m); };
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < m; ++j) {
      const double e = at(i - 1, j) + at(i + 1, j) + at(i, j - 1) + at(i, j + 1) - 4 * at(i, j);
      REQUIRE(got(i, j) == Approx(e).margin(1e-12));
    }
  }

  constexpr auto lo = std::numeric_limits<std::int64_t>::min();
  constexpr auto hi = std::numeric_limits<std::int64_t>::max();
  const auto wide = tessera::random::integers<std::int64_t>(lo, hi, {1000}, {7}, 3).compute();
  const auto one = tessera::random::integers<std::int64_t>(lo, hi, {1000}, {1000}, 3).compute();
  CHECK(wide.to_vector() == one.to_vector());
  std::int64_t negative = 0;
  for (std::int64_t v : wide.values()) negative += v < 0;
  CHECK(negative > 400);
  CHECK(negative < 600);

  auto failing = tessera::map_blocks(mpi_hostile_throws, a);
  CHECK_THROWS_WITH(failing.compute(), Catch::Contains("hostile block function"));
}
