// Structure operations on MPI workers (slicing, blocks, masks, rechunk, reshape, joins) give
// the values of plain loops; and a rechunk of an array larger than all workers' memory limits
// together completes, through spilling, with exact values.

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <numeric>
#include <thread>
#include <vector>

#include "support.hpp"
#include "tessera/array.hpp"

namespace {
tessera::Array<std::int64_t> iota(const tessera::Shape& shape, tessera::ChunkSpec chunks) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  std::vector<std::int64_t> values(static_cast<std::size_t>(n));
  std::iota(values.begin(), values.end(), std::int64_t(0));
  return tessera::from_vector(values, shape, chunks);
}
}  // namespace

TEST_CASE("mpi: slicing, blocks, masks, reshape, rechunk and joins match plain loops") {
  using tessera::slice;
  const auto x = iota({30, 20}, {7, 6});
  // x[3:29:4, ::-3]
  const auto s = x(slice(3, 29, 4), slice({}, {}, -3)).compute();
  REQUIRE(s.shape() == tessera::Shape{7, 7});
  for (std::int64_t i = 0; i < 7; ++i) {
    for (std::int64_t j = 0; j < 7; ++j) CHECK(s(i, j) == (3 + 4 * i) * 20 + 19 - 3 * j);
  }
  CHECK(x(-1, tessera::newaxis, 4).compute().to_vector() == std::vector<std::int64_t>{584});
  CHECK(x.blocks(1, -1).compute().to_vector() ==
        x(slice(7, 14), slice(18, 20)).compute().to_vector());

  // a[a % 3 == 0] with unknown sizes, then known.
  const auto masked = x[(x % std::int64_t(3)) == std::int64_t(0)];
  CHECK(masked.chunks()[0][0] == -1);
  std::vector<std::int64_t> expected;
  for (std::int64_t i = 0; i < 600; i += 3) expected.push_back(i);
  CHECK(masked.compute().to_vector() == expected);
  CHECK(masked.sum().compute().item() == std::accumulate(expected.begin(), expected.end(), 0L));
  const auto known = masked.compute_chunk_sizes();
  CHECK(known.shape() == tessera::Shape{200});
  CHECK(known(slice(190, 200)).compute().to_vector() ==
        std::vector<std::int64_t>(expected.end() - 10, expected.end()));

  // Row blocks to column blocks, and a reshape that needs a rechunk first.
  const auto columns = x.rechunk({30, 3});
  CHECK(columns.compute().to_vector() == x.compute().to_vector());
  const auto flat = x.reshape({4, -1});
  CHECK(flat.shape() == tessera::Shape{4, 150});
  CHECK(flat.compute().to_vector() == x.compute().to_vector());

  // Joins, and elementwise operations between arrays split differently.
  const auto joined = tessera::concatenate<std::int64_t>({x, columns * std::int64_t(-1)}, 1);
  const auto j = joined.compute();
  CHECK(j(29, 19) == 599);
  CHECK(j(29, 39) == -599);
  const auto stacked = tessera::stack<std::int64_t>({x, columns}, 2).compute();
  CHECK(stacked(5, 6, 1) == 106);
  CHECK((x - columns).max().compute().item() == 0);
  CHECK((x + columns).sum().compute().item() == 599 * 600);
}

TEST_CASE("mpi: indexed expressions and stencils read their blocks in place on the workers") {
  using tessera::slice;
  const auto x = iota({30, 20}, {7, 6});
  // (x * 2 + 1)[3:29:4, ::-3], its sum, and an integer with a new axis.
  const auto s = (x * std::int64_t(2) + std::int64_t(1))(slice(3, 29, 4), slice({}, {}, -3));
  const auto got = s.compute();
  std::int64_t total = 0;
  for (std::int64_t i = 0; i < 7; ++i) {
    for (std::int64_t j = 0; j < 7; ++j) {
      const std::int64_t expected = 2 * ((3 + 4 * i) * 20 + 19 - 3 * j) + 1;
      CHECK(got(i, j) == expected);
      total += expected;
    }
  }
  CHECK(s.sum().compute().item() == total);
  CHECK((x.T() - std::int64_t(1))(tessera::newaxis, 4, slice(27, 30)).compute().to_vector() ==
        std::vector<std::int64_t>{27 * 20 + 3, 28 * 20 + 3, 29 * 20 + 3});
  // A stencil (loads of blocks with a halo), whole and indexed.
  const auto y = x.astype<double>();
  const auto diff =
      tessera::map_overlap([](const tessera::Neighbours<double>& n) { return n(0, 1) - n(0, -1); },
                           y, {0, 1}, tessera::Boundary::constant(0.0));
  const auto whole = diff.compute();
  CHECK(whole(3, 4) == 2.0);
  CHECK(whole(3, 0) == 3 * 20 + 1);  // the constant 0 before the edge
  CHECK(whole(3, 19) == -(3 * 20 + 18));
  const auto part = diff(slice(1, 30, 7), slice(19, {}, -6)).compute();
  for (std::int64_t i = 0; i < part.shape()[0]; ++i) {
    for (std::int64_t j = 0; j < part.shape()[1]; ++j) {
      CHECK(part(i, j) == whole(1 + 7 * i, 19 - 6 * j));
    }
  }
}

TEST_CASE("mpi: a rechunk of an array larger than the workers' memory limits together completes",
          "[.rechunk-memory]") {
  const char* limit = std::getenv("TESSERA_WORKER_MEMORY_LIMIT");
  REQUIRE(limit != nullptr);  // this case runs with a small limit
  // 24 MiB of doubles in row blocks of 2 MiB, held on the workers (2 x 4 MiB at 3 ranks).
  const tessera::Shape shape{1536, 2048};
  const auto x = tessera::random::uniform<double>(shape, {128, 2048}, 11).persist();
  const auto y = x.rechunk({1536, 128}).persist();
  CHECK(y.chunks()[1].size() == 16);
  // The same seed gives the same values in any chunks: compared on the workers, element by
  // element, with values generated in column blocks.
  const auto reference = tessera::random::uniform<double>(shape, {1536, 128}, 11);
  CHECK(tessera::abs(y - reference).max().compute().item() == 0.0);
  CHECK(y.sum().compute().item() == Approx(x.sum().compute().item()).epsilon(1e-12));
  const auto corner = y(tessera::slice(1530, 1536), tessera::slice(2040, 2048)).compute();
  const auto expected = reference(tessera::slice(1530, 1536), tessera::slice(2040, 2048)).compute();
  CHECK(corner.to_vector() == expected.to_vector());

  bool spilled = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!spilled && std::chrono::steady_clock::now() < deadline) {
    for (const auto& event : tessera::get_events("memory")) {
      spilled = spilled || event.message.find("spilled") != std::string::npos;
    }
    if (!spilled) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(spilled);
}
