#pragma once
// The HDF5 C API made safe to use from tessera's tasks: handles closed by their owner, one
// lock around every call (Debian's parallel HDF5 is not thread-safe, and worker threads run
// tasks at once), and failures turned into IoError with HDF5's own reason.

#include <hdf5.h>

#include <mutex>
#include <string>

#include "tessera/array/dtype.hpp"
#include "tessera/array/shape.hpp"

namespace tessera::io::detail::hdf5 {

/// Held around every HDF5 call.
std::unique_lock<std::recursive_mutex> lock();

/// An HDF5 identifier, closed (by its kind) when the handle goes.
class Hid {
 public:
  Hid() = default;
  explicit Hid(hid_t id) : id_(id) {}
  Hid(Hid&& other) noexcept : id_(other.id_) { other.id_ = H5I_INVALID_HID; }
  Hid& operator=(Hid&& other) noexcept;
  Hid(const Hid&) = delete;
  Hid& operator=(const Hid&) = delete;
  ~Hid() { close(); }

  hid_t get() const noexcept { return id_; }
  bool valid() const noexcept { return id_ >= 0; }
  /// Closes now; HDF5's error (a failed flush, say) is returned as false.
  bool close() noexcept;

 private:
  hid_t id_ = H5I_INVALID_HID;
};

/// IoError "hdf5: <file>: <object>: <what> (<HDF5's reason>)"; object may be empty.
[[noreturn]] void fail(const std::string& file, const std::string& object, const std::string& what);
/// `id` when it is valid, else fail(file, object, what).
hid_t check(hid_t id, const std::string& file, const std::string& object, const std::string& what);
/// fail(file, object, what) when `status` is negative.
void check_status(herr_t status, const std::string& file, const std::string& object,
                  const std::string& what);

enum class Mode { read, write, create };
/// The file opened for reading, for writing, or for writing and created if missing.
Hid open_file(const std::string& file, Mode mode);
/// A dataset of an open file; IoError naming it if it is missing or not a dataset.
Hid open_dataset(const Hid& file_id, const std::string& file, const std::string& dataset);

/// The HDF5 memory type of an Array element type (bool: h5py's enum {FALSE, TRUE}).
Hid memory_type(DType dtype);
/// The Array element type of a dataset's type; IoError if it is none.
DType dtype_of_type(hid_t type, const std::string& file, const std::string& dataset);

/// The dataset's shape.
Shape dataset_shape(hid_t dataset, const std::string& file, const std::string& name);
/// A hyperslab of a dataspace: `count` elements from `start` along each axis.
void select(hid_t space, const Shape& start, const Shape& count);

/// "/a/b" for "a/b" (HDF5 paths relative to the root group).
std::string absolute(const std::string& object);

}  // namespace tessera::io::detail::hdf5
