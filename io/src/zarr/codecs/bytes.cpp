// The bytes codec (array -> bytes): the elements in C order, little- or big-endian. tessera
// keeps elements in the machine's order, which is little-endian on every platform it builds for.

#include <algorithm>
#include <bit>

#include "zarr/codecs/codec.hpp"

namespace tessera::io::zarr {

namespace {

static_assert(std::endian::native == std::endian::little,
              "the Zarr codecs assume a little-endian machine");

void swap_elements(Bytes& bytes, std::size_t itemsize) {
  if (itemsize <= 1) return;
  for (std::size_t i = 0; i + itemsize <= bytes.size(); i += itemsize) {
    std::reverse(bytes.begin() + static_cast<std::ptrdiff_t>(i),
                 bytes.begin() + static_cast<std::ptrdiff_t>(i + itemsize));
  }
}

class BytesCodec final : public Codec {
 public:
  explicit BytesCodec(bool big_endian) : big_endian_(big_endian) {}

  CodecKind kind() const override { return CodecKind::array_to_bytes; }
  std::string name() const override { return "bytes"; }
  nlohmann::json to_json() const override {
    return {{"name", "bytes"}, {"configuration", {{"endian", big_endian_ ? "big" : "little"}}}};
  }
  std::optional<std::size_t> encoded_size(std::size_t decoded) const override { return decoded; }
  std::size_t encoded_bound(std::size_t decoded) const override { return decoded; }

  Bytes encode(Bytes in, const ChunkSpec& spec) const override {
    if (big_endian_) swap_elements(in, spec.itemsize);
    return in;
  }

  Bytes decode(Bytes in, const ChunkSpec& spec, SizeHint out,
               std::string_view chunk) const override {
    if (in.size() != out.size) {
      corrupt_chunk(chunk, name(),
                    std::to_string(in.size()) + " bytes, expected " + std::to_string(out.size) +
                        " (the chunk's elements)");
    }
    if (big_endian_) swap_elements(in, spec.itemsize);
    return in;
  }

 private:
  bool big_endian_;
};

}  // namespace

CodecPtr make_bytes(bool big_endian) { return std::make_shared<BytesCodec>(big_endian); }

}  // namespace tessera::io::zarr
