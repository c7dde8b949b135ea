// Run by ctest with ranks 1-2 plain workers and rank 3 offering GPU=1 (an MPMD launch, see
// tests/CMakeLists.txt): hidden from the other runs by the [.gpu] tag.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>
#include <vector>

#include "tessera/tessera.hpp"

namespace {

int gpu_rank_of_worker(int) { return tessera::this_rank(); }
TESSERA_TASK(gpu_rank_of_worker);

}  // namespace

TEST_CASE("mpi: tasks asking for a GPU run only on the worker that offers one", "[.gpu]") {
  auto client = tessera::get_client();
  std::vector<tessera::Future<int>> ranks;
  for (int i = 0; i < 20; ++i) {
    ranks.push_back(
        client.submit(tessera::TaskOptions{.resources = {{"GPU", 1}}}, gpu_rank_of_worker, i));
  }
  for (int rank : client.gather(ranks)) CHECK(rank == 3);

  // Plain tasks still spread over every worker.
  auto any = client.submit(gpu_rank_of_worker, 0);
  CHECK(any.result() >= 1);

  // More than any worker offers: a clear error naming the resource.
  auto too_much =
      client.submit(tessera::TaskOptions{.resources = {{"GPU", 2}}}, gpu_rank_of_worker, 0);
  CHECK_THROWS_WITH(too_much.result(),
                    Catch::Contains("GPU=2") && Catch::Contains("rank 3 {GPU=1"));
}
