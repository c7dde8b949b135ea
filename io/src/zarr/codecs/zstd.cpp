// The zstd codec. Decoding writes into a buffer of the expected size (plus one byte, to see
// data that decodes to more), whatever a frame header claims.

#include <zstd.h>
#include <zstd_errors.h>

#include <memory>

#include "zarr/codecs/codec.hpp"

namespace tessera::io::zarr {

namespace {

class ZstdCodec final : public Codec {
 public:
  ZstdCodec(int level, bool checksum) : level_(level), checksum_(checksum) {}

  CodecKind kind() const override { return CodecKind::bytes_to_bytes; }
  std::string name() const override { return "zstd"; }
  nlohmann::json to_json() const override {
    return {{"name", "zstd"}, {"configuration", {{"level", level_}, {"checksum", checksum_}}}};
  }
  std::optional<std::size_t> encoded_size(std::size_t) const override { return std::nullopt; }
  std::size_t encoded_bound(std::size_t decoded) const override {
    return ZSTD_compressBound(decoded);
  }

  Bytes encode(Bytes in, const ChunkSpec&) const override {
    std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> context(ZSTD_createCCtx(), ZSTD_freeCCtx);
    if (!context) throw IoError("zarr: zstd: cannot make a compression context");
    ZSTD_CCtx_setParameter(context.get(), ZSTD_c_compressionLevel, level_);
    ZSTD_CCtx_setParameter(context.get(), ZSTD_c_checksumFlag, checksum_ ? 1 : 0);
    Bytes out(ZSTD_compressBound(in.size()));
    std::size_t written =
        ZSTD_compress2(context.get(), out.data(), out.size(), in.data(), in.size());
    if (ZSTD_isError(written)) {
      throw IoError("zarr: zstd: compressing " + std::to_string(in.size()) +
                    " bytes failed: " + ZSTD_getErrorName(written));
    }
    out.resize(written);
    return out;
  }

  Bytes decode(Bytes in, const ChunkSpec&, SizeHint out, std::string_view chunk) const override {
    if (in.empty()) corrupt_chunk(chunk, name(), "empty");
    std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> context(ZSTD_createDCtx(), ZSTD_freeDCtx);
    if (!context) throw IoError("zarr: zstd: cannot make a decompression context");
    // One call into the buffer itself: streaming would allocate the window that a frame header
    // claims (up to 128 MiB from a few bytes of input).
    Bytes decoded(out.size + 1);
    std::size_t size =
        ZSTD_decompressDCtx(context.get(), decoded.data(), decoded.size(), in.data(), in.size());
    if (ZSTD_isError(size)) {
      switch (ZSTD_getErrorCode(size)) {
        case ZSTD_error_dstSize_tooSmall:
          corrupt_chunk(chunk, name(),
                        "decodes to more than " + std::to_string(out.size) + " bytes");
        case ZSTD_error_srcSize_wrong:
          corrupt_chunk(chunk, name(), "truncated");
        default:
          corrupt_chunk(chunk, name(), std::string("not valid data: ") + ZSTD_getErrorName(size));
      }
    }
    if (size > out.size) {
      corrupt_chunk(chunk, name(), "decodes to more than " + std::to_string(out.size) + " bytes");
    }
    if (out.exact && size != out.size) {
      corrupt_chunk(
          chunk, name(),
          "decodes to " + std::to_string(size) + " bytes, expected " + std::to_string(out.size));
    }
    decoded.resize(size);
    return decoded;
  }

 private:
  int level_;
  bool checksum_;
};

}  // namespace

CodecPtr make_zstd(int level, bool checksum) {
  return std::make_shared<ZstdCodec>(level, checksum);
}

}  // namespace tessera::io::zarr
