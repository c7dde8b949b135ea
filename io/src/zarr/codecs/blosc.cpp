// The blosc codec (c-blosc 1): lz4, lz4hc, zstd, blosclz or zlib inside, with byte or bit
// shuffle. Decoding validates the header against the bytes at hand before c-blosc reads them.

#include <blosc.h>

#include <limits>

#include "store/spare_bytes.hpp"
#include "zarr/codecs/codec.hpp"

namespace tessera::io::zarr {

namespace {

const char* shuffle_name(BloscShuffle shuffle) {
  switch (shuffle) {
    case BloscShuffle::none:
      return "noshuffle";
    case BloscShuffle::byte:
      return "shuffle";
    case BloscShuffle::bit:
      return "bitshuffle";
  }
  return "noshuffle";
}

int shuffle_code(BloscShuffle shuffle) {
  switch (shuffle) {
    case BloscShuffle::none:
      return BLOSC_NOSHUFFLE;
    case BloscShuffle::byte:
      return BLOSC_SHUFFLE;
    case BloscShuffle::bit:
      return BLOSC_BITSHUFFLE;
  }
  return BLOSC_NOSHUFFLE;
}

class BloscCodec final : public Codec {
 public:
  BloscCodec(std::string cname, int clevel, BloscShuffle shuffle, std::size_t typesize,
             std::size_t blocksize)
      : cname_(std::move(cname)),
        clevel_(clevel),
        shuffle_(shuffle),
        typesize_(typesize),
        blocksize_(blocksize) {}

  CodecKind kind() const override { return CodecKind::bytes_to_bytes; }
  std::string name() const override { return "blosc"; }
  nlohmann::json to_json() const override {
    return {{"name", "blosc"},
            {"configuration",
             {{"cname", cname_},
              {"clevel", clevel_},
              {"shuffle", shuffle_name(shuffle_)},
              {"typesize", typesize_},
              {"blocksize", blocksize_}}}};
  }
  std::optional<std::size_t> encoded_size(std::size_t) const override { return std::nullopt; }
  std::size_t encoded_bound(std::size_t decoded) const override {
    return decoded + BLOSC_MAX_OVERHEAD;
  }

  Bytes encode(Bytes in, const ChunkSpec& spec) const override {
    if (in.size() > static_cast<std::size_t>(BLOSC_MAX_BUFFERSIZE)) {
      throw IoError("zarr: blosc: a chunk of " + std::to_string(in.size()) +
                    " bytes is larger than blosc allows (" + std::to_string(BLOSC_MAX_BUFFERSIZE) +
                    ")");
    }
    std::size_t typesize = typesize_ ? typesize_ : spec.itemsize;
    Bytes out = detail::take_bytes(in.size() + BLOSC_MAX_OVERHEAD);
    int written =
        blosc_compress_ctx(clevel_, shuffle_code(shuffle_), typesize, in.size(), in.data(),
                           out.data(), out.size(), cname_.c_str(), blocksize_, 1);
    if (written <= 0) {
      throw IoError("zarr: blosc: compressing " + std::to_string(in.size()) + " bytes with " +
                    cname_ + " failed (c-blosc returned " + std::to_string(written) + ")");
    }
    out.resize(static_cast<std::size_t>(written));
    detail::keep_bytes(std::move(in));
    return out;
  }

  Bytes decode(Bytes in, const ChunkSpec&, SizeHint out, std::string_view chunk) const override {
    if (in.size() < BLOSC_MIN_HEADER_LENGTH) {
      corrupt_chunk(chunk, name(),
                    std::to_string(in.size()) + " bytes, fewer than a blosc header (" +
                        std::to_string(BLOSC_MIN_HEADER_LENGTH) + ")");
    }
    std::size_t nbytes = 0, cbytes = 0, blocksize = 0;
    blosc_cbuffer_sizes(in.data(), &nbytes, &cbytes, &blocksize);
    if (cbytes != in.size()) {
      corrupt_chunk(chunk, name(),
                    "the header says " + std::to_string(cbytes) +
                        " compressed bytes, the chunk has " + std::to_string(in.size()));
    }
    if ((out.exact && nbytes != out.size) || nbytes > out.size) {
      corrupt_chunk(chunk, name(),
                    "the header says " + std::to_string(nbytes) + " bytes decoded, expected " +
                        (out.exact ? "" : "at most ") + std::to_string(out.size));
    }
    std::size_t checked = 0;
    if (blosc_cbuffer_validate(in.data(), in.size(), &checked) != 0 || checked != nbytes) {
      corrupt_chunk(chunk, name(), "not a valid blosc buffer");
    }
    Bytes decoded = detail::take_bytes(nbytes);
    int got = blosc_decompress_ctx(in.data(), decoded.data(), decoded.size(), 1);
    if (got < 0 || static_cast<std::size_t>(got) != nbytes) {
      corrupt_chunk(chunk, name(),
                    "the data does not decompress (c-blosc returned " + std::to_string(got) + ")");
    }
    detail::keep_bytes(std::move(in));
    return decoded;
  }

 private:
  std::string cname_;
  int clevel_;
  BloscShuffle shuffle_;
  std::size_t typesize_;
  std::size_t blocksize_;
};

}  // namespace

CodecPtr make_blosc(std::string cname, int clevel, BloscShuffle shuffle, std::size_t typesize,
                    std::size_t blocksize) {
  if (blosc_compname_to_compcode(cname.c_str()) < 0) {
    throw IoError("zarr: blosc: compressor \"" + cname +
                  "\" is not one this c-blosc has (expected one of blosclz, lz4, lz4hc, zlib, "
                  "zstd)");
  }
  return std::make_shared<BloscCodec>(std::move(cname), clevel, shuffle, typesize, blocksize);
}

}  // namespace tessera::io::zarr
