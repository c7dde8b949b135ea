// Codecs from their v3 metadata ({"name": ..., "configuration": {...}}).

#include <tessera/errors.hpp>

#include "zarr/codecs/codec.hpp"
#include "zarr/codecs/sharding.hpp"
#include "zarr/json_fields.hpp"

namespace tessera::io::zarr {

namespace {

const nlohmann::json empty_object = nlohmann::json::object();

BloscShuffle blosc_shuffle(const nlohmann::json& config, const std::string& where) {
  auto shuffle = string_field(config, where, "shuffle",
                              "\"noshuffle\", \"shuffle\" or \"bitshuffle\"", "noshuffle");
  if (shuffle == "noshuffle") return BloscShuffle::none;
  if (shuffle == "shuffle") return BloscShuffle::byte;
  if (shuffle == "bitshuffle") return BloscShuffle::bit;
  bad_field(where, "shuffle", find_field(config, "shuffle"),
            "\"noshuffle\", \"shuffle\" or \"bitshuffle\"");
}

}  // namespace

CodecPtr codec_from_json(const nlohmann::json& json, std::string_view where_view) {
  std::string where(where_view);
  std::string name;
  const nlohmann::json* config = &empty_object;
  if (json.is_string()) {
    name = json.get<std::string>();
  } else if (json.is_object()) {
    name = string_field(json, where, "name", "the name of a codec");
    if (const auto* found = find_field(json, "configuration")) {
      if (!found->is_object()) bad_field(where, "configuration", found, "an object");
      config = found;
    }
  } else {
    throw IoError("zarr: " + where + ": a codec is " + json.dump() +
                  ": expected an object with \"name\" and \"configuration\"");
  }
  std::string at = where + " (" + name + ")";
  const std::int64_t zero = 0, one = 1;
  if (name == "blosc") {
    auto cname = string_field(*config, at, "cname", "a blosc compressor name", "lz4");
    auto clevel = integer_field(*config, at, "clevel", 0, 9, &one);
    auto typesize = integer_field(*config, at, "typesize", 0, 255, &zero);
    auto blocksize = integer_field(*config, at, "blocksize", 0, INT32_MAX, &zero);
    try {
      return make_blosc(cname, static_cast<int>(clevel), blosc_shuffle(*config, at),
                        static_cast<std::size_t>(typesize), static_cast<std::size_t>(blocksize));
    } catch (const IoError& error) {
      throw IoError(std::string("zarr: ") + at + ": " + error.what());
    }
  }
  if (name == "gzip" || name == "zlib") {
    std::int64_t level = integer_field(*config, at, "level", 0, 9, &one);
    return name == "gzip" ? make_gzip(static_cast<int>(level)) : make_zlib(static_cast<int>(level));
  }
  if (name == "zstd") {
    auto level = integer_field(*config, at, "level", -131072, 22, &zero);
    bool checksum = false;
    if (const auto* value = find_field(*config, "checksum")) {
      if (!value->is_boolean()) bad_field(at, "checksum", value, "true or false");
      checksum = value->get<bool>();
    }
    return make_zstd(static_cast<int>(level), checksum);
  }
  if (name == "crc32c") return make_crc32c();
  if (name == "bytes") {
    auto endian = string_field(*config, at, "endian", "\"little\" or \"big\"", "little");
    if (endian != "little" && endian != "big") {
      bad_field(at, "endian", find_field(*config, "endian"), "\"little\" or \"big\"");
    }
    return make_bytes(endian == "big");
  }
  if (name == "transpose") {
    const auto& order = required_field(*config, at, "order", "a list of axes");
    if (!order.is_array()) bad_field(at, "order", &order, "a list of axes");
    std::vector<std::size_t> axes;
    for (const auto& axis : order) {
      if (!axis.is_number_unsigned()) bad_field(at, "order", &order, "a list of axes");
      axes.push_back(axis.get<std::size_t>());
    }
    try {
      return make_transpose(std::move(axes));
    } catch (const IoError& error) {
      throw IoError(std::string("zarr: ") + at + ": " + error.what());
    }
  }
  if (name == "sharding_indexed") return sharding_from_json(*config, at);
  throw IoError("zarr: " + where + ": unknown codec \"" + name +
                "\" (expected one of blosc, bytes, crc32c, gzip, sharding_indexed, transpose, "
                "zlib, zstd)");
}

}  // namespace tessera::io::zarr
