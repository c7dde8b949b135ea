// Zarr metadata, v2 and v3, into ArrayMetadata. v2 becomes the same codec chain as v3:
// [transpose (order F)] bytes (byte order) [compressor].

#include "zarr/metadata.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <set>
#include <tessera/errors.hpp>

#include "zarr/json_fields.hpp"

namespace tessera::io::zarr {

namespace {

constexpr const char* v3_dtypes = "bool, uint8, int32, int64, uint64, float32 or float64";
constexpr const char* v2_dtypes = "<f4, <f8, <i4, <i8, <u8, |u1 or |b1 (or big-endian >)";

Shape shape_field(const nlohmann::json& json, std::string_view file, std::string_view key,
                  bool positive) {
  const char* expected = positive ? "a list of positive integers" : "a list of integers >= 0";
  const auto& value = required_field(json, file, key, expected);
  if (!value.is_array()) bad_field(file, key, &value, expected);
  Shape shape;
  for (const auto& extent : value) {
    if (!extent.is_number_unsigned()) bad_field(file, key, &value, expected);
    auto number = extent.get<std::uint64_t>();
    if (number > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
        (positive && number == 0)) {
      bad_field(file, key, &value, expected);
    }
    shape.push_back(static_cast<std::int64_t>(number));
  }
  return shape;
}

template <class T>
Bytes element_bytes(T value) {
  Bytes bytes(sizeof(T));
  std::memcpy(bytes.data(), &value, sizeof(T));
  return bytes;
}

template <class T>
T element_of(const Bytes& bytes) {
  T value{};
  std::memcpy(&value, bytes.data(), sizeof(T));
  return value;
}

void check_grid(const Shape& shape, const Shape& chunks, std::string_view file,
                std::string_view key) {
  if (chunks.size() != shape.size()) {
    throw IoError("zarr: " + std::string(file) + ": \"" + std::string(key) + "\" has " +
                  std::to_string(chunks.size()) + " axes: expected " +
                  std::to_string(shape.size()) + ", as \"shape\"");
  }
}

// A chunk's size in bytes must be a number: ChunkSpec::bytes() would wrap around otherwise.
void check_chunk_size(const Shape& chunks, DType dtype, std::string_view file,
                      std::string_view key) {
  std::int64_t size = static_cast<std::int64_t>(itemsize(dtype));
  for (std::int64_t extent : chunks) {
    if (__builtin_mul_overflow(size, extent, &size)) {
      throw IoError("zarr: " + std::string(file) + ": \"" + std::string(key) + "\" is " +
                    nlohmann::json(chunks).dump() + ": a chunk of " + dtype_name(dtype) +
                    " elements would hold more than 2^63 bytes");
    }
  }
}

CodecPtr v2_compressor(const nlohmann::json& json, std::size_t itemsize, std::string_view file) {
  std::string where = std::string(file) + ": compressor";
  if (!json.is_object()) bad_field(file, "compressor", &json, "null or an object with \"id\"");
  auto id = string_field(json, where, "id", "the id of a codec");
  const std::int64_t one = 1, zero = 0, minus_one = -1;
  std::string at = where + " (" + id + ")";
  if (id == "blosc") {
    auto cname = string_field(json, at, "cname", "a blosc compressor name", "lz4");
    auto clevel = integer_field(json, at, "clevel", 0, 9, &one);
    auto shuffle = integer_field(json, at, "shuffle", -1, 2, &minus_one);
    auto blocksize = integer_field(json, at, "blocksize", 0, INT32_MAX, &zero);
    BloscShuffle mode = shuffle == 0    ? BloscShuffle::none
                        : shuffle == 2  ? BloscShuffle::bit
                        : shuffle == 1  ? BloscShuffle::byte
                        : itemsize == 1 ? BloscShuffle::bit  // -1: numcodecs' AUTOSHUFFLE
                                        : BloscShuffle::byte;
    try {
      return make_blosc(cname, static_cast<int>(clevel), mode, itemsize,
                        static_cast<std::size_t>(blocksize));
    } catch (const IoError& error) {
      throw IoError("zarr: " + at + ": " + error.what());
    }
  }
  if (id == "zlib" || id == "gzip") {
    auto level = integer_field(json, at, "level", 0, 9, &one);
    return id == "zlib" ? make_zlib(static_cast<int>(level)) : make_gzip(static_cast<int>(level));
  }
  if (id == "zstd") {
    auto level = integer_field(json, at, "level", -131072, 22, &zero);
    bool checksum = false;
    if (const auto* value = find_field(json, "checksum"); value && value->is_boolean()) {
      checksum = value->get<bool>();
    }
    return make_zstd(static_cast<int>(level), checksum);
  }
  throw IoError("zarr: " + where + ": unknown compressor \"" + id +
                "\" (expected one of blosc, gzip, zlib, zstd, or null)");
}

}  // namespace

nlohmann::json parse_json(std::string_view text, std::string_view file) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& error) {  // parse_error, or out_of_range (1e999)
    throw IoError("zarr: " + std::string(file) + ": not valid JSON: " + error.what());
  }
}

DType parse_v2_dtype(const nlohmann::json& value, std::string_view file, bool& big_endian) {
  if (!value.is_string()) bad_field(file, "dtype", &value, v2_dtypes);
  auto text = value.get<std::string>();
  if (text.size() == 3 && (text[0] == '<' || text[0] == '>' || text[0] == '|')) {
    big_endian = text[0] == '>';
    std::string kind = text.substr(1);
    bool one_byte = kind == "u1" || kind == "b1";
    if (text[0] == '|' && !one_byte) bad_field(file, "dtype", &value, v2_dtypes);
    if (kind == "f4") return DType::float32;
    if (kind == "f8") return DType::float64;
    if (kind == "i4") return DType::int32;
    if (kind == "i8") return DType::int64;
    if (kind == "u8") return DType::uint64;
    if (kind == "u1") return DType::uint8;
    if (kind == "b1") return DType::bool_;
  }
  bad_field(file, "dtype", &value, v2_dtypes);
}

DType parse_v3_dtype(const nlohmann::json& value, std::string_view file) {
  if (value.is_string()) {
    auto name = value.get<std::string>();
    for (DType dtype : {DType::bool_, DType::uint8, DType::int32, DType::int64, DType::uint64,
                        DType::float32, DType::float64}) {
      if (name == dtype_name(dtype)) return dtype;
    }
  }
  bad_field(file, "data_type", &value, v3_dtypes);
}

Bytes parse_fill_value(const nlohmann::json& value, DType dtype, std::string_view file) {
  auto bad = [&](const char* expected) -> Bytes {
    bad_field(file, "fill_value", &value, expected);
  };
  if (value.is_null()) return Bytes(itemsize(dtype), std::byte{0});
  switch (dtype) {
    case DType::bool_:
      if (value.is_boolean()) return element_bytes<bool>(value.get<bool>());
      if (value.is_number_integer() && (value == 0 || value == 1))
        return element_bytes<bool>(value.get<int>() == 1);
      return bad("true or false");
    case DType::float32:
    case DType::float64: {
      double number = 0;
      if (value.is_number()) {
        number = value.get<double>();
      } else if (value.is_string()) {
        auto text = value.get<std::string>();
        if (text == "NaN") {
          number = std::numeric_limits<double>::quiet_NaN();
        } else if (text == "Infinity") {
          number = std::numeric_limits<double>::infinity();
        } else if (text == "-Infinity") {
          number = -std::numeric_limits<double>::infinity();
        } else if (text.size() > 2 && text.size() == 2 + 2 * itemsize(dtype) &&
                   text.compare(0, 2, "0x") == 0 &&
                   text.find_first_not_of("0123456789abcdefABCDEF", 2) == std::string::npos) {
          std::uint64_t bits = std::stoull(text.substr(2), nullptr, 16);
          if (dtype == DType::float32)
            return element_bytes<std::uint32_t>(static_cast<std::uint32_t>(bits));
          return element_bytes<std::uint64_t>(bits);
        } else {
          return bad("a number, \"NaN\", \"Infinity\", \"-Infinity\" or a hex bit pattern");
        }
      } else {
        return bad("a number, \"NaN\", \"Infinity\", \"-Infinity\" or a hex bit pattern");
      }
      if (dtype == DType::float32) return element_bytes<float>(static_cast<float>(number));
      return element_bytes<double>(number);
    }
    case DType::uint8:
      if (value.is_number_unsigned() && value.get<std::uint64_t>() <= 255)
        return element_bytes<std::uint8_t>(value.get<std::uint8_t>());
      return bad("an integer from 0 to 255");
    case DType::int32:
      if (value.is_number_integer() &&
          !(value.is_number_unsigned() && value.get<std::uint64_t>() > INT32_MAX) &&
          value.get<std::int64_t>() >= INT32_MIN && value.get<std::int64_t>() <= INT32_MAX)
        return element_bytes<std::int32_t>(value.get<std::int32_t>());
      return bad("a 32-bit integer");
    case DType::int64:
      if (value.is_number_integer() &&
          !(value.is_number_unsigned() && value.get<std::uint64_t>() > INT64_MAX))
        return element_bytes<std::int64_t>(value.get<std::int64_t>());
      return bad("a 64-bit integer");
    case DType::uint64:
      if (value.is_number_unsigned())
        return element_bytes<std::uint64_t>(value.get<std::uint64_t>());
      if (value.is_number_integer() && value.get<std::int64_t>() >= 0)
        return element_bytes<std::uint64_t>(value.get<std::uint64_t>());
      return bad("an integer >= 0");
  }
  return bad("a value of the array's type");
}

nlohmann::json fill_value_json(const Bytes& fill, DType dtype) {
  auto floating = [](double value) -> nlohmann::json {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
    return value;
  };
  switch (dtype) {
    case DType::bool_:
      return element_of<bool>(fill);
    case DType::uint8:
      return element_of<std::uint8_t>(fill);
    case DType::int32:
      return element_of<std::int32_t>(fill);
    case DType::int64:
      return element_of<std::int64_t>(fill);
    case DType::uint64:
      return element_of<std::uint64_t>(fill);
    case DType::float32:
      return floating(element_of<float>(fill));
    case DType::float64:
      return floating(element_of<double>(fill));
  }
  return nullptr;
}

ChunkSpec ArrayMetadata::chunk_spec() const { return {chunk_shape, itemsize(dtype), fill_value}; }

Shape ArrayMetadata::grid() const {
  Shape counts(shape.size());
  for (std::size_t axis = 0; axis < shape.size(); ++axis) {
    // Not (shape + chunk - 1) / chunk: that overflows for extents near 2^63.
    counts[axis] = shape[axis] / chunk_shape[axis] + (shape[axis] % chunk_shape[axis] != 0);
  }
  return counts;
}

std::string ArrayMetadata::chunk_key(const Shape& index) const {
  std::string key = default_key_encoding ? "c" : "";
  if (index.empty()) return default_key_encoding ? key : "0";
  for (std::size_t axis = 0; axis < index.size(); ++axis) {
    if (axis > 0 || default_key_encoding) key += separator;
    key += std::to_string(index[axis]);
  }
  return key;
}

ArrayMetadata parse_v2_array(std::string_view zarray, std::string_view file,
                             const nlohmann::json* attributes) {
  auto json = parse_json(zarray, file);
  if (!json.is_object()) throw IoError("zarr: " + std::string(file) + ": expected a JSON object");
  ArrayMetadata metadata;
  metadata.zarr_format = 2;
  const std::int64_t two = 2;
  integer_field(json, file, "zarr_format", 2, 2, &two);
  metadata.shape = shape_field(json, file, "shape", false);
  metadata.chunk_shape = shape_field(json, file, "chunks", true);
  check_grid(metadata.shape, metadata.chunk_shape, file, "chunks");
  metadata.dtype =
      parse_v2_dtype(required_field(json, file, "dtype", v2_dtypes), file, metadata.big_endian);
  check_chunk_size(metadata.chunk_shape, metadata.dtype, file, "chunks");
  metadata.fill_value = parse_fill_value(
      json.contains("fill_value") ? json["fill_value"] : nlohmann::json(), metadata.dtype, file);
  auto order = string_field(json, file, "order", "\"C\" or \"F\"", "C");
  if (order != "C" && order != "F") bad_field(file, "order", &json["order"], "\"C\" or \"F\"");
  metadata.fortran_order = order == "F";
  if (const auto* filters = find_field(json, "filters");
      filters && !filters->is_null() && !(filters->is_array() && filters->empty())) {
    std::string names;
    if (filters->is_array()) {
      for (const auto& filter : *filters) {
        // json::value() throws its own exception for a filter that is not an object of strings.
        const auto* id = filter.is_object() ? find_field(filter, "id") : nullptr;
        names +=
            (names.empty() ? "" : ", ") + (id && id->is_string() ? id->get<std::string>() : "?");
      }
    }
    throw IoError("zarr: " + std::string(file) + ": \"filters\" is " + filters->dump() +
                  ": filters (" + names + ") are not supported (expected null)");
  }
  auto separator = string_field(json, file, "dimension_separator", "\".\" or \"/\"", ".");
  if (separator != "." && separator != "/") {
    bad_field(file, "dimension_separator", &json["dimension_separator"], "\".\" or \"/\"");
  }
  metadata.default_key_encoding = false;
  metadata.separator = separator[0];

  std::vector<CodecPtr> codecs;
  if (metadata.fortran_order && metadata.shape.size() > 1) {
    std::vector<std::size_t> reverse(metadata.shape.size());
    for (std::size_t i = 0; i < reverse.size(); ++i) reverse[i] = reverse.size() - 1 - i;
    codecs.push_back(make_transpose(reverse));
  }
  codecs.push_back(make_bytes(metadata.big_endian));
  const auto* compressor = find_field(json, "compressor");
  metadata.v2_compressor = compressor ? *compressor : nlohmann::json();
  if (compressor && !compressor->is_null()) {
    codecs.push_back(v2_compressor(*compressor, itemsize(metadata.dtype), file));
  }
  metadata.codecs = CodecChain(std::move(codecs), file);
  if (attributes) {
    if (!attributes->is_object()) {
      std::string zattrs(file);
      if (zattrs.ends_with(".zarray")) zattrs.replace(zattrs.size() - 7, 7, ".zattrs");
      throw IoError("zarr: " + zattrs + ": the attributes are " + attributes->dump() +
                    ": expected an object");
    }
    metadata.attributes = *attributes;
  }
  return metadata;
}

ArrayMetadata parse_v3_array(std::string_view zarr_json, std::string_view file) {
  auto json = parse_json(zarr_json, file);
  if (!json.is_object()) throw IoError("zarr: " + std::string(file) + ": expected a JSON object");
  ArrayMetadata metadata;
  integer_field(json, file, "zarr_format", 3, 3);
  auto node = string_field(json, file, "node_type", "\"array\"");
  if (node != "array") bad_field(file, "node_type", &json["node_type"], "\"array\"");
  metadata.shape = shape_field(json, file, "shape", false);
  metadata.dtype = parse_v3_dtype(required_field(json, file, "data_type", v3_dtypes), file);

  std::string grid_where = std::string(file) + ": chunk_grid";
  const auto& grid = required_field(json, file, "chunk_grid", "an object");
  if (!grid.is_object()) bad_field(file, "chunk_grid", &grid, "an object");
  auto grid_name = string_field(grid, grid_where, "name", "\"regular\"");
  if (grid_name != "regular") bad_field(grid_where, "name", &grid["name"], "\"regular\"");
  const auto& grid_config = required_field(grid, grid_where, "configuration", "an object");
  metadata.chunk_shape =
      shape_field(grid_config, grid_where + ".configuration", "chunk_shape", true);
  check_grid(metadata.shape, metadata.chunk_shape, file, "chunk_grid.configuration.chunk_shape");
  check_chunk_size(metadata.chunk_shape, metadata.dtype, file,
                   "chunk_grid.configuration.chunk_shape");

  std::string key_where = std::string(file) + ": chunk_key_encoding";
  const auto& keys = required_field(json, file, "chunk_key_encoding", "an object");
  if (!keys.is_object()) bad_field(file, "chunk_key_encoding", &keys, "an object");
  auto key_name = string_field(keys, key_where, "name", "\"default\" or \"v2\"");
  if (key_name != "default" && key_name != "v2") {
    bad_field(key_where, "name", &keys["name"], "\"default\" or \"v2\"");
  }
  metadata.default_key_encoding = key_name == "default";
  std::string separator = metadata.default_key_encoding ? "/" : ".";
  if (const auto* config = find_field(keys, "configuration")) {
    separator = string_field(*config, key_where + ".configuration", "separator", "\"/\" or \".\"",
                             separator.c_str());
    if (separator != "/" && separator != ".") {
      bad_field(key_where + ".configuration", "separator", &(*config)["separator"],
                "\"/\" or \".\"");
    }
  }
  metadata.separator = separator[0];

  metadata.fill_value = parse_fill_value(
      required_field(json, file, "fill_value", "a value of the data type"), metadata.dtype, file);

  const auto& codecs_json = required_field(json, file, "codecs", "a list of codecs");
  if (!codecs_json.is_array()) bad_field(file, "codecs", &codecs_json, "a list of codecs");
  std::vector<CodecPtr> codecs;
  for (std::size_t i = 0; i < codecs_json.size(); ++i) {
    codecs.push_back(
        codec_from_json(codecs_json[i], std::string(file) + ": codecs[" + std::to_string(i) + "]"));
  }
  metadata.codecs = CodecChain(std::move(codecs), std::string(file) + ": codecs");

  if (const auto* transformers = find_field(json, "storage_transformers");
      transformers && !(transformers->is_array() && transformers->empty())) {
    bad_field(file, "storage_transformers", transformers, "none (an empty list)");
  }
  if (const auto* attributes = find_field(json, "attributes")) {
    if (!attributes->is_object()) bad_field(file, "attributes", attributes, "an object");
    metadata.attributes = *attributes;
  }
  if (const auto* names = find_field(json, "dimension_names"); names && !names->is_null()) {
    const char* expected = "a list of names (or nulls), one per axis";
    if (!names->is_array() || names->size() != metadata.shape.size()) {
      bad_field(file, "dimension_names", names, expected);
    }
    std::vector<std::string> list;
    for (const auto& name : *names) {
      if (!name.is_string() && !name.is_null()) bad_field(file, "dimension_names", names, expected);
      list.push_back(name.is_string() ? name.get<std::string>() : "");
    }
    metadata.dimension_names = std::move(list);
  }
  // The spec: other fields are extensions that a reader must understand, unless they say
  // "must_understand": false.
  for (const auto& [key, value] : json.items()) {
    static const std::set<std::string> known = {
        "zarr_format",         "node_type",  "shape",  "data_type",  "chunk_grid",
        "chunk_key_encoding",  "fill_value", "codecs", "attributes", "dimension_names",
        "storage_transformers"};
    if (known.contains(key)) continue;
    if (value.is_object() && value.contains("must_understand") &&
        value["must_understand"] == false) {
      continue;
    }
    throw IoError("zarr: " + std::string(file) + ": unknown field \"" + key + "\" is " +
                  value.dump() +
                  ": expected only the fields of a Zarr v3 array (or an object "
                  "with \"must_understand\": false)");
  }
  return metadata;
}

std::map<std::string, nlohmann::json> array_documents(const ArrayMetadata& metadata) {
  std::map<std::string, nlohmann::json> documents;
  if (metadata.zarr_format == 2) {
    static const char* names[] = {"|b1", "|u1", "<i4", "<i8", "<u8", "<f4", "<f8"};
    std::string dtype = names[static_cast<int>(metadata.dtype)];
    if (metadata.big_endian && dtype[0] == '<') dtype[0] = '>';
    documents[".zarray"] = {{"zarr_format", 2},
                            {"shape", metadata.shape},
                            {"chunks", metadata.chunk_shape},
                            {"dtype", dtype},
                            {"compressor", metadata.v2_compressor},
                            {"fill_value", fill_value_json(metadata.fill_value, metadata.dtype)},
                            {"order", metadata.fortran_order ? "F" : "C"},
                            {"filters", nullptr},
                            {"dimension_separator", std::string(1, metadata.separator)}};
    documents[".zattrs"] = metadata.attributes;
    return documents;
  }
  nlohmann::json json = {
      {"zarr_format", 3},
      {"node_type", "array"},
      {"shape", metadata.shape},
      {"data_type", dtype_name(metadata.dtype)},
      {"chunk_grid",
       {{"name", "regular"}, {"configuration", {{"chunk_shape", metadata.chunk_shape}}}}},
      {"chunk_key_encoding",
       {{"name", metadata.default_key_encoding ? "default" : "v2"},
        {"configuration", {{"separator", std::string(1, metadata.separator)}}}}},
      {"fill_value", fill_value_json(metadata.fill_value, metadata.dtype)},
      {"codecs", metadata.codecs.to_json()},
      {"attributes", metadata.attributes}};
  if (metadata.dimension_names) json["dimension_names"] = *metadata.dimension_names;
  documents["zarr.json"] = json;
  return documents;
}

std::map<std::string, nlohmann::json> parse_consolidated(std::string_view zmetadata,
                                                         std::string_view file) {
  auto json = parse_json(zmetadata, file);
  if (!json.is_object()) throw IoError("zarr: " + std::string(file) + ": expected a JSON object");
  integer_field(json, file, "zarr_consolidated_format", 1, 1);
  const auto& documents = required_field(json, file, "metadata", "an object of documents by key");
  if (!documents.is_object())
    bad_field(file, "metadata", &documents, "an object of documents by key");
  std::map<std::string, nlohmann::json> result;
  for (const auto& [key, value] : documents.items()) result[key] = value;
  return result;
}

}  // namespace tessera::io::zarr
