#pragma once
// Attributes of open HDF5 objects, shared by to_hdf5 (written when a dataset is complete) and
// the public attribute functions.

#include "h5.hpp"
#include "tessera/io/hdf5.hpp"

namespace tessera::io::detail::hdf5 {

/// Writes (replacing) `attributes` on object `object_id`, named `object` in errors.
void put_attributes(hid_t object_id, const std::string& file, const std::string& object,
                    const Hdf5Attributes& attributes);

/// Creates the groups of `path` above its last part that are missing.
void create_parents(hid_t file_id, const std::string& file, const std::string& path);

}  // namespace tessera::io::detail::hdf5
