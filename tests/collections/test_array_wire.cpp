// What array tasks receive on MPI workers: their specs read back exactly as written.

#include <catch2/catch.hpp>
#include <tessera/array.hpp>
#include <tessera/serialize.hpp>

#include "array/program.hpp"

TEST_CASE("a compiled program reads back with every field, halos included") {
  auto x = tessera::random::normal<double>({20, 30}, {7, 8}, 3);
  auto stencil = tessera::map_overlap(
      [](const tessera::Neighbours<double>& n) { return n(-1, 0) + n(0, 1) * 2.0; }, x, {1, 1},
      tessera::Boundary::periodic());
  auto y =
      tessera::where(stencil > 0.5, stencil, tessera::arange<double>(30, tessera::ChunkSpec{8}));
  const auto compiled = tessera::detail::array::compile(*y.handle());
  const auto& p = compiled.program;
  REQUIRE(!p.halos.empty());
  const auto q = tessera::deserialize<tessera::detail::array::Program>(tessera::serialize(p));
  CHECK(q.dtype == p.dtype);
  CHECK(q.grid.chunks() == p.grid.chunks());
  REQUIRE(q.code.size() == p.code.size());
  for (std::size_t i = 0; i < p.code.size(); ++i) {
    CHECK(q.code[i].op == p.code[i].op);
    CHECK(q.code[i].halo == p.code[i].halo);
    CHECK(q.code[i].map == p.code[i].map);
    CHECK(q.code[i].leaf == p.code[i].leaf);
  }
  CHECK(q.axis_maps == p.axis_maps);
  CHECK(q.halos == p.halos);
  CHECK(q.generator_shapes == p.generator_shapes);
  CHECK(q.generators.size() == p.generators.size());
  CHECK(q.constants.size() == p.constants.size());
  CHECK(q.inputs == p.inputs);
}
