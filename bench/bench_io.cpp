// Storage workloads: an n x n float32 array (about --gib GiB, n a multiple of 4000) written to
// Zarr v2 (chunks 1000 x 1000, blosc lz4 + byte shuffle, level 5), to Zarr v3 sharded (shards
// of 4 x 4 such chunks, the same blosc inside) and to HDF5 (chunks 1000 x 1000, uncompressed),
// then read back and averaged. The input is computed and persisted before the clock starts
// (the same formula as bench/peers/dask_io.py and tensorstore_io.py), so a write's time is the
// encoding and the files; a read's is from_*(...).mean().compute(). One JSON line per workload
// and repetition, rate in GB/s (1e9 bytes of array elements per second):
//   {"workload":"zarr_write","engine":"threads","params":{...},"seconds":...,"rate":...}
// The files live in a directory under --dir, removed at the end. They are read back right
// after being written, so from the page cache when memory allows (params.cache says so).
//
//   tessera_bench_io --engine threads --dir /tmp/bench [--gib 1] [--repeat 3] [--threads T]
//       [--workloads zarr,zarr3_sharded,hdf5]
//   mpirun -n 3 tessera_bench_io --engine mpi --dir /tmp/bench

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <tessera/array.hpp>
#include <tessera/io/hdf5.hpp>
#include <tessera/io/zarr.hpp>
#include <tessera/tessera.hpp>
#include <vector>

#include "bench_args.hpp"

namespace {

constexpr std::int64_t chunk = 1000;
constexpr std::int64_t shard = 4 * chunk;

struct Options {
  std::string engine = "threads";
  std::string dir;
  double gib = 1;
  int repeat = 1;
  unsigned threads = 0;
  std::vector<std::string> workloads{"zarr", "zarr3_sharded", "hdf5"};
};

const bench::Args args("tessera_bench_io",
                       "usage: tessera_bench_io --dir DIR [--engine sync|threads|mpi] [--gib G] "
                       "[--threads T] [--repeat R] [--workloads zarr,zarr3_sharded,hdf5]\n");

Options parse(int argc, char** argv) {
  Options o;
  args.parse(argc, argv, [&](const std::string& flag, const std::string& value) {
    if (flag == "--engine") {
      o.engine = args.engine(value);
    } else if (flag == "--dir") {
      o.dir = value;
    } else if (flag == "--gib") {
      o.gib = args.positive(flag, value);
    } else if (flag == "--threads") {
      o.threads = static_cast<unsigned>(args.integer(flag, value, 0));
    } else if (flag == "--repeat") {
      o.repeat = static_cast<int>(args.integer(flag, value, 1));
    } else if (flag == "--workloads") {
      o.workloads = bench::Args::list(value);
    } else {
      return false;
    }
    return true;
  });
  if (o.dir.empty()) args.usage("--dir is required");
  return o;
}

// The side of the square array: a multiple of the shard side, near --gib GiB of float32.
std::int64_t side_of(double gib) {
  const double elements = gib * static_cast<double>(1 << 30) / 4;
  const auto shards = static_cast<std::int64_t>(std::llround(std::sqrt(elements) / shard));
  return std::max<std::int64_t>(shards, 1) * shard;
}

// Element (i, j): a smooth field plus a small ripple, so that blosc finds some but not all
// of the bytes redundant. The peers compute the same formula in float64 and round to float32.
std::vector<float> field_block(const tessera::BlockInfo& info) {
  std::vector<float> out(static_cast<std::size_t>(info.shape[0] * info.shape[1]));
  std::size_t at = 0;
  for (std::int64_t i = info.start[0]; i < info.start[0] + info.shape[0]; ++i) {
    const double row = std::sin(static_cast<double>(i) * 0.001) * 50.0;
    for (std::int64_t j = info.start[1]; j < info.start[1] + info.shape[1]; ++j) {
      const double ripple = static_cast<double>((i * 7 + j * 13) % 101) * 0.01;
      out[at++] = static_cast<float>(row + static_cast<double>(j) * 0.002 + ripple);
    }
  }
  return out;
}

using Clock = std::chrono::steady_clock;
double since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Seconds of CPU (user and system) this process has used: beside the wall time, it tells the
// work done from the waiting when other programs share the cores.
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// The wall and CPU time from a start on.
struct Timer {
  Clock::time_point wall = Clock::now();
  double cpu = cpu_seconds();
};

}  // namespace

TESSERA_TASK(field_block);

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  std::unique_ptr<tessera::Runtime> runtime;
  if (o.engine == "mpi") {
    runtime = std::make_unique<tessera::Runtime>(argc, argv);
    if (!runtime->distributed()) args.usage("--engine mpi runs under mpirun with 2 or more ranks");
  }
  tessera::Client client =
      runtime ? runtime->client() : tessera::Client({.scheduler = o.engine, .threads = o.threads});
  auto wants = [&](const char* w) {
    return std::find(o.workloads.begin(), o.workloads.end(), w) != o.workloads.end();
  };
  const std::int64_t n = side_of(o.gib);
  const double bytes = 4.0 * static_cast<double>(n) * static_cast<double>(n);
  const auto root = std::filesystem::path(o.dir) /
                    ("tessera-bench-io-" + std::to_string(static_cast<long>(::getpid())));
  std::filesystem::create_directories(root);

  // The client's CPU time is the process's only without workers of other ranks.
  const bool local = o.engine != "mpi";
  auto print = [&](const char* workload, const std::string& layout, const Timer& timer,
                   const std::string& extra = "") {
    const double seconds = since(timer.wall);
    const std::string cpu =
        local ? ",\"cpu_seconds\":" + std::to_string(cpu_seconds() - timer.cpu) : "";
    std::printf(
        "{\"workload\":\"%s\",\"engine\":\"%s\",\"params\":{\"shape\":[%lld,%lld],\"bytes\":%.0f,"
        "%s,\"threads\":%u,\"cache\":\"read back right after the write: from the page cache\"},"
        "\"seconds\":%.6f,\"rate\":%.3f%s%s}\n",
        workload, client.scheduler(), static_cast<long long>(n), static_cast<long long>(n), bytes,
        layout.c_str(), client.threads(), seconds, bytes / seconds / 1e9, cpu.c_str(),
        extra.c_str());
    std::fflush(stdout);
  };
  auto result = [](double mean) { return ",\"result\":" + std::to_string(mean); };

  // The input in blocks of the store's write unit (a chunk, or a shard), held in memory.
  auto input = [&](std::int64_t block) {
    auto x = tessera::from_function<float>(field_block, {n, n}, tessera::ChunkSpec{block, block})
                 .persist();
    tessera::wait(x);
    return x;
  };

  const std::string blosc = "\"compressor\":\"blosc lz4 shuffle clevel 5\"";
  for (int r = 0; r < o.repeat; ++r) {
    if (wants("zarr") || wants("zarr3_sharded")) {
      for (bool sharded : {false, true}) {
        if (!wants(sharded ? "zarr3_sharded" : "zarr")) continue;
        const std::string store = (root / (sharded ? "v3.zarr" : "v2.zarr")).string();
        std::filesystem::remove_all(store);
        tessera::io::ZarrWriteOptions options;
        options.layout.compressor = "blosc";
        options.layout.blosc_cname = "lz4";
        options.layout.blosc_shuffle = "shuffle";
        options.layout.level = 5;
        std::string layout;
        if (sharded) {
          options.layout.zarr_format = 3;
          options.layout.chunks = {shard, shard};
          options.layout.inner_chunks = {chunk, chunk};
          layout = "\"format\":3,\"chunks\":[1000,1000],\"shards\":[4000,4000]," + blosc;
        } else {
          options.layout.zarr_format = 2;
          options.layout.chunks = {chunk, chunk};
          layout = "\"format\":2,\"chunks\":[1000,1000]," + blosc;
        }
        {
          auto x = input(sharded ? shard : chunk);
          const Timer start;
          tessera::io::to_zarr(x, store, "data", options);
          print(sharded ? "zarr3_sharded_write" : "zarr_write", layout, start);
        }
        const Timer start;
        const double mean = tessera::io::from_zarr<float>(store, "data").mean().compute().item();
        print(sharded ? "zarr3_sharded_read_mean" : "zarr_read_mean", layout, start, result(mean));
      }
    }
    if (wants("hdf5")) {
      const std::string file = (root / "data.h5").string();
      std::filesystem::remove(file);
      tessera::io::Hdf5WriteOptions options;
      options.chunks = {chunk, chunk};
      const std::string layout = "\"chunks\":[1000,1000],\"compressor\":\"none\"";
      {
        auto x = input(chunk);
        const Timer start;
        tessera::io::to_hdf5(x, file, "/data", options);
        print("hdf5_write", layout, start);
      }
      const Timer start;
      const double mean = tessera::io::from_hdf5<float>(file, "/data").mean().compute().item();
      print("hdf5_read_mean", layout, start, result(mean));
    }
  }
  std::filesystem::remove_all(root);
}
