// The zlib and gzip codecs: DEFLATE in zlib's or gzip's wrapper, through zlib.

#include <zlib.h>

#include <limits>

#include "zarr/codecs/codec.hpp"

namespace tessera::io::zarr {

namespace {

constexpr std::size_t zlib_limit = std::numeric_limits<uInt>::max();

class DeflateCodec final : public Codec {
 public:
  DeflateCodec(bool gzip, int level) : gzip_(gzip), level_(level) {}

  CodecKind kind() const override { return CodecKind::bytes_to_bytes; }
  std::string name() const override { return gzip_ ? "gzip" : "zlib"; }
  nlohmann::json to_json() const override {
    return {{"name", name()}, {"configuration", {{"level", level_}}}};
  }
  std::optional<std::size_t> encoded_size(std::size_t) const override { return std::nullopt; }
  std::size_t encoded_bound(std::size_t decoded) const override {
    return compressBound(static_cast<uLong>(decoded)) + 32;  // + the gzip wrapper
  }

  Bytes encode(Bytes in, const ChunkSpec&) const override {
    if (in.size() >= zlib_limit) {
      throw IoError("zarr: " + name() + ": a chunk of " + std::to_string(in.size()) +
                    " bytes is larger than zlib compresses in one call");
    }
    z_stream stream{};
    if (deflateInit2(&stream, level_, Z_DEFLATED, gzip_ ? 15 + 16 : 15, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
      throw IoError("zarr: " + name() + ": zlib cannot start compressing at level " +
                    std::to_string(level_));
    }
    Bytes out(encoded_bound(in.size()));
    stream.next_in = reinterpret_cast<Bytef*>(in.data());
    stream.avail_in = static_cast<uInt>(in.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    int result = deflate(&stream, Z_FINISH);
    std::size_t written = stream.total_out;
    deflateEnd(&stream);
    if (result != Z_STREAM_END) {
      throw IoError("zarr: " + name() + ": compressing " + std::to_string(in.size()) +
                    " bytes failed (zlib returned " + std::to_string(result) + ")");
    }
    out.resize(written);
    return out;
  }

  Bytes decode(Bytes in, const ChunkSpec&, SizeHint out, std::string_view chunk) const override {
    if (in.size() >= zlib_limit || out.size >= zlib_limit) {
      corrupt_chunk(chunk, name(), "larger than zlib decompresses in one call");
    }
    z_stream stream{};
    if (inflateInit2(&stream, gzip_ ? 15 + 16 : 15) != Z_OK) {
      corrupt_chunk(chunk, name(), "zlib cannot start decompressing");
    }
    // One byte more than allowed: filling it shows that the data decodes to too much.
    Bytes decoded(out.size + 1);
    stream.next_in = reinterpret_cast<Bytef*>(in.data());
    stream.avail_in = static_cast<uInt>(in.size());
    stream.next_out = reinterpret_cast<Bytef*>(decoded.data());
    stream.avail_out = static_cast<uInt>(decoded.size());
    int result = inflate(&stream, Z_FINISH);
    std::size_t produced = stream.total_out;
    std::size_t left = stream.avail_in;
    inflateEnd(&stream);
    if (produced > out.size) {
      corrupt_chunk(chunk, name(), "decodes to more than " + std::to_string(out.size) + " bytes");
    }
    if (result != Z_STREAM_END) {
      corrupt_chunk(chunk, name(),
                    result == Z_BUF_ERROR
                        ? std::string("truncated")
                        : "not valid data (zlib returned " + std::to_string(result) + ")");
    }
    if (left != 0) {
      corrupt_chunk(chunk, name(), std::to_string(left) + " bytes after the end of the stream");
    }
    if (out.exact && produced != out.size) {
      corrupt_chunk(chunk, name(),
                    "decodes to " + std::to_string(produced) + " bytes, expected " +
                        std::to_string(out.size));
    }
    decoded.resize(produced);
    return decoded;
  }

 private:
  bool gzip_;
  int level_;
};

}  // namespace

CodecPtr make_zlib(int level) { return std::make_shared<DeflateCodec>(false, level); }
CodecPtr make_gzip(int level) { return std::make_shared<DeflateCodec>(true, level); }

}  // namespace tessera::io::zarr
