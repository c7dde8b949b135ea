// Stores of the real zarr-python 3 read by tessera, and stores of tessera for zarr-python to
// read: tests/io/zarr_cases.py writes and checks them (in a virtual environment of the build
// tree); ctest runs these cases with TESSERA_ZARR_CASES set (hidden from discovery).

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <tessera/array.hpp>
#include <tessera/io/zarr.hpp>
#include <tessera/io/zarr_group.hpp>

#include "blocks/copy_box.hpp"

using tessera::DType;
using tessera::io::Bytes;
using tessera::io::LocalStore;
using tessera::io::ZarrArray;
using tessera::io::ZarrArrayOptions;
using tessera::io::ZarrGroup;
using tessera::io::ZarrMember;
using tessera::io::ZarrNodeKind;

namespace {

std::string cases_directory() {
  const char* dir = std::getenv("TESSERA_ZARR_CASES");
  return dir ? dir : "";
}

// The value of element i of every case (zarr_cases.py's values()).
double expected(DType dtype, std::int64_t i) {
  switch (dtype) {
    case DType::float32:
    case DType::float64:
      return static_cast<double>(i % 1000) * 0.5 - 7;
    case DType::bool_:
      return i % 3 == 0 ? 1 : 0;
    case DType::uint8:
      return static_cast<double>(i % 251);
    default:
      return static_cast<double>((i % 1000) * 3 - 50);
  }
}

double element(const Bytes& data, DType dtype, std::size_t i) {
  auto at = [&](auto zero) {
    decltype(zero) value;
    std::memcpy(&value, data.data() + i * sizeof(value), sizeof(value));
    return static_cast<double>(value);
  };
  switch (dtype) {
    case DType::bool_:
      return at(bool{});
    case DType::uint8:
      return at(std::uint8_t{});
    case DType::int32:
      return at(std::int32_t{});
    case DType::int64:
      return at(std::int64_t{});
    case DType::uint64:
      return at(std::uint64_t{});
    case DType::float32:
      return at(float{});
    case DType::float64:
      return at(double{});
  }
  return 0;
}

// The whole array, chunk by chunk.
Bytes read_all(const ZarrArray& array) {
  std::size_t itemsize = tessera::itemsize(array.dtype());
  const auto& shape = array.shape();
  const auto& chunks = array.chunks();
  std::size_t count = 1;
  for (auto extent : shape) count *= static_cast<std::size_t>(extent);
  Bytes all(count * itemsize);
  auto grid = array.chunk_grid();
  std::vector<std::int64_t> index(grid.size(), 0);
  while (true) {
    Bytes chunk = array.read_chunk(index);
    std::vector<std::int64_t> origin(shape.size()), zero(shape.size(), 0), extent(shape.size());
    for (std::size_t axis = 0; axis < shape.size(); ++axis) {
      origin[axis] = index[axis] * chunks[axis];
      extent[axis] = std::min(chunks[axis], shape[axis] - origin[axis]);
    }
    tessera::io::detail::copy_box(chunk.data(), chunks, zero, all.data(), shape, origin, extent,
                                  itemsize);
    std::size_t axis = grid.size();
    while (axis-- > 0) {
      if (++index[axis] < grid[axis]) break;
      index[axis] = 0;
    }
    if (axis == static_cast<std::size_t>(-1)) return all;
  }
}

// A store of tessera for zarr-python: the case values, written chunk by chunk or shard by
// shard.
void write_case(const std::string& root, const std::string& name, ZarrArrayOptions options) {
  auto store = std::make_shared<LocalStore>(root + "/" + name);
  options.attributes_json = R"({"written_by": "tessera"})";
  auto array = ZarrArray::create(store, "a", options);
  std::size_t itemsize = tessera::itemsize(options.dtype);
  const auto& shape = options.shape;
  auto value_bytes = [&](const std::vector<std::int64_t>& at,
                         const std::vector<std::int64_t>& box) {
    // The chunk of shape `box` whose first element is `at`, with fill outside the array.
    std::size_t count = 1;
    for (auto extent : box) count *= static_cast<std::size_t>(extent);
    Bytes chunk(count * itemsize);
    for (std::size_t k = 0; k < count; ++k) {
      std::int64_t linear = 0, rest = static_cast<std::int64_t>(k);
      bool inside = true;
      std::vector<std::int64_t> position(box.size());
      for (std::size_t axis = box.size(); axis-- > 0;) {
        position[axis] = at[axis] + rest % box[axis];
        rest /= box[axis];
      }
      for (std::size_t axis = 0; axis < box.size(); ++axis) {
        inside = inside && position[axis] < shape[axis];
        linear = linear * shape[axis] + position[axis];
      }
      double value = inside ? expected(options.dtype, linear) : 0;
      if (options.dtype == DType::float32) {
        float v = static_cast<float>(value);
        std::memcpy(chunk.data() + k * 4, &v, 4);
      } else {
        REQUIRE(options.dtype == DType::float64);
        std::memcpy(chunk.data() + k * 8, &value, 8);
      }
    }
    return chunk;
  };
  auto grid = array.chunk_grid();
  if (auto shards = array.shards()) {
    const auto& inner = array.chunks();
    for (std::int64_t i = 0; i * (*shards)[0] < shape[0]; ++i) {
      for (std::int64_t j = 0; j * (*shards)[1] < shape[1]; ++j) {
        std::vector<std::optional<Bytes>> chunks;
        for (std::int64_t a = 0; a < (*shards)[0] / inner[0]; ++a) {
          for (std::int64_t b = 0; b < (*shards)[1] / inner[1]; ++b) {
            chunks.push_back(value_bytes(
                {i * (*shards)[0] + a * inner[0], j * (*shards)[1] + b * inner[1]}, inner));
          }
        }
        array.write_shard({i, j}, chunks);
      }
    }
    return;
  }
  for (std::int64_t i = 0; i < grid[0]; ++i) {
    for (std::int64_t j = 0; j < grid[1]; ++j) {
      array.write_chunk(
          {i, j}, value_bytes({i * options.chunks[0], j * options.chunks[1]}, options.chunks));
    }
  }
}

}  // namespace

TEST_CASE("stores written by zarr-python read in tessera with equal values", "[.][zarr-python]") {
  std::string dir = cases_directory();
  REQUIRE_FALSE(dir.empty());
  std::ifstream in(dir + "/python/cases.txt");
  REQUIRE(in.good());
  std::string line;
  std::size_t cases = 0;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string name, dtype_text, shape_text;
    words >> name >> dtype_text >> shape_text;
    INFO(line);
    auto store = std::make_shared<LocalStore>(dir + "/python/" + name);
    auto array = ZarrArray::open(store, "a");
    CHECK(array.shape() == std::vector<std::int64_t>{10, 7});
    Bytes all = read_all(array);
    bool missing = name.find("_missing") != std::string::npos;
    std::size_t mismatches = 0;
    for (std::int64_t i = 0; i < 70; ++i) {
      double got = element(all, array.dtype(), static_cast<std::size_t>(i));
      if (missing && i >= 4 * 7) {
        // Never written: the fill value (NaN for v2, -Infinity for v3).
        bool ok = name.rfind("v2", 0) == 0 ? std::isnan(got) : (std::isinf(got) && got < 0);
        mismatches += ok ? 0 : 1;
      } else {
        mismatches += got == expected(array.dtype(), i) ? 0 : 1;
      }
    }
    CHECK(mismatches == 0);
    ++cases;
  }
  CHECK(cases >= 24);

  // The stores zarr-python is to read (zarr_cases.py check).
  std::string out = dir + "/cpp";
  std::filesystem::remove_all(out);
  ZarrArrayOptions v2;
  v2.zarr_format = 2;
  v2.shape = {10, 7};
  v2.chunks = {4, 3};
  v2.dtype = DType::float32;
  v2.compressor = "blosc";
  v2.blosc_cname = "lz4";
  write_case(out, "v2_blosc_lz4", v2);
  ZarrArrayOptions v3 = v2;
  v3.zarr_format = 3;
  v3.dtype = DType::float64;
  v3.compressor = "zstd";
  write_case(out, "v3_zstd", v3);
  ZarrArrayOptions sharded = v3;
  sharded.chunks = {4, 6};
  sharded.inner_chunks = {2, 3};
  sharded.compressor = "blosc";
  write_case(out, "v3_sharded", sharded);
  sharded.index_location = "start";
  sharded.dtype = DType::float32;
  write_case(out, "v3_sharded_index_start", sharded);

  // The same through to_zarr, from blocks that straddle the chunks (so rechunked), and a
  // region written again over a sharded array (its shards read, updated and written back).
  tessera::Client client(tessera::ClientOptions{"threads", 2});
  std::vector<double> values(70);
  for (std::int64_t i = 0; i < 70; ++i)
    values[static_cast<std::size_t>(i)] = expected(DType::float64, i);
  const auto x = tessera::from_vector(values, {10, 7}, {3, 3});
  tessera::io::ZarrWriteOptions to_v2;
  to_v2.layout = v2;
  to_v2.layout.shape = {};
  to_v2.layout.attributes_json = R"({"written_by": "tessera"})";
  tessera::io::to_zarr(x.astype<float>(), out + "/v2_to_zarr", "a", to_v2);
  tessera::io::ZarrWriteOptions to_sharded;
  to_sharded.layout = sharded;
  to_sharded.layout.shape = {};
  to_sharded.layout.index_location = "end";
  to_sharded.layout.attributes_json = R"({"written_by": "tessera"})";
  tessera::io::to_zarr(x, out + "/v3_sharded_to_zarr_region", "a", to_sharded);
  tessera::io::ZarrWriteOptions region;
  region.region = tessera::Shape{2, 1};
  tessera::io::to_zarr(x(tessera::slice(2, 7), tessera::slice(1, 5)),
                       out + "/v3_sharded_to_zarr_region", "a", region);
  std::ofstream(out + "/cases.txt") << "v2_blosc_lz4 <f4 10,7\nv3_zstd <f8 10,7\n"
                                       "v3_sharded <f8 10,7\nv3_sharded_index_start <f4 10,7\n"
                                       "v2_to_zarr <f4 10,7\nv3_sharded_to_zarr_region <f8 10,7\n";
}

namespace {

// Writes the whole of an unsharded float array, element i (C order) being value(i).
void write_values(ZarrArray& array, const std::function<double(std::int64_t)>& value) {
  const auto& shape = array.shape();
  const auto& chunks = array.chunks();
  std::size_t itemsize = tessera::itemsize(array.dtype());
  auto grid = array.chunk_grid();
  std::vector<std::int64_t> index(grid.size(), 0);
  while (true) {
    std::size_t count = 1;
    for (auto extent : chunks) count *= static_cast<std::size_t>(extent);
    Bytes chunk(count * itemsize);
    for (std::size_t k = 0; k < count; ++k) {
      std::int64_t rest = static_cast<std::int64_t>(k), linear = 0;
      bool inside = true;
      std::vector<std::int64_t> position(chunks.size());
      for (std::size_t axis = chunks.size(); axis-- > 0;) {
        position[axis] = index[axis] * chunks[axis] + rest % chunks[axis];
        rest /= chunks[axis];
      }
      for (std::size_t axis = 0; axis < chunks.size(); ++axis) {
        inside = inside && position[axis] < shape[axis];
        linear = linear * shape[axis] + position[axis];
      }
      double v = inside ? value(linear) : 0;
      if (array.dtype() == DType::float32) {
        float f = static_cast<float>(v);
        std::memcpy(chunk.data() + k * 4, &f, 4);
      } else {
        std::memcpy(chunk.data() + k * 8, &v, 8);
      }
    }
    array.write_chunk(index, chunk);
    std::size_t axis = grid.size();
    while (axis-- > 0) {
      if (++index[axis] < grid[axis]) break;
      index[axis] = 0;
    }
    if (axis == static_cast<std::size_t>(-1)) return;
  }
}

}  // namespace

TEST_CASE("group hierarchies of zarr-python read in tessera; tessera's written for it and xarray",
          "[.][zarr-python]") {
  std::string dir = cases_directory();
  REQUIRE_FALSE(dir.empty());
  const auto array = ZarrNodeKind::array;
  const auto group = ZarrNodeKind::group;
  for (int format : {2, 3}) {
    INFO("zarr_format " << format);
    auto store = std::make_shared<LocalStore>(dir + "/python_groups/v" + std::to_string(format));
    auto root = ZarrGroup::open(store, "");
    CHECK(root.zarr_format() == format);
    CHECK(root.consolidated());
    CHECK(root.attributes_json() == R"({"title":"zarr-python"})");
    CHECK(root.members() == std::vector<ZarrMember>{{"surface", group}, {"temperature", array}});
    auto surface = root.open_group("surface");
    CHECK(surface.attributes_json() == R"({"level":0})");
    CHECK(surface.members() == std::vector<ZarrMember>{{"deep", group}, {"t2m", array}});
    // Without its consolidated metadata the hierarchy lists the same by listing the store.
    store->erase(format == 2 ? ".zmetadata" : "zarr.json");
    if (format == 3) ZarrGroup::create(store, "", 3, R"({"title": "zarr-python"})");
    CHECK(ZarrGroup::open(store, "").members() == root.members());
    CHECK(ZarrGroup::open(store, "surface").members() == surface.members());
    for (const char* name : {"temperature", "surface/t2m"}) {
      INFO(name);
      auto values = root.open_array(name);
      Bytes all = read_all(values);
      std::size_t mismatches = 0;
      for (std::int64_t i = 0; i < 70; ++i) {
        double got = element(all, values.dtype(), static_cast<std::size_t>(i));
        mismatches += got == expected(values.dtype(), i) ? 0 : 1;
      }
      CHECK(mismatches == 0);
    }
  }

  // The hierarchies zarr-python and xarray are to read (zarr_cases.py check_groups).
  for (int format : {2, 3}) {
    std::string out = dir + "/cpp_groups/v" + std::to_string(format);
    std::filesystem::remove_all(out);
    auto store = std::make_shared<LocalStore>(out);
    auto root = ZarrGroup::create(store, "", format, R"({"written_by": "tessera"})");
    auto climate = root.create_group("climate", R"({"title": "tessera climate"})");
    root.create_group("empty");
    climate.create_group("extra");
    ZarrArrayOptions options;
    options.zarr_format = format;
    options.dtype = DType::float64;
    options.fill_value = NAN;
    options.compressor = "zstd";
    options.shape = options.chunks = {4};
    options.dimension_names = {"lat"};
    auto lat = climate.create_array("lat", options);
    write_values(lat, [](std::int64_t i) { return 10.0 * static_cast<double>(i + 1); });
    options.shape = options.chunks = {5};
    options.dimension_names = {"lon"};
    auto lon = climate.create_array("lon", options);
    write_values(lon, [](std::int64_t i) { return 100.0 + static_cast<double>(i); });
    options.dtype = DType::float32;
    options.shape = {4, 5};
    options.chunks = {2, 3};
    options.dimension_names = {"lat", "lon"};
    options.attributes_json = R"({"units": "K"})";
    auto t2m = climate.create_array("t2m", options);
    write_values(t2m, [](std::int64_t i) { return expected(DType::float32, i); });
    // xarray opens "climate" with its own consolidated metadata; zarr-python the root's.
    tessera::io::consolidate_metadata(store, "climate");
    CHECK(tessera::io::consolidate_metadata(store).members().size() == 2);
  }
}
