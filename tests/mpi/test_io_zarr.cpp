// to_zarr and from_zarr under mpirun: every worker writes the chunks and shards of its tasks
// into one store; blocks smaller than a shard lose nothing (zarr-python does, zarr#3682).

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tessera/array.hpp"
#include "tessera/io/zarr.hpp"
#include "tessera/key.hpp"

TEST_CASE("mpi: workers write the shards of one Zarr store that reads back whole", "[io][zarr]") {
  const auto dir = std::filesystem::temp_directory_path() /
                   tessera::unique_key("tessera-mpi-zarr-" + std::to_string(getpid()));
  const std::string store = (dir / "parallel.zarr").string();
  std::vector<std::int64_t> values(96 * 40);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<std::int64_t>(i) * 3 - 7;
  // 6x5 blocks computed on the workers, inside 16x20 shards of 4x5 chunks.
  const auto x = tessera::from_vector(values, {96, 40}, {6, 5}) + std::int64_t{1};
  tessera::io::ZarrWriteOptions sharded;
  sharded.layout.chunks = {16, 20};
  sharded.layout.inner_chunks = {4, 5};
  tessera::io::ZarrWriteOptions v2;
  v2.layout.zarr_format = 2;
  tessera::io::to_zarr(x, store, "sharded", sharded);
  tessera::io::to_zarr(x, store, "v2", v2);
  for (const char* name : {"sharded", "v2"}) {
    INFO(name);
    const auto back = tessera::io::from_zarr<std::int64_t>(store, name, {7, 40}).compute();
    REQUIRE(back.shape() == tessera::Shape{96, 40});
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < values.size(); ++i) wrong += back.values()[i] != values[i] + 1;
    CHECK(wrong == 0);
  }
  const auto difference = (tessera::io::from_zarr<std::int64_t>(store, "sharded") - x).sum();
  CHECK(difference.compute().item() == 0);
  std::filesystem::remove_all(dir);
}
