// Bad input for HDF5: missing files and datasets, a type mismatch, a location that cannot be
// written and a full disk, each an IoError naming the file, the dataset and the problem; a
// failed write leaves no dataset under the final name.

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "array_support.hpp"
#include "tessera/array.hpp"
#include "tessera/io/hdf5.hpp"

using Catch::Matchers::Contains;
using tessera::io::from_hdf5;
using tessera::io::to_hdf5;
using tessera_test::sample_values;
using tessera_test::ScratchDirectory;

TEST_CASE("reading a missing file, dataset or another element type is an IoError naming them",
          "[io][hdf5]") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  ScratchDirectory dir;
  const std::string file = dir.file("in.h5");
  CHECK_THROWS_AS(from_hdf5<double>(file, "x"), tessera::IoError);
  CHECK_THROWS_WITH(from_hdf5<double>(file, "x"), Contains("in.h5: no such file"));
  to_hdf5(tessera::from_vector(sample_values<float>(6), {6}, {3}), file, "/g/x");
  CHECK_THROWS_WITH(from_hdf5<float>(file, "/g/y"), Contains("in.h5: /g/y: no such dataset"));
  CHECK_THROWS_WITH(from_hdf5<float>(file, "/h/x"),
                    Contains("in.h5: /h/x: no such dataset (/h does not exist)"));
  CHECK_THROWS_WITH(from_hdf5<float>(file, "/g"), Contains("in.h5: /g: not a dataset"));
  CHECK_THROWS_AS(from_hdf5<double>(file, "/g/x"), tessera::IoError);
  CHECK_THROWS_WITH(from_hdf5<double>(file, "/g/x"),
                    Contains("in.h5: /g/x: holds float32 elements, not float64"));
  std::ofstream(dir.file("text.h5")) << "not hdf5\n";
  CHECK_THROWS_WITH(from_hdf5<float>(dir.file("text.h5"), "x"),
                    Contains("text.h5: not an HDF5 file"));
}

TEST_CASE("writing where no file can be created is an IoError naming the file", "[io][hdf5]") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  const auto x = tessera::from_vector(sample_values<double>(8), {8}, {4});
  // /proc refuses new files even to root (chmod does not stop root).
  CHECK_THROWS_AS(to_hdf5(x, "/proc/tessera-test.h5", "x"), tessera::IoError);
  CHECK_THROWS_WITH(to_hdf5(x, "/proc/tessera-test.h5", "x"),
                    Contains("hdf5: /proc/tessera-test.h5: cannot create the file"));
  CHECK_THROWS_WITH(to_hdf5(x, "/nonexistent-dir/a.h5", "x"),
                    Contains("/nonexistent-dir/a.h5: cannot create the file"));
}

TEST_CASE("a full disk fails the write with an IoError and leaves no complete-looking dataset",
          "[io][hdf5]") {
  ScratchDirectory dir;
  tessera_io_test::SmallFileSystem small(dir.path() / "small", "1m");
  if (!small.mounted()) {
    WARN("not root or tmpfs cannot be mounted: the full disk is not tested");
    return;
  }
  const std::string mount_point = small.path().string();
  tessera::Client client(tessera::ClientOptions{"threads", 2});
  const std::string file = mount_point + "/full.h5";
  const auto x = tessera::from_vector(sample_values<double>(400 * 1000), {400, 1000}, {100, 1000});
  try {
    to_hdf5(x, file, "/big");
    FAIL("3.2 MB were written onto a 1 MiB file system");
  } catch (const tessera::TaskError& error) {
    CHECK(error.original_type() == "tessera::IoError");
    CHECK_THAT(error.original_message(), Contains("full.h5: /big.tessera-partial: cannot write"));
    CHECK_THAT(error.original_message(), Contains("No space left on device"));
  } catch (const tessera::IoError& error) {  // when the allocation itself fails
    CHECK_THAT(error.what(), Contains("full.h5: /big"));
  }
  std::vector<std::string> members;
  try {
    members = tessera::io::list_hdf5_group(file, "/");
  } catch (const tessera::IoError&) {
  }
  CHECK(std::find(members.begin(), members.end(), "big") == members.end());
}
