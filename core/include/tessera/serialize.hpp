#pragma once
// Serialization: a value to Frames (a small header of bytes plus out-of-band buffers) and back.
// What is serializable: see Serializable below. A type with a Boost.Serialization serialize()
// is serialized through Boost once the file that serializes it includes
// tessera/serialize_boost.hpp (without it, compiling says to include it).
//
//   std::vector<double> samples(1 << 20);
//   tessera::Frames frames = tessera::serialize(samples);   // header ~25 bytes, 1 buffer
//   auto copy = tessera::deserialize<std::vector<double>>(frames);
//
// Homogeneous machines only: every process must agree on endianness, type sizes and ABI
// (the usual HPC cluster, and always true for ranks running the same binary). Values are
// copied bitwise, never converted.
//
// Out-of-band buffers BORROW the value's storage: serialize(v) does not copy the large
// vectors and strings inside v, so v must outlive the Frames and stay unmodified until they
// have been sent or deserialized. Buffers inside v are shared instead (reference counted) and
// carry no such constraint.
//
// Wire form of the header: [u64 type fingerprint][value]. Scalars and trivially copyable
// structs are their bytes (padding included, as it happens to be); containers are an u64
// element count followed by the elements; contiguous runs (std::string, vectors of trivially
// copyable elements, Buffer, trivially copyable values of at least out_of_band_threshold
// bytes) are [u8 where][u64 byte length] followed by the bytes (where = 0) or by the u64
// index of a buffer in Frames::buffers (where = 1, runs of at least out_of_band_threshold
// bytes); Boost-serialized values are [u64 length][binary archive bytes], all archives of one
// header being parts of a single Boost archive (class information is written once).
//
// Reading never trusts a length: every element count, string length and buffer index read
// from a header is checked against the bytes that are left before anything is allocated, so
// a corrupt header costs no more memory than it holds and throws SerializationError.

#include <cstddef>
#include <type_traits>
#include <vector>

#include "tessera/buffer.hpp"

namespace tessera {

/// The wire form of a value: a small header of bytes plus out-of-band buffers that are
/// referenced, not copied (like pickle protocol 5). MPI sends header and each buffer as is.
struct Frames {
  std::vector<std::byte> header;
  std::vector<Buffer> buffers;
  /// Bytes in the header and all buffers together.
  std::size_t total_bytes() const noexcept {
    std::size_t total = header.size();
    for (const Buffer& buffer : buffers) total += buffer.size();
    return total;
  }
};

/// Contiguous runs at least this big go out of band (into Frames::buffers).
inline constexpr std::size_t out_of_band_threshold = 64 * 1024;

/// Specialize as std::true_type for a type whose Boost.Serialization support is a free
/// `serialize(Archive&, T&, unsigned)` or a private member (with `friend class
/// boost::serialization::access`). Public member `serialize` templates are found without it.
/// Either way, the files that serialize T include tessera/serialize_boost.hpp.
template <class T>
struct use_boost_serialization : std::false_type {};

namespace detail {
template <class T>
struct Codec;
}  // namespace detail

/// True exactly for the types serialize() and deserialize() accept: arithmetic types, enums,
/// trivially copyable structs (copied bitwise; must not hold pointers), std::string,
/// std::vector, std::array, std::pair, std::tuple, std::optional, std::variant, std::map,
/// std::unordered_map, std::set, std::unordered_set, std::deque and tessera::Buffer, nested
/// arbitrarily, and default-constructible types with Boost.Serialization support (a public
/// member `serialize`, or use_boost_serialization; see tessera/serialize_boost.hpp). Boost
/// support takes precedence over the bitwise copy, and a struct with a `serialize` member
/// that is not public is not copied bitwise either (opt in with use_boost_serialization).
/// Raw pointers, std::string_view and std::span are not serializable.
///
/// To make a type of your own serializable: a plain struct of numbers (trivially copyable) is
/// already; otherwise give it a Boost `serialize(Archive&, unsigned)` member template and
/// include tessera/serialize_boost.hpp where it is serialized.
template <class T>
concept Serializable = detail::Codec<T>::supported;

/// The wire form of `value`. Large contiguous runs inside it are borrowed, not copied: see
/// the top of this file.
template <class T>
Frames serialize(const T& value);

/// The T that `frames` encodes. Throws SerializationError, naming what was expected at which
/// offset, when the frames hold another type or are truncated or corrupt. An out-of-band
/// Buffer is returned sharing the frame's memory; vectors and strings copy out of it once.
template <class T>
T deserialize(const Frames& frames);

}  // namespace tessera

#include "tessera/detail/serialize_codecs.hpp"  // IWYU pragma: export
