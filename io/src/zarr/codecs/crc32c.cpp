// CRC-32C, table driven (one byte per step), and the crc32c codec: the checksum of the data,
// little-endian, after it.

#include "zarr/codecs/crc32c.hpp"

#include <array>
#include <string>

#include "zarr/codecs/codec.hpp"

namespace tessera::io::zarr {

namespace {

constexpr std::uint32_t castagnoli_reflected = 0x82F63B78u;

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t byte = 0; byte < 256; ++byte) {
    std::uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1u) ? castagnoli_reflected : 0u);
    table[byte] = crc;
  }
  return table;
}

constexpr auto table = make_table();

std::string hex(std::uint32_t value) {
  static const char digits[] = "0123456789abcdef";
  std::string text = "0x";
  for (int shift = 28; shift >= 0; shift -= 4) text += digits[(value >> shift) & 0xF];
  return text;
}

class Crc32cCodec final : public Codec {
 public:
  CodecKind kind() const override { return CodecKind::bytes_to_bytes; }
  std::string name() const override { return "crc32c"; }
  nlohmann::json to_json() const override { return {{"name", "crc32c"}}; }
  std::optional<std::size_t> encoded_size(std::size_t decoded) const override {
    return decoded + 4;
  }
  std::size_t encoded_bound(std::size_t decoded) const override { return decoded + 4; }

  Bytes encode(Bytes in, const ChunkSpec&) const override {
    std::uint32_t checksum = crc32c(in);
    for (int i = 0; i < 4; ++i) in.push_back(static_cast<std::byte>(checksum >> (8 * i)));
    return in;
  }

  Bytes decode(Bytes in, const ChunkSpec&, SizeHint out, std::string_view chunk) const override {
    if (in.size() < 4) {
      corrupt_chunk(chunk, name(), std::to_string(in.size()) + " bytes, fewer than a checksum");
    }
    std::size_t size = in.size() - 4;
    if ((out.exact && size != out.size) || size > out.size) {
      corrupt_chunk(chunk, name(),
                    std::to_string(in.size()) + " bytes, expected " +
                        (out.exact ? "" : "at most ") + std::to_string(out.size + 4));
    }
    std::uint32_t stored = 0;
    for (int i = 0; i < 4; ++i) stored |= std::to_integer<std::uint32_t>(in[size + i]) << (8 * i);
    std::uint32_t computed = crc32c(std::span(in.data(), size));
    if (stored != computed) {
      corrupt_chunk(
          chunk, name(),
          "checksum mismatch (stored " + hex(stored) + ", computed " + hex(computed) + ")");
    }
    in.resize(size);
    return in;
  }
};

}  // namespace

std::uint32_t crc32c(std::span<const std::byte> data) noexcept {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::byte byte : data) {
    crc = table[(crc ^ std::to_integer<std::uint32_t>(byte)) & 0xFFu] ^ (crc >> 8);
  }
  return crc ^ 0xFFFFFFFFu;
}

CodecPtr make_crc32c() { return std::make_shared<Crc32cCodec>(); }

}  // namespace tessera::io::zarr
