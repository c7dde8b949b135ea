// A Zarr array of a store: its metadata, and chunks read and written through its codecs.

#include <cstring>
#include <tessera/errors.hpp>
#include <tessera/io/zarr.hpp>

#include "zarr/array_state.hpp"

namespace tessera::io {

using zarr::ArrayMetadata;
using zarr::Shape;

namespace {

std::unique_ptr<ZarrArray::State> state_of(std::shared_ptr<Store> store, std::string path,
                                           ArrayMetadata metadata) {
  auto state = std::make_unique<ZarrArray::State>();
  state->store = std::move(store);
  state->path = std::move(path);
  state->metadata = std::move(metadata);
  for (const auto& codec : state->metadata.codecs.codecs()) {
    if (auto* sharding = dynamic_cast<const zarr::ShardingCodec*>(codec.get())) {
      state->sharding = sharding;
      sharding->chunks_per_shard(state->metadata.chunk_shape);  // checks that they divide
    }
  }
  if (state->sharding && state->metadata.codecs.codecs().front().get() != state->sharding) {
    throw IoError("zarr: " + state->store->describe(state->path) +
                  ": sharding_indexed after an array->array codec is not supported");
  }
  state->read_chunks =
      state->sharding ? state->sharding->inner_shape() : state->metadata.chunk_shape;
  return state;
}

std::string text_of(const Bytes& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace

ZarrArray::ZarrArray(std::unique_ptr<State> state) : state_(std::move(state)) {}
ZarrArray::ZarrArray(ZarrArray&&) noexcept = default;
ZarrArray& ZarrArray::operator=(ZarrArray&&) noexcept = default;
ZarrArray::~ZarrArray() = default;

ZarrArray ZarrArray::open(std::shared_ptr<Store> store, std::string path) {
  auto key = [&](const char* name) { return path.empty() ? std::string(name) : path + "/" + name; };
  if (auto json = store->get(key("zarr.json"))) {
    auto metadata = zarr::parse_v3_array(text_of(*json), store->describe(key("zarr.json")));
    return ZarrArray(state_of(std::move(store), std::move(path), std::move(metadata)));
  }
  if (auto zarray = store->get(key(".zarray"))) {
    nlohmann::json attributes = nlohmann::json::object();
    if (auto zattrs = store->get(key(".zattrs"))) {
      attributes = zarr::parse_json(text_of(*zattrs), store->describe(key(".zattrs")));
    }
    auto metadata =
        zarr::parse_v2_array(text_of(*zarray), store->describe(key(".zarray")), &attributes);
    return ZarrArray(state_of(std::move(store), std::move(path), std::move(metadata)));
  }
  throw IoError("zarr: no array at '" + store->describe(path) +
                "' (neither zarr.json nor .zarray exists)");
}

ZarrArray ZarrArray::create(std::shared_ptr<Store> store, std::string path,
                            const ZarrArrayOptions& options) {
  std::string where = "zarr: creating '" + store->describe(path) + "': ";
  nlohmann::json fill;
  if (options.dtype == DType::bool_) {
    fill = options.fill_value != 0;
  } else if (is_floating(options.dtype)) {
    Bytes value(sizeof(double));
    std::memcpy(value.data(), &options.fill_value, sizeof(double));
    fill = zarr::fill_value_json(value, DType::float64);
  } else {
    fill = static_cast<std::int64_t>(options.fill_value);
  }
  if (!options.dimension_names.empty() && options.dimension_names.size() != options.shape.size()) {
    throw IoError(where + std::to_string(options.dimension_names.size()) + " dimension_names for " +
                  std::to_string(options.shape.size()) + " axes");
  }
  std::string shuffle = options.blosc_shuffle;
  std::map<std::string, nlohmann::json> documents;
  std::string file;
  if (options.zarr_format == 2) {
    static const char* names[] = {"|b1", "|u1", "<i4", "<i8", "<u8", "<f4", "<f8"};
    nlohmann::json compressor = nullptr;
    if (options.compressor == "blosc") {
      int code = shuffle == "noshuffle" ? 0 : shuffle == "bitshuffle" ? 2 : 1;
      compressor = {{"id", "blosc"},
                    {"cname", options.blosc_cname},
                    {"clevel", options.level},
                    {"shuffle", code},
                    {"blocksize", 0}};
    } else if (options.compressor != "none") {
      compressor = {{"id", options.compressor}, {"level", options.level}};
    }
    if (!options.inner_chunks.empty()) {
      throw IoError(where + "sharding needs zarr_format 3");
    }
    documents[".zarray"] = {
        {"zarr_format", 2},
        {"shape", options.shape},
        {"chunks", options.chunks},
        {"dtype", names[static_cast<int>(options.dtype)]},
        {"compressor", compressor},
        {"fill_value", fill},
        {"order", "C"},
        {"filters", nullptr},
        {"dimension_separator",
         options.dimension_separator.empty() ? "." : options.dimension_separator}};
    documents[".zattrs"] = zarr::parse_json(options.attributes_json, "attributes");
    if (!options.dimension_names.empty() && documents[".zattrs"].is_object()) {
      documents[".zattrs"]["_ARRAY_DIMENSIONS"] = options.dimension_names;
    }
  } else {
    nlohmann::json bytes_to_bytes = nlohmann::json::array();
    if (options.compressor == "blosc") {
      bytes_to_bytes.push_back({{"name", "blosc"},
                                {"configuration",
                                 {{"cname", options.blosc_cname},
                                  {"clevel", options.level},
                                  {"shuffle", shuffle},
                                  {"typesize", itemsize(options.dtype)},
                                  {"blocksize", 0}}}});
    } else if (options.compressor != "none") {
      bytes_to_bytes.push_back(
          {{"name", options.compressor}, {"configuration", {{"level", options.level}}}});
    }
    nlohmann::json codecs =
        nlohmann::json::array({{{"name", "bytes"}, {"configuration", {{"endian", "little"}}}}});
    for (const auto& codec : bytes_to_bytes) codecs.push_back(codec);
    if (!options.inner_chunks.empty()) {
      codecs = nlohmann::json::array(
          {{{"name", "sharding_indexed"},
            {"configuration",
             {{"chunk_shape", options.inner_chunks},
              {"codecs", codecs},
              {"index_codecs", nlohmann::json::array(
                                   {{{"name", "bytes"}, {"configuration", {{"endian", "little"}}}},
                                    {{"name", "crc32c"}}})},
              {"index_location", options.index_location}}}}});
    }
    documents["zarr.json"] = {
        {"zarr_format", 3},
        {"node_type", "array"},
        {"shape", options.shape},
        {"data_type", dtype_name(options.dtype)},
        {"chunk_grid", {{"name", "regular"}, {"configuration", {{"chunk_shape", options.chunks}}}}},
        {"chunk_key_encoding",
         {{"name", "default"},
          {"configuration",
           {{"separator",
             options.dimension_separator.empty() ? "/" : options.dimension_separator}}}}},
        {"fill_value", fill},
        {"codecs", codecs},
        {"attributes", zarr::parse_json(options.attributes_json, "attributes")}};
    if (!options.dimension_names.empty()) {
      documents["zarr.json"]["dimension_names"] = options.dimension_names;
    }
  }
  // The documents are checked as a reader would check them before anything is written.
  ArrayMetadata metadata =
      options.zarr_format == 2
          ? zarr::parse_v2_array(documents[".zarray"].dump(), store->describe(path),
                                 &documents[".zattrs"])
          : zarr::parse_v3_array(documents["zarr.json"].dump(), store->describe(path));
  auto state = state_of(store, path, std::move(metadata));
  for (const auto& [name, document] : documents) {
    std::string text = document.dump(2);
    store->set(state->key(name),
               std::span(reinterpret_cast<const std::byte*>(text.data()), text.size()));
  }
  return ZarrArray(std::move(state));
}

int ZarrArray::zarr_format() const { return state_->metadata.zarr_format; }
DType ZarrArray::dtype() const { return state_->metadata.dtype; }
const std::vector<std::int64_t>& ZarrArray::shape() const { return state_->metadata.shape; }
const std::vector<std::int64_t>& ZarrArray::chunks() const { return state_->read_chunks; }
std::string ZarrArray::attributes_json() const { return state_->metadata.attributes.dump(); }

std::vector<std::string> ZarrArray::dimension_names() const {
  const auto& metadata = state_->metadata;
  if (metadata.dimension_names) return *metadata.dimension_names;
  std::vector<std::string> names;
  auto it = metadata.attributes.find("_ARRAY_DIMENSIONS");
  if (metadata.zarr_format != 2 || it == metadata.attributes.end() || !it->is_array() ||
      it->size() != metadata.shape.size()) {
    return names;
  }
  for (const auto& name : *it) names.push_back(name.is_string() ? name.get<std::string>() : "");
  return names;
}

std::vector<std::int64_t> ZarrArray::chunk_grid() const {
  Shape grid(state_->metadata.shape.size());
  for (std::size_t axis = 0; axis < grid.size(); ++axis) {
    const std::int64_t extent = state_->metadata.shape[axis], chunk = state_->read_chunks[axis];
    grid[axis] = extent / chunk + (extent % chunk != 0);  // no overflow near 2^63
  }
  return grid;
}

std::optional<std::vector<std::int64_t>> ZarrArray::shards() const {
  if (!state_->sharding) return std::nullopt;
  return state_->metadata.chunk_shape;
}

Bytes ZarrArray::read_chunk(const std::vector<std::int64_t>& index) const {
  const auto& s = *state_;
  s.check_index(index, chunk_grid(), "chunk");
  auto spec = s.metadata.chunk_spec();
  if (!s.sharding) {
    std::string key = s.key(s.metadata.chunk_key(index));
    auto stored = s.store->get(key);
    if (!stored) return s.filled(spec.bytes());
    return s.metadata.codecs.decode(std::move(*stored), spec, s.store->describe(key));
  }
  Shape per_shard = s.sharding->chunks_per_shard(spec.shape);
  Shape shard(index.size());
  std::size_t inner = 0;
  for (std::size_t axis = 0; axis < index.size(); ++axis) {
    shard[axis] = index[axis] / per_shard[axis];
    inner = inner * static_cast<std::size_t>(per_shard[axis]) +
            static_cast<std::size_t>(index[axis] % per_shard[axis]);
  }
  std::string key = s.key(s.metadata.chunk_key(shard));
  auto stored = s.store->get(key);
  auto inner_spec = s.sharding->inner_spec(spec);
  if (!stored) return s.filled(inner_spec.bytes());
  auto chunk = s.sharding->read_inner(*stored, spec, inner, s.store->describe(key));
  return chunk ? std::move(*chunk) : s.filled(inner_spec.bytes());
}

void ZarrArray::write_chunk(const std::vector<std::int64_t>& index, const Bytes& chunk) {
  const auto& s = *state_;
  if (s.sharding) {
    throw IoError("zarr: " + s.store->describe(s.path) +
                  ": a sharded array is written a whole shard at a time (write_shard)");
  }
  s.check_index(index, chunk_grid(), "chunk");
  auto spec = s.metadata.chunk_spec();
  std::string key = s.key(s.metadata.chunk_key(index));
  if (chunk.size() != spec.bytes()) {
    throw IoError("zarr: writing '" + s.store->describe(key) +
                  "': " + std::to_string(chunk.size()) + " bytes, expected " +
                  std::to_string(spec.bytes()));
  }
  Bytes encoded = s.metadata.codecs.encode(chunk, spec);
  s.store->set(key, encoded);
}

void ZarrArray::write_shard(const std::vector<std::int64_t>& shard,
                            const std::vector<std::optional<Bytes>>& inner_chunks) {
  const auto& s = *state_;
  if (!s.sharding) {
    throw IoError("zarr: " + s.store->describe(s.path) +
                  ": the array is not sharded (write_chunk writes its chunks)");
  }
  s.check_index(shard, s.metadata.grid(), "shard");
  std::string key = s.key(s.metadata.chunk_key(shard));
  Bytes stored = s.sharding->assemble(inner_chunks, s.metadata.chunk_spec());
  s.store->set(key, stored);
}

}  // namespace tessera::io
