// The flagship demo: a daily temperature field (time, lat, lon) in a Zarr v3 store, read
// lazily; its daily climatology (the mean of each day of the year over the years) and the
// anomalies from it, computed with Array operations; the anomalies written to one HDF5 file
// by every worker in parallel; a summary; and a check of the result by an independent pass.
// The same program runs alone (threads) and under mpirun (rank 0 the client, the rest workers).
//
//   climatology [--small | --large] [--dir DIR] [--keep]      (scripts/demo.sh runs it)
// check with: --small

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <numbers>
#include <string>
#include <tessera/array.hpp>
#include <tessera/io/hdf5.hpp>
#include <tessera/io/zarr.hpp>
#include <tessera/tessera.hpp>
#include <vector>

namespace {

struct Size {
  std::int64_t years, lat, lon;
  std::vector<std::int64_t> inner;  // the Zarr chunks inside a shard of a year's fifth
};

constexpr std::int64_t days = 365;
constexpr std::int64_t days_per_block = 73;  // a fifth of a year: blocks never straddle two years

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The synthetic field of year `year`: warm tropics, seasons of opposite sign in the two
// hemispheres, a land-sea-like pattern in longitude, a slow warming trend, and weather noise.
// The sines and cosines are computed once on their small axes (persisted), so that each
// element of the field costs a few multiply-adds.
tessera::Array<float> field_of_year(const Size& size, std::int64_t year,
                                    const tessera::Array<float>& noise) {
  using tessera::all;
  using tessera::newaxis;
  const double pi = std::numbers::pi;
  auto lat = tessera::linspace<float>(-90 + 90.0 / size.lat, 90 - 90.0 / size.lat, size.lat) *
             static_cast<float>(pi / 180);
  auto lon = tessera::linspace<float>(0, 2 * pi, size.lon, /*endpoint=*/false);
  auto day = tessera::arange<float>(0, days, 1, {days_per_block});
  auto season = tessera::cos((day - 15.0f) * static_cast<float>(2 * pi / days)).persist();
  auto cos_lat = tessera::cos(lat).persist();
  auto sin_lat = tessera::sin(lat).persist();
  auto sin_lon = tessera::sin(lon).persist();
  auto t = 273.15f + 0.03f * static_cast<float>(year) + 30.0f * cos_lat(newaxis, all, newaxis) -
           12.0f * sin_lat(newaxis, all, newaxis) * season(all, newaxis, newaxis) +
           3.0f * sin_lon(newaxis, newaxis, all) * cos_lat(newaxis, all, newaxis) +
           noise(tessera::slice(year * days, (year + 1) * days), all, all);
  return t.rechunk({days_per_block, size.lat, size.lon});
}

}  // namespace

int main(int argc, char** argv) {
  tessera::Runtime runtime(argc, argv);  // alone: threads; under mpirun: rank 0 + workers
  auto client = runtime.client();
  tessera::config::set("progress", "1");  // a progress bar for the writes below

  Size size{8, 360, 720, {days_per_block, 90, 180}};
  std::string dir = "climatology-demo";
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--small") {
      size = {2, 48, 96, {days_per_block, 24, 48}};
    } else if (arg == "--large") {
      size = {4, 720, 1440, {days_per_block, 180, 360}};
    } else if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (arg == "--keep") {
      keep = true;
    } else {
      std::fprintf(stderr,
                   "climatology: unknown option '%s'\n"
                   "usage: climatology [--small | --large] [--dir DIR] [--keep]\n",
                   arg.c_str());
      return 2;
    }
  }
  const std::int64_t time = size.years * days;
  const double gib = static_cast<double>(time * size.lat * size.lon) * 4 / (1 << 30);
  std::filesystem::create_directories(dir);
  const std::string store = dir + "/t2m.zarr";
  const std::string file = dir + "/anomalies.h5";
  std::printf("climatology: %lld days x %lld lat x %lld lon float32 (%.2f GiB), in %s\n",
              static_cast<long long>(time), static_cast<long long>(size.lat),
              static_cast<long long>(size.lon), gib, dir.c_str());

  // 1. The input: a Zarr v3 store, sharded (a shard per block), written a year at a time.
  auto start = std::chrono::steady_clock::now();
  tessera::io::ZarrArrayOptions layout;
  layout.shape = {time, size.lat, size.lon};
  layout.dtype = tessera::DType::float32;
  layout.chunks = {days_per_block, size.lat, size.lon};
  layout.inner_chunks = size.inner;
  layout.attributes_json = R"json({"units": "K", "long_name": "2 m temperature, synthetic"})json";
  std::filesystem::remove_all(store);
  tessera::io::ZarrArray::create(std::make_shared<tessera::io::LocalStore>(store), "t2m", layout);
  const tessera::ChunkSpec blocks{days_per_block, size.lat, size.lon};
  auto noise = tessera::random::normal<float>({time, size.lat, size.lon}, blocks, 2026, 0, 2);
  for (std::int64_t year = 0; year < size.years; ++year) {
    tessera::io::ZarrWriteOptions region;
    region.region = tessera::Shape{year * days, 0, 0};
    tessera::io::to_zarr(field_of_year(size, year, noise), store, "t2m", region);
    std::printf("  [1/4] input: year %lld of %lld written (%.1f s)\n",
                static_cast<long long>(year + 1), static_cast<long long>(size.years),
                seconds_since(start));
    std::fflush(stdout);
  }

  // 2. Read lazily; the daily climatology and the anomalies, as NumPy would write them.
  start = std::chrono::steady_clock::now();
  auto t = tessera::io::from_zarr<float>(store, "t2m", blocks);
  auto by_year = t.reshape({size.years, days, size.lat, size.lon});  // blocks kept: 73 days
  auto climatology = by_year.mean(0).persist();  // (365, lat, lon), kept on the workers
  tessera::wait(climatology);
  std::printf("  [2/4] daily climatology: %s (%.1f s)\n", climatology.summary().c_str(),
              seconds_since(start));
  auto anomalies = (by_year - climatology).reshape({time, size.lat, size.lon});  // lazy

  // 3. The anomalies into one HDF5 file, every worker writing the blocks it computes.
  start = std::chrono::steady_clock::now();
  tessera::io::Hdf5WriteOptions h5;
  h5.overwrite = true;
  h5.attributes = {{"units", std::string("K")}, {"reference", std::string("daily climatology")}};
  tessera::io::to_hdf5(anomalies, file, "/t2m_anomaly", h5);
  const double written = seconds_since(start);
  std::printf("  [3/4] anomalies written to %s:/t2m_anomaly (%.1f s, %.2f GB/s)\n", file.c_str(),
              written, gib * (1 << 30) / 1e9 / written);

  // The summary, from what the file holds.
  tessera::config::set("progress", "0");
  auto stored = tessera::io::from_hdf5<float>(file, "/t2m_anomaly", blocks);
  const double mean = stored.mean().compute().item();
  const double spread = stored.std().compute().item();
  const auto warmest_day =  // of the zonal mean, at a southern latitude
      climatology(tessera::all, size.lat / 6, tessera::all).mean(1).argmax().compute().item();
  std::printf(
      "summary: anomaly mean %+.4f K, std %.3f K (expected %.3f K); at latitude %.1f the "
      "warmest day of the year is day %lld\n",
      mean, spread, 2 * std::sqrt(1 - 1.0 / static_cast<double>(size.years)),
      -90.0 + 180.0 * (size.lat / 6 + 0.5) / size.lat, static_cast<long long>(warmest_day) + 1);

  // 4. An independent pass: three latitude rows read straight from the store's chunks, their
  // climatology and anomalies in plain loops, against the file.
  start = std::chrono::steady_clock::now();
  auto zarr = tessera::io::ZarrArray::open(std::make_shared<tessera::io::LocalStore>(store), "t2m");
  double worst = 0;
  for (std::int64_t row : {size.lat / 5, size.lat / 2, size.lat * 4 / 5}) {
    std::vector<float> input(static_cast<std::size_t>(time * size.lon));
    zarr.read({0, row, 0}, {time, 1, size.lon}, std::as_writable_bytes(std::span(input)));
    const auto rows = tessera::io::from_hdf5<float>(file, "/t2m_anomaly", {time, 1, size.lon});
    const auto output = rows(tessera::all, row, tessera::all).compute();  // reads one row
    for (std::int64_t d = 0; d < days; ++d) {
      for (std::int64_t x = 0; x < size.lon; ++x) {
        double sum = 0;
        for (std::int64_t y = 0; y < size.years; ++y)
          sum += input[static_cast<std::size_t>((y * days + d) * size.lon + x)];
        const double mean_of_day = sum / static_cast<double>(size.years);
        for (std::int64_t y = 0; y < size.years; ++y) {
          const auto at = static_cast<std::size_t>((y * days + d) * size.lon + x);
          worst = std::max(worst, std::abs(input[at] - mean_of_day - output.values()[at]));
        }
      }
    }
  }
  const bool ok = worst < 1e-3;
  std::printf(
      "  [4/4] check against an independent pass over 3 latitude rows: largest difference "
      "%.2g K: %s (%.1f s)\n",
      worst, ok ? "OK" : "WRONG", seconds_since(start));
  if (!keep) std::filesystem::remove_all(dir);
  return ok ? 0 : 1;
}
