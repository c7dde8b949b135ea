#pragma once
// Internals of tessera/serialize.hpp: type fingerprints, and the Writer and Reader that the
// codecs (detail/serialize_codecs.hpp) append to and read from a header.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <typeinfo>
#include <vector>

#include "tessera/buffer.hpp"

namespace tessera {

struct Frames;  // tessera/serialize.hpp

namespace detail {

// The Boost archives of a header (tessera/serialize_boost.hpp): one per Writer or Reader,
// created when the first Boost-serialized value is met.
class BoostOutput;
class BoostInput;
struct BoostOutputDeleter {
  void operator()(BoostOutput* archive) const noexcept;
};
struct BoostInputDeleter {
  void operator()(BoostInput* archive) const noexcept;
};

/// 64-bit FNV-1a of typeid(...).name(); also remembers the name for error messages.
std::uint64_t register_type(const std::type_info& type);

template <class T>
std::uint64_t fingerprint() {
  static const std::uint64_t value = register_type(typeid(T));
  return value;
}
// Registers every type the program (de)serializes at startup, so that a process can name the
// type of frames that another process sent even if it never handled that type itself.
template <class T>
inline const std::uint64_t startup_fingerprint = fingerprint<T>();

[[noreturn]] void throw_serialize_error(const std::type_info& type, const std::string& problem);

/// Appends a value's wire form to Frames. Large contiguous runs become borrowed buffers.
class Writer {
 public:
  explicit Writer(Frames& frames) noexcept;
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  ~Writer();

  void bytes(const void* data, std::size_t size) {
    const auto* first = static_cast<const std::byte*>(data);
    header_.insert(header_.end(), first, first + size);
  }
  template <class U>
  void scalar(U value) {
    bytes(&value, sizeof value);
  }
  void zeros(std::size_t size) { header_.resize(header_.size() + size); }
  /// A contiguous run, inline or (when large) as a buffer borrowing `data`.
  void run(const void* data, std::size_t size);
  /// A Buffer's bytes, inline or (when large) as the Buffer itself, shared.
  void shared_run(const Buffer& buffer);

  /// Starts a length-prefixed Boost archive in the header; returns the archive to write to.
  BoostOutput& begin_archive();
  void end_archive();

 private:
  std::vector<std::byte>& header_;
  std::vector<Buffer>& buffers_;
  std::unique_ptr<BoostOutput, BoostOutputDeleter>
      archive_;  // created on first use, shared by all Boost values
  std::size_t archive_length_at_ = 0;
};

/// Reads a value's wire form from Frames; every read is bounds-checked.
class Reader {
 public:
  Reader(const Frames& frames, const std::type_info& type) noexcept;
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  ~Reader();

  std::size_t offset() const noexcept { return offset_; }

  /// Copies the next `size` bytes out; `what` (and `of`) name them in the error message.
  void take(void* out, std::size_t size, const char* what, const std::type_info* of = nullptr) {
    if (size > size_ - offset_) throw_truncated(size, what, of);
    if (size != 0) std::memcpy(out, data_ + offset_, size);
    offset_ += size;
  }
  template <class U>
  U scalar(const char* what) {
    U value;
    take(&value, sizeof value, what);
    return value;
  }
  /// An element count, checked against the bytes left (each element needs min_size).
  std::size_t count(std::size_t min_size, const std::type_info& element);

  /// A contiguous run: `size` bytes at `data`, inside the header or in `buffer`.
  struct Run {
    const std::byte* data;
    std::size_t size;
    const Buffer* buffer;  // the out-of-band buffer, or null
  };
  /// Reads a run whose length must be a multiple of `element_size`.
  Run run(std::size_t element_size, const std::type_info& element);

  /// Starts reading a length-prefixed Boost archive of `type`; reads stop at its end.
  BoostInput& begin_archive(const std::type_info& type);
  /// Checks that the archive was read exactly to its end.
  void end_archive(const std::type_info& type);

  void expect_fingerprint(std::uint64_t expected);
  void expect_end() const;

  /// Throws SerializationError: "tessera::deserialize<T>: at offset `at`: `problem`".
  [[noreturn]] void fail(std::size_t at, const std::string& problem) const;

 private:
  [[noreturn]] void throw_truncated(std::size_t size, const char* what,
                                    const std::type_info* of) const;

  const std::byte* data_;
  std::size_t size_;
  std::size_t offset_ = 0;
  const std::vector<Buffer>& buffers_;
  const std::type_info& type_;
  std::unique_ptr<BoostInput, BoostInputDeleter> archive_;
  std::size_t archive_begin_ = 0;
  std::size_t archive_end_ = 0;
};

}  // namespace detail
}  // namespace tessera
