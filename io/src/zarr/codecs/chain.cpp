// A chain of codecs: the specs and sizes at each step, so that each decode knows the size it
// must produce.

#include <tessera/errors.hpp>

#include "zarr/codecs/codec.hpp"

namespace tessera::io::zarr {

std::size_t ChunkSpec::bytes() const {
  std::size_t count = itemsize;
  for (auto extent : shape) count *= static_cast<std::size_t>(extent);
  return count;
}

void corrupt_chunk(std::string_view chunk, std::string_view codec, const std::string& problem) {
  throw IoError("zarr: chunk '" + std::string(chunk) + "' does not decode with codec " +
                std::string(codec) + ": " + problem);
}

CodecChain::CodecChain(std::vector<CodecPtr> codecs, std::string_view where)
    : codecs_(std::move(codecs)) {
  std::size_t array_to_bytes = 0;
  for (std::size_t i = 0; i < codecs_.size(); ++i) {
    auto kind = codecs_[i]->kind();
    bool misplaced = (kind == CodecKind::array_to_array && array_to_bytes > 0) ||
                     (kind == CodecKind::bytes_to_bytes && array_to_bytes == 0) ||
                     (kind == CodecKind::array_to_bytes && array_to_bytes > 0);
    if (misplaced) {
      throw IoError("zarr: " + std::string(where) + ": codec " + std::to_string(i) + " (" +
                    codecs_[i]->name() +
                    ") is out of place: expected array->array codecs (transpose), then one "
                    "array->bytes codec (bytes, sharding_indexed), then bytes->bytes codecs");
    }
    if (kind == CodecKind::array_to_bytes) ++array_to_bytes;
  }
  if (array_to_bytes == 0) {
    throw IoError("zarr: " + std::string(where) +
                  ": the codecs have no array->bytes codec (expected bytes or sharding_indexed)");
  }
}

nlohmann::json CodecChain::to_json() const {
  auto json = nlohmann::json::array();
  for (const auto& codec : codecs_) json.push_back(codec->to_json());
  return json;
}

namespace {

struct Step {
  ChunkSpec spec;  // what the codec sees
  SizeHint input;  // the size of what it sees
};

std::vector<Step> steps_of(const std::vector<CodecPtr>& codecs, const ChunkSpec& spec,
                           SizeHint* encoded) {
  std::vector<Step> steps;
  ChunkSpec current = spec;
  SizeHint size{spec.bytes(), true};
  for (const auto& codec : codecs) {
    steps.push_back({current, size});
    if (codec->kind() == CodecKind::array_to_array) {
      current = codec->encoded_spec(current);
      size = {current.bytes(), true};
    } else if (auto exact = size.exact ? codec->encoded_size(size.size) : std::nullopt) {
      size = {*exact, true};
    } else {
      size = {codec->encoded_bound(size.size), false};
    }
  }
  if (encoded) *encoded = size;
  return steps;
}

}  // namespace

std::optional<std::size_t> CodecChain::encoded_size(const ChunkSpec& spec) const {
  SizeHint size;
  steps_of(codecs_, spec, &size);
  return size.exact ? std::optional(size.size) : std::nullopt;
}

std::size_t CodecChain::encoded_bound(const ChunkSpec& spec) const {
  SizeHint size;
  steps_of(codecs_, spec, &size);
  return size.size;
}

Bytes CodecChain::encode(Bytes chunk, const ChunkSpec& spec) const {
  auto steps = steps_of(codecs_, spec, nullptr);
  for (std::size_t i = 0; i < codecs_.size(); ++i) {
    chunk = codecs_[i]->encode(std::move(chunk), steps[i].spec);
  }
  return chunk;
}

Bytes CodecChain::decode(Bytes stored, const ChunkSpec& spec, std::string_view chunk) const {
  SizeHint encoded;
  auto steps = steps_of(codecs_, spec, &encoded);
  if (encoded.exact && stored.size() != encoded.size) {
    corrupt_chunk(
        chunk, codecs_.back()->name(),
        std::to_string(stored.size()) + " bytes, expected " + std::to_string(encoded.size));
  }
  for (std::size_t i = codecs_.size(); i-- > 0;) {
    stored = codecs_[i]->decode(std::move(stored), steps[i].spec, steps[i].input, chunk);
  }
  return stored;
}

}  // namespace tessera::io::zarr
