// Files between h5py and tessera: h5py's files (every Array type, chunked, gzip, contiguous,
// big-endian) read by tessera, and tessera's files read by h5py (tests/io/h5py_interop.py,
// run with the Python of the build tree's virtual environment in TESSERA_H5PY_PYTHON).

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>
#include <vector>

#include "array_support.hpp"
#include "tessera/array.hpp"
#include "tessera/io/hdf5.hpp"

using tessera_test::sample_values;

namespace {

std::string interop_command(const std::string& mode, const std::string& dir) {
  const char* python = std::getenv("TESSERA_H5PY_PYTHON");
  const char* script = std::getenv("TESSERA_H5PY_SCRIPT");
  if (!python || !script) return "";
  return std::string(python) + " " + script + " " + mode + " " + dir;
}

template <class T>
void read_and_write(const std::string& dir) {
  const std::string type = tessera::dtype_name(tessera::dtype_of<T>());
  INFO(type);
  const auto expected = sample_values<T>(30 * 17);
  for (const char* layout : {"chunked", "gzip", "contiguous", "bigendian"}) {
    INFO(layout);
    const auto x = tessera::io::from_hdf5<T>(dir + "/h5py.h5", std::string(layout) + "/" + type);
    const auto back = x.compute();
    CHECK(std::vector<T>(back.values().begin(), back.values().end()) == expected);
  }
  const auto x = tessera::from_vector(expected, {30, 17}, {8, 5});
  tessera::io::to_hdf5(x, dir + "/tessera.h5", "chunked/" + type);
  tessera::io::Hdf5WriteOptions deflate;
  deflate.deflate = 6;
  tessera::io::to_hdf5(x, dir + "/tessera.h5", "deflate/" + type, deflate);
}

}  // namespace

TEST_CASE("h5py's files are read and tessera's files are read by h5py", "[.][io][hdf5][h5py]") {
  const tessera_test::ScratchDirectory dir;
  const std::string write = interop_command("write", dir.path().string());
  if (write.empty()) {
    WARN("TESSERA_H5PY_PYTHON and TESSERA_H5PY_SCRIPT are not set: h5py is not compared");
    return;
  }
  REQUIRE(std::system(write.c_str()) == 0);
  tessera::Client client(tessera::ClientOptions{"threads", 2});
  read_and_write<bool>(dir.path().string());
  read_and_write<std::uint8_t>(dir.path().string());
  read_and_write<std::int32_t>(dir.path().string());
  read_and_write<std::int64_t>(dir.path().string());
  read_and_write<std::uint64_t>(dir.path().string());
  read_and_write<float>(dir.path().string());
  read_and_write<double>(dir.path().string());
  const auto attributes = tessera::io::read_hdf5_attributes(dir.file("h5py.h5"), "chunked/float64");
  CHECK(std::get<std::int64_t>(attributes.at("count")) == 42);
  CHECK(std::get<double>(attributes.at("scale")) == 0.25);
  CHECK(std::get<std::string>(attributes.at("name")) == "temperature at 2 m");
  CHECK(std::get<std::vector<std::int64_t>>(attributes.at("levels")) ==
        std::vector<std::int64_t>{1000, 850, 500});
  CHECK(std::get<std::vector<double>>(attributes.at("range")) == std::vector<double>{-1.5, 2.5});
  tessera::io::write_hdf5_attributes(dir.file("tessera.h5"), "chunked/float64", attributes);
  CHECK(std::system(interop_command("check", dir.path().string()).c_str()) == 0);
}
