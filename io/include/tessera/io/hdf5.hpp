#pragma once
// HDF5 files for Array<T>: read a dataset lazily, block by block, and write an array into a
// dataset from the tasks that compute its blocks (one file from every worker under mpirun).
//
//   auto t = tessera::io::from_hdf5<float>("era5.h5", "/t2m");          // lazy
//   auto anomaly = t - t.mean(0);
//   tessera::io::to_hdf5(anomaly, "out.h5", "/t2m_anomaly");            // computes it
//
// Datasets are written under a temporary name and renamed when every block is written, so a
// failed write never leaves a dataset that looks complete. The client creates the dataset with
// its space allocated; uncompressed blocks are then written by their tasks straight to their
// bytes in the file, in parallel (compressed ones through HDF5, one after another). Errors are
// tessera::IoError naming the file, the dataset and the problem (inside tasks they reach
// compute() as TaskError).
// bool is stored as h5py stores NumPy's bool: an 8-bit enum {FALSE = 0, TRUE = 1}.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "tessera/array.hpp"
#include "tessera/delayed.hpp"
#include "tessera/errors.hpp"
#include "tessera/io/detail/block_reads.hpp"

namespace tessera::io {

/// An attribute value: a number, a string, or a 1-d list of numbers.
using Hdf5Attribute =
    std::variant<std::int64_t, double, std::string, std::vector<std::int64_t>, std::vector<double>>;
using Hdf5Attributes = std::map<std::string, Hdf5Attribute>;

/// How to_hdf5 stores an array.
struct Hdf5WriteOptions {
  /// HDF5 chunk shape (empty: the shape of the array's first block).
  Shape chunks{};
  /// One contiguous extent instead of chunks (no compression then).
  bool contiguous = false;
  /// Deflate (gzip) level 1-9; 0 stores the chunks uncompressed.
  int deflate = 0;
  /// Replace a dataset of that name; otherwise its existence is an IoError.
  bool overwrite = false;
  /// Attributes of the dataset, written when it is complete.
  Hdf5Attributes attributes{};
  /// Run the writes now (true, as Dask) or only return the graph that does them.
  bool compute = true;
};

/// What a dataset is: its shape, element type, and chunk shape (empty: contiguous).
struct Hdf5DatasetInfo {
  Shape shape;
  DType dtype = DType::float64;
  Shape chunks;
  int deflate = 0;  ///< deflate level of its filter (0: none)
};

namespace detail::hdf5 {
BlockReads open(DType dtype, const std::string& file, const std::string& dataset,
                const ChunkSpec& chunks);
Delayed<void> write(const tessera::detail::array::Handle& array, const std::string& file,
                    const std::string& dataset, const Hdf5WriteOptions& options);
}  // namespace detail::hdf5

/// The dataset's shape, element type and layout; IoError if the file or dataset is missing,
/// or its type is none of the Array element types.
Hdf5DatasetInfo hdf5_info(const std::string& file, const std::string& dataset);

/// The dataset `dataset` ("/group/name") of `file` as a lazy array: each block is a task
/// reading its hyperslab. Blocks follow `chunks`; by default the dataset's own chunks
/// (grown to whole multiples of them of up to 4 MiB, which stay in cache), else "auto".
/// IoError if the file or dataset is missing or holds another element type than T.
template <class T>
Array<T> from_hdf5(const std::string& file, const std::string& dataset, ChunkSpec chunks = {}) {
  auto reads = detail::hdf5::open(dtype_of<T>(), file, dataset, chunks);
  return from_delayed<T>(reads.blocks, std::move(reads.shape), std::move(reads.chunks));
}

/// Writes `array` into dataset `dataset` of `file` (created, with its groups, if missing).
/// Returns the graph of the writes: already run when options.compute is true, else to be
/// computed by the caller. IoError at once for a location that cannot be written or an
/// existing dataset (without options.overwrite).
template <class T>
Delayed<void> to_hdf5(const Array<T>& array, const std::string& file, const std::string& dataset,
                      const Hdf5WriteOptions& options = {}) {
  return detail::hdf5::write(array.handle(), file, dataset, options);
}

/// The attributes of an object (a group or dataset, "/" for the file's root group).
Hdf5Attributes read_hdf5_attributes(const std::string& file, const std::string& object);
/// Writes (or replaces) attributes of an existing object.
void write_hdf5_attributes(const std::string& file, const std::string& object,
                           const Hdf5Attributes& attributes);

/// Creates group `group` and the groups above it (and the file if missing); nothing if it
/// exists.
void create_hdf5_group(const std::string& file, const std::string& group);
/// The names of the members (groups and datasets) of a group, sorted.
std::vector<std::string> list_hdf5_group(const std::string& file, const std::string& group);

}  // namespace tessera::io
