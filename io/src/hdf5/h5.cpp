#include "h5.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "tessera/errors.hpp"

namespace tessera::io::detail::hdf5 {
namespace {

std::recursive_mutex& hdf5_mutex() {
  static std::recursive_mutex mutex;
  return mutex;
}

// HDF5 prints its error stack on stderr unless told not to; tessera reports it instead.
void silence_hdf5() {
  static const bool silenced = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)silenced;
}

herr_t collect(unsigned n, const H5E_error2_t* error, void* data) {
  auto& messages = *static_cast<std::vector<std::string>*>(data);
  if (error->desc && *error->desc) messages.emplace_back(error->desc);
  (void)n;
  return 0;
}

// HDF5's reason: the innermost messages of its error stack (the system's errno text is there).
std::string hdf5_reason() {
  std::vector<std::string> messages;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, &collect, &messages);
  H5Eclear2(H5E_DEFAULT);
  std::string reason;
  for (std::size_t i = 0; i < messages.size() && i < 2; ++i) {
    if (!reason.empty()) reason += "; ";
    reason += messages[i];
  }
  return reason;
}

}  // namespace

std::unique_lock<std::recursive_mutex> lock() {
  std::unique_lock<std::recursive_mutex> held(hdf5_mutex());
  silence_hdf5();
  return held;
}

Hid& Hid::operator=(Hid&& other) noexcept {
  if (this != &other) {
    close();
    id_ = other.id_;
    other.id_ = H5I_INVALID_HID;
  }
  return *this;
}

bool Hid::close() noexcept {
  if (id_ < 0) return true;
  const hid_t id = id_;
  id_ = H5I_INVALID_HID;
  herr_t status = 0;
  switch (H5Iget_type(id)) {
    case H5I_FILE:
      status = H5Fclose(id);
      break;
    case H5I_GROUP:
      status = H5Gclose(id);
      break;
    case H5I_DATASET:
      status = H5Dclose(id);
      break;
    case H5I_DATASPACE:
      status = H5Sclose(id);
      break;
    case H5I_DATATYPE:
      status = H5Tclose(id);
      break;
    case H5I_ATTR:
      status = H5Aclose(id);
      break;
    case H5I_GENPROP_LST:
      status = H5Pclose(id);
      break;
    default:
      status = H5Idec_ref(id);
      break;
  }
  return status >= 0;
}

void fail(const std::string& file, const std::string& object, const std::string& what) {
  std::string message = "hdf5: " + file + ": ";
  if (!object.empty()) message += object + ": ";
  message += what;
  const std::string reason = hdf5_reason();
  if (!reason.empty()) message += " (" + reason + ")";
  throw IoError(message);
}

hid_t check(hid_t id, const std::string& file, const std::string& object, const std::string& what) {
  if (id < 0) fail(file, object, what);
  return id;
}

void check_status(herr_t status, const std::string& file, const std::string& object,
                  const std::string& what) {
  if (status < 0) fail(file, object, what);
}

Hid open_file(const std::string& file, Mode mode) {
  std::error_code error;
  const bool exists = std::filesystem::exists(file, error);
  if (!exists && mode != Mode::create) {
    throw IoError("hdf5: " + file + ": no such file");
  }
  // Workers of an MPI job open one file at once to write disjoint parts of datasets whose
  // space is allocated already; HDF5's file lock (an exclusive flock per writer) would refuse
  // all but one, and its sieve buffer would write back bytes of the neighbours' blocks.
  Hid access(check(H5Pcreate(H5P_FILE_ACCESS), file, "", "cannot make file access properties"));
  H5Pset_file_locking(access.get(), false, true);
  H5Pset_sieve_buf_size(access.get(), 0);
  if (exists) {
    if (H5Fis_hdf5(file.c_str()) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      throw IoError("hdf5: " + file + ": not an HDF5 file");
    }
    const unsigned flags = mode == Mode::read ? H5F_ACC_RDONLY : H5F_ACC_RDWR;
    const hid_t id = H5Fopen(file.c_str(), flags, access.get());
    if (id < 0) {
      fail(file, "", mode == Mode::read ? "cannot open for reading" : "cannot open for writing");
    }
    return Hid(id);
  }
  // A new file holds objects in HDF5 1.10's formats (read by HDF5 1.10 and later, h5py
  // included): a dataset of fixed shape indexes its chunks with a fixed array rather than a
  // B-tree, which makes finding where chunks lie 6 times faster (raw.cpp).
  H5Pset_libver_bounds(access.get(), H5F_LIBVER_V110, H5F_LIBVER_LATEST);
  const hid_t id = H5Fcreate(file.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, access.get());
  if (id < 0) {
    const int saved = errno;
    std::string what = "cannot create the file";
    if (saved != 0) what += std::string(": ") + std::strerror(saved);
    fail(file, "", what);
  }
  return Hid(id);
}

Hid open_dataset(const Hid& file_id, const std::string& file, const std::string& dataset) {
  const std::string path = absolute(dataset);
  // H5Lexists needs each parent to exist, so walk down the path.
  std::size_t at = 1;
  while (at <= path.size()) {
    const std::size_t next = path.find('/', at);
    const std::string prefix = path.substr(0, next);
    if (H5Lexists(file_id.get(), prefix.c_str(), H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      throw IoError("hdf5: " + file + ": " + path + ": no such dataset (" + prefix +
                    " does not exist)");
    }
    if (next == std::string::npos) break;
    at = next + 1;
  }
  H5O_info_t info;
  if (H5Oget_info_by_name(file_id.get(), path.c_str(), &info, H5P_DEFAULT) < 0 ||
      info.type != H5O_TYPE_DATASET) {
    H5Eclear2(H5E_DEFAULT);
    throw IoError("hdf5: " + file + ": " + path + ": not a dataset");
  }
  // No chunk cache: a block's chunks are read or written once, and under MPI a cached chunk
  // written back at close could overwrite another worker's block.
  Hid access(check(H5Pcreate(H5P_DATASET_ACCESS), file, path, "cannot make access properties"));
  H5Pset_chunk_cache(access.get(), 0, 0, 1.0);
  return Hid(check(H5Dopen2(file_id.get(), path.c_str(), access.get()), file, path,
                   "cannot open the dataset"));
}

Hid memory_type(DType dtype) {
  switch (dtype) {
    case DType::bool_: {
      Hid type(H5Tenum_create(H5T_NATIVE_INT8));
      const std::int8_t no = 0;
      const std::int8_t yes = 1;
      H5Tenum_insert(type.get(), "FALSE", &no);
      H5Tenum_insert(type.get(), "TRUE", &yes);
      return type;
    }
    case DType::uint8:
      return Hid(H5Tcopy(H5T_NATIVE_UINT8));
    case DType::int32:
      return Hid(H5Tcopy(H5T_NATIVE_INT32));
    case DType::int64:
      return Hid(H5Tcopy(H5T_NATIVE_INT64));
    case DType::uint64:
      return Hid(H5Tcopy(H5T_NATIVE_UINT64));
    case DType::float32:
      return Hid(H5Tcopy(H5T_NATIVE_FLOAT));
    case DType::float64:
      break;
  }
  return Hid(H5Tcopy(H5T_NATIVE_DOUBLE));
}

DType dtype_of_type(hid_t type, const std::string& file, const std::string& dataset) {
  const H5T_class_t kind = H5Tget_class(type);
  const std::size_t size = H5Tget_size(type);
  if (kind == H5T_ENUM && size == 1 && H5Tget_nmembers(type) == 2) {
    char* name0 = H5Tget_member_name(type, 0);
    char* name1 = H5Tget_member_name(type, 1);
    const bool h5py_bool =
        name0 && name1 && std::string(name0) == "FALSE" && std::string(name1) == "TRUE";
    H5free_memory(name0);
    H5free_memory(name1);
    if (h5py_bool) return DType::bool_;
  }
  if (kind == H5T_INTEGER) {
    const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
    if (!is_signed && size == 1) return DType::uint8;
    if (is_signed && size == 4) return DType::int32;
    if (is_signed && size == 8) return DType::int64;
    if (!is_signed && size == 8) return DType::uint64;
  }
  if (kind == H5T_FLOAT && size == 4) return DType::float32;
  if (kind == H5T_FLOAT && size == 8) return DType::float64;
  std::string what = "its element type (HDF5 class " + std::to_string(static_cast<int>(kind)) +
                     ", " + std::to_string(size) +
                     " bytes) is none of the Array types (bool as h5py's enum, uint8, int32, "
                     "int64, uint64, float32, float64)";
  throw IoError("hdf5: " + file + ": " + absolute(dataset) + ": " + what);
}

Shape dataset_shape(hid_t dataset, const std::string& file, const std::string& name) {
  Hid space(check(H5Dget_space(dataset), file, name, "cannot read the dataspace"));
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) fail(file, name, "cannot read the dataspace");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return Shape(dims.begin(), dims.end());
}

void select(hid_t space, const Shape& start, const Shape& count) {
  if (start.empty()) return;  // a scalar: all of it
  const std::vector<hsize_t> offset(start.begin(), start.end());
  const std::vector<hsize_t> lengths(count.begin(), count.end());
  H5Sselect_hyperslab(space, H5S_SELECT_SET, offset.data(), nullptr, lengths.data(), nullptr);
}

std::string absolute(const std::string& object) {
  if (object.empty() || object[0] != '/') return "/" + object;
  return object;
}

}  // namespace tessera::io::detail::hdf5
