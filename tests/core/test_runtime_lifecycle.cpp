// The life of a local Runtime (no launcher): one at a time per process, and a new one once
// the last has ended. The same under mpirun is tested by tests/mpi/lifecycle.cpp.

#include <catch2/catch.hpp>

#include "tessera/errors.hpp"
#include "tessera/runtime.hpp"

TEST_CASE("a second Runtime while one is alive is an error that says to keep one") {
  tessera::Runtime runtime;
  CHECK_THROWS_AS(tessera::Runtime(), tessera::Error);
  CHECK_THROWS_WITH(tessera::Runtime(), Catch::Contains("one Runtime per process"));
  // The first one is unharmed.
  CHECK(runtime.client().submit([](int v) { return v + 1; }, 1).result() == 2);
}

TEST_CASE("without MPI, a new Runtime may start after the last one ended") {
  { tessera::Runtime first; }
  tessera::Runtime second;
  CHECK_FALSE(second.distributed());
  CHECK(second.client().submit([](int v) { return v * 3; }, 5).result() == 15);
}
