#pragma once
// The codecs of Zarr: a chunk (an array of elements in C order) is encoded by a chain of
// array->array codecs (transpose), one array->bytes codec (bytes, sharding_indexed) and
// bytes->bytes codecs (blosc, gzip, zlib, zstd, crc32c). Zarr v2's order, dtype byte order and
// compressor map onto the same chain.
//
// Decoding never trusts a length read from the data: every decode is given the exact size of
// its output when the chain determines it, and otherwise a limit, and fails with an IoError
// naming the chunk and the codec when the data says otherwise.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tessera/errors.hpp>
#include <tessera/io/store.hpp>
#include <vector>

namespace tessera::io::zarr {

using Shape = std::vector<std::int64_t>;

/// What a codec sees: an array of this shape and element size (C order).
struct ChunkSpec {
  Shape shape;
  std::size_t itemsize = 1;
  /// One element of the array's fill value (native byte order); empty means zeros. Sharding
  /// fills the inner chunks that a shard lacks with it.
  Bytes fill;
  std::size_t bytes() const;
};

/// The size a decode must produce: exactly `size` bytes, or at most `size` when not exact.
struct SizeHint {
  std::size_t size = 0;
  bool exact = true;
};

enum class CodecKind { array_to_array, array_to_bytes, bytes_to_bytes };

class Codec {
 public:
  virtual ~Codec() = default;
  virtual CodecKind kind() const = 0;
  /// The v3 name ("blosc", "bytes", ...), also used in messages.
  virtual std::string name() const = 0;
  /// The v3 metadata form: {"name": ..., "configuration": {...}}.
  virtual nlohmann::json to_json() const = 0;

  /// The spec of what this codec produces from an input of `in` (array->array codecs change it).
  virtual ChunkSpec encoded_spec(const ChunkSpec& in) const { return in; }
  /// The exact encoded size of `decoded` bytes, when it does not depend on the data.
  virtual std::optional<std::size_t> encoded_size(std::size_t decoded) const = 0;
  /// An upper bound of the encoded size of `decoded` bytes.
  virtual std::size_t encoded_bound(std::size_t decoded) const = 0;

  /// Encodes `in`, an input described by `spec`.
  virtual Bytes encode(Bytes in, const ChunkSpec& spec) const = 0;
  /// Decodes `in` into the input described by `spec`, whose size is `out`; `chunk` names the
  /// chunk in errors.
  virtual Bytes decode(Bytes in, const ChunkSpec& spec, SizeHint out,
                       std::string_view chunk) const = 0;
};

using CodecPtr = std::shared_ptr<const Codec>;

/// A codec from its v3 metadata; `where` ("era5.zarr/t2m/zarr.json: codecs[1]") names it in
/// errors, which name unknown codecs and bad configuration fields.
CodecPtr codec_from_json(const nlohmann::json& json, std::string_view where);

/// Throws the IoError of a chunk that does not decode: names the chunk, the codec, the problem.
[[noreturn]] void corrupt_chunk(std::string_view chunk, std::string_view codec,
                                const std::string& problem);

/// The chain of codecs of an array (or of the inner chunks or the index of a shard).
class CodecChain {
 public:
  CodecChain() = default;
  /// Checks the order (array->array*, one array->bytes, bytes->bytes*); `where` names the
  /// metadata in errors.
  CodecChain(std::vector<CodecPtr> codecs, std::string_view where);

  const std::vector<CodecPtr>& codecs() const { return codecs_; }
  nlohmann::json to_json() const;

  /// The exact encoded size of a chunk of `spec`, when no codec depends on the data.
  std::optional<std::size_t> encoded_size(const ChunkSpec& spec) const;
  std::size_t encoded_bound(const ChunkSpec& spec) const;

  /// Encodes a chunk of `spec` in C order (native byte order).
  Bytes encode(Bytes chunk, const ChunkSpec& spec) const;
  /// Decodes a stored chunk into `spec.bytes()` bytes in C order; `chunk` names it in errors.
  Bytes decode(Bytes stored, const ChunkSpec& spec, std::string_view chunk) const;

 private:
  std::vector<CodecPtr> codecs_;
};

// The codecs, made from their parameters (the JSON forms go through codec_from_json).
enum class BloscShuffle { none, byte, bit };
CodecPtr make_blosc(std::string cname, int clevel, BloscShuffle shuffle, std::size_t typesize,
                    std::size_t blocksize = 0);
CodecPtr make_zlib(int level);
CodecPtr make_gzip(int level);
CodecPtr make_zstd(int level, bool checksum = false);
CodecPtr make_crc32c();
CodecPtr make_bytes(bool big_endian);
CodecPtr make_transpose(std::vector<std::size_t> order);

}  // namespace tessera::io::zarr
