// Catch2 under mpirun: rank 0 runs the test cases as the client of the cluster that the
// other ranks form (they never return from the Runtime's constructor).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "tessera/runtime.hpp"

int main(int argc, char** argv) {
  tessera::Runtime runtime(argc, argv);
  return Catch::Session().run(argc, argv);
}
