// to_hdf5 under mpirun: every worker writes the blocks of its tasks into one file; the file
// reads back with the right values, chunked, contiguous and compressed.

#ifdef TESSERA_WITH_HDF5

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "tessera/array.hpp"
#include "tessera/io/hdf5.hpp"
#include "tessera/key.hpp"

TEST_CASE("mpi: workers write the blocks of one HDF5 file that reads back whole", "[io][hdf5]") {
  const auto dir = std::filesystem::temp_directory_path() /
                   tessera::unique_key("tessera-mpi-h5-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string file = (dir / "parallel.h5").string();
  std::vector<double> values(120 * 50);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i) * 0.5;
  const auto x = tessera::from_vector(values, {120, 50}, {10, 25});
  const auto y = x * 2.0 + 1.0;  // blocks computed on the workers, written where they are
  tessera::io::Hdf5WriteOptions contiguous;
  contiguous.contiguous = true;
  tessera::io::Hdf5WriteOptions deflate;
  deflate.deflate = 3;
  tessera::io::to_hdf5(y, file, "/chunked");
  tessera::io::to_hdf5(y, file, "/contiguous", contiguous);
  tessera::io::to_hdf5(y, file, "/deflate", deflate);
  for (const char* name : {"/chunked", "/contiguous", "/deflate"}) {
    INFO(name);
    const auto back = tessera::io::from_hdf5<double>(file, name).compute();
    REQUIRE(back.shape() == tessera::Shape{120, 50});
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < values.size(); ++i) wrong += back.values()[i] != values[i] * 2 + 1;
    CHECK(wrong == 0);
  }
  const auto total = (tessera::io::from_hdf5<double>(file, "/chunked") - y).sum().compute();
  CHECK(total.values()[0] == 0.0);
  std::filesystem::remove_all(dir);
}

#endif
