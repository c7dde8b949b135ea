#pragma once
// The metadata of Zarr arrays and groups, v2 (.zarray, .zattrs, .zgroup, .zmetadata) and v3
// (zarr.json), read into one form. Every bad field is an IoError naming the file, the key and
// what was expected.

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tessera/array/dtype.hpp>

#include "zarr/codecs/codec.hpp"

namespace tessera::io::zarr {

/// An array's metadata, in either version.
struct ArrayMetadata {
  int zarr_format = 3;
  Shape shape;
  /// The chunk grid of the store: the shards' shape when the array is sharded.
  Shape chunk_shape;
  DType dtype = DType::float64;
  /// One element of the fill value, native byte order.
  Bytes fill_value;
  /// The chunk key encoding: v3's "default" ("c/1/2") or v2's ("1.2"), and its separator.
  bool default_key_encoding = true;
  char separator = '/';
  /// The codecs, v2's order, byte order and compressor included.
  CodecChain codecs;
  nlohmann::json attributes = nlohmann::json::object();
  std::optional<std::vector<std::string>> dimension_names;

  // The v2 fields that the chain expresses, kept so that a v2 array is written back as read.
  bool fortran_order = false;
  bool big_endian = false;
  nlohmann::json v2_compressor;  // null for none

  /// The spec of a chunk (of the store's chunk grid).
  ChunkSpec chunk_spec() const;
  /// The store key of the chunk at `index` (one entry per axis), relative to the array.
  std::string chunk_key(const Shape& index) const;
  /// The number of chunks along each axis.
  Shape grid() const;
};

/// Reads a v2 array from its .zarray (and .zattrs when given); `file` names it in errors.
ArrayMetadata parse_v2_array(std::string_view zarray, std::string_view file,
                             const nlohmann::json* attributes = nullptr);
/// Reads a v3 array from its zarr.json.
ArrayMetadata parse_v3_array(std::string_view zarr_json, std::string_view file);
/// Parses JSON text; bad JSON is an IoError naming the file and the position.
nlohmann::json parse_json(std::string_view text, std::string_view file);

/// The metadata documents of an array: {".zarray": ..., ".zattrs": ...} for v2, {"zarr.json":
/// ...} for v3.
std::map<std::string, nlohmann::json> array_documents(const ArrayMetadata& metadata);

/// What a store path holds.
enum class NodeKind { array, group };

/// Reads the v2 consolidated metadata (.zmetadata): its documents by key relative to the group.
std::map<std::string, nlohmann::json> parse_consolidated(std::string_view zmetadata,
                                                         std::string_view file);

/// The dtype of a v2 typestr ("<f4", ">i8", "|b1"); sets big_endian for '>'.
DType parse_v2_dtype(const nlohmann::json& value, std::string_view file, bool& big_endian);
/// The dtype of a v3 data_type name ("float32", ...).
DType parse_v3_dtype(const nlohmann::json& value, std::string_view file);
/// The fill value of a dtype, from its JSON form (numbers, true/false, "NaN", "Infinity",
/// "-Infinity", hex "0x7fc00000" for floats in v3, null for zeros).
Bytes parse_fill_value(const nlohmann::json& value, DType dtype, std::string_view file);
/// The JSON form of a fill value.
nlohmann::json fill_value_json(const Bytes& fill, DType dtype);

}  // namespace tessera::io::zarr
