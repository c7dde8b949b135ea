#include <catch2/catch.hpp>
#include <numeric>
#include <vector>

#include "tessera/tessera.hpp"

namespace {
int inc(int x) { return x + 1; }
TESSERA_TASK(inc);
int add(int a, int b) { return a + b; }
TESSERA_TASK(add);
}  // namespace

TEST_CASE("mpi: a tree reduction over workers") {
  auto client = tessera::get_client();
  REQUIRE(std::string(client.scheduler()) == "mpi");
  std::vector<tessera::Delayed<int>> level;
  for (int i = 0; i < 1000; ++i) level.push_back(tessera::delayed(inc)(i));
  while (level.size() > 1) {
    std::vector<tessera::Delayed<int>> next;
    for (std::size_t i = 0; i + 1 < level.size(); i += 2)
      next.push_back(tessera::delayed(add)(level[i], level[i + 1]));
    if (level.size() % 2) next.push_back(level.back());
    level = next;
  }
  CHECK(level[0].compute() == 1000 * 1001 / 2);
}
