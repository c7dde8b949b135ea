#pragma once
// The byte form of the runtime's control messages: plain values appended to a byte vector
// and read back with bounds checks. Every rank runs the same binary, so values are copied
// bitwise.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "tessera/serialize.hpp"

namespace tessera::detail {

class WireWriter {
 public:
  explicit WireWriter(std::vector<std::byte>& out) noexcept : out_(out) {}

  template <class T>
  requires std::is_trivially_copyable_v<T>
  void put(const T& value) {
    const auto offset = out_.size();
    out_.resize(offset + sizeof(T));
    std::memcpy(out_.data() + offset, &value, sizeof(T));
  }
  void put_bytes(const void* data, std::size_t size) {
    put<std::uint64_t>(size);
    const auto offset = out_.size();
    out_.resize(offset + size);
    if (size) std::memcpy(out_.data() + offset, data, size);
  }
  void put_string(std::string_view text) { put_bytes(text.data(), text.size()); }
  /// An unsigned integer in as few bytes as it needs (LEB128: 7 bits a byte, low first): a
  /// count or id below 128 takes one byte. For what is stored per task (task specs).
  void put_varint(std::uint64_t value) {
    Room room = make_room(max_varint_bytes);
    room.put_varint(value);
    room.done();
  }
  /// Bytes after their length as a varint.
  void put_short_bytes(std::span<const std::byte> bytes) {
    Room room = make_room(max_varint_bytes + bytes.size());
    room.put_short_bytes(bytes);
    room.done();
  }
  void put_short_string(std::string_view text) { put_short_bytes(std::as_bytes(std::span(text))); }
  static constexpr std::size_t max_varint_bytes = 10;

  /// Room for at most `most` bytes at the end of the message, written field by field as the
  /// WireWriter would write them and trimmed by done(): one resize for a record of many small
  /// fields (a task spec) instead of one per field.
  class Room {
   public:
    template <class T>
    requires std::is_trivially_copyable_v<T>
    void put(const T& value) noexcept {
      std::memcpy(at_, &value, sizeof(T));
      at_ += sizeof(T);
    }
    void put_varint(std::uint64_t value) noexcept {
      for (; value >= 0x80; value >>= 7) *at_++ = std::byte((value & 0x7f) | 0x80);
      *at_++ = std::byte(value);
    }
    void put_short_bytes(std::span<const std::byte> bytes) noexcept {
      put_varint(bytes.size());
      if (!bytes.empty()) std::memcpy(at_, bytes.data(), bytes.size());
      at_ += bytes.size();
    }
    void put_short_string(std::string_view text) noexcept {
      put_short_bytes(std::as_bytes(std::span(text)));
    }
    /// Gives back what was not written.
    void done() { out_.resize(static_cast<std::size_t>(at_ - out_.data())); }

   private:
    friend class WireWriter;
    Room(std::vector<std::byte>& out, std::byte* at) noexcept : out_(out), at_(at) {}
    std::vector<std::byte>& out_;
    std::byte* at_;
  };
  Room make_room(std::size_t most) {
    const auto offset = out_.size();
    out_.resize(offset + most);
    return Room(out_, out_.data() + offset);
  }

  template <class T>
  requires std::is_trivially_copyable_v<T>
  void put_vector(const std::vector<T>& values) {
    put<std::uint64_t>(values.size());
    const auto offset = out_.size();
    out_.resize(offset + values.size() * sizeof(T));
    if (!values.empty())
      std::memcpy(out_.data() + offset, values.data(), values.size() * sizeof(T));
  }
  /// Frames inline: header and buffers copied into the message.
  void put_frames(const Frames& frames);

  /// put() each value in turn with one resize of the message, for messages sent per task: a
  /// span of bytes, a string_view or a vector goes as put_bytes(), put_string() or
  /// put_vector() would write it.
  template <class... T>
  void put_all(const T&... values) {
    const auto offset = out_.size();
    out_.resize(offset + (size_of(values) + ...));
    std::byte* at = out_.data() + offset;
    ((at = write_at(at, values)), ...);
  }

 private:
  template <class T>
  static std::size_t size_of(const T&) noexcept {
    return sizeof(T);
  }
  static std::size_t size_of(std::span<const std::byte> bytes) noexcept {
    return sizeof(std::uint64_t) + bytes.size();
  }
  static std::size_t size_of(std::string_view text) noexcept {
    return sizeof(std::uint64_t) + text.size();
  }
  template <class T>
  static std::size_t size_of(const std::vector<T>& values) noexcept {
    return sizeof(std::uint64_t) + values.size() * sizeof(T);
  }
  template <class T>
  requires std::is_trivially_copyable_v<T>
  static std::byte* write_at(std::byte* at, const T& value) noexcept {
    std::memcpy(at, &value, sizeof(T));
    return at + sizeof(T);
  }
  static std::byte* write_at(std::byte* at, std::span<const std::byte> bytes) noexcept {
    at = write_at(at, static_cast<std::uint64_t>(bytes.size()));
    if (!bytes.empty()) std::memcpy(at, bytes.data(), bytes.size());
    return at + bytes.size();
  }
  static std::byte* write_at(std::byte* at, std::string_view text) noexcept {
    return write_at(at, std::as_bytes(std::span(text)));
  }
  template <class T>
  static std::byte* write_at(std::byte* at, const std::vector<T>& values) noexcept {
    at = write_at(at, static_cast<std::uint64_t>(values.size()));
    if (!values.empty()) std::memcpy(at, values.data(), values.size() * sizeof(T));
    return at + values.size() * sizeof(T);
  }

  std::vector<std::byte>& out_;
};

class WireReader {
 public:
  /// `what` names the message in errors ("assign message from rank 2").
  WireReader(std::span<const std::byte> bytes, std::string what) noexcept
      : bytes_(bytes), what_(std::move(what)) {}
  /// Names the message in errors as "<what><suffix> from rank <source>" ("assign message
  /// from rank 2"), a name made only if it fails: the progress loop reads a message per task.
  WireReader(std::span<const std::byte> bytes, const char* what, const char* suffix,
             int source) noexcept
      : bytes_(bytes), what_prefix_(what), what_suffix_(suffix), source_(source) {}

  template <class T>
  requires std::is_trivially_copyable_v<T> T get() {
    T value;
    std::memcpy(&value, take(sizeof(T)), sizeof(T));
    return value;
  }
  std::span<const std::byte> get_bytes() {
    const auto size = get<std::uint64_t>();
    return {take(size), size};
  }
  std::string get_string() { return std::string(get_string_view()); }
  /// What put_varint() wrote; an error if it runs past the message or over 64 bits.
  std::uint64_t get_varint() {
    std::uint64_t value = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      const auto byte = static_cast<std::uint64_t>(*take(1));
      if (shift == 63 && byte > 1) break;
      value |= (byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value;
    }
    fail_varint();
  }
  /// What put_short_bytes() / put_short_string() wrote.
  std::span<const std::byte> get_short_bytes() {
    const auto size = get_varint();
    return {take(size), size};
  }
  std::string_view get_short_string_view() {
    auto bytes = get_short_bytes();
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
  /// A string that lives as long as the bytes read.
  std::string_view get_string_view() {
    auto bytes = get_bytes();
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
  template <class T>
  requires std::is_trivially_copyable_v<T> std::vector<T> get_vector() {
    std::vector<T> values;
    get_vector_into(values);
    return values;
  }
  /// Reads a vector into `values`, reusing its memory.
  template <class T>
  requires std::is_trivially_copyable_v<T>
  void get_vector_into(std::vector<T>& values) {
    const auto count = get<std::uint64_t>();
    if (count > remaining() / (sizeof(T) ? sizeof(T) : 1)) fail(sizeof(T) * count);
    values.resize(count);
    if (count) std::memcpy(values.data(), take(count * sizeof(T)), count * sizeof(T));
  }
  Frames get_frames();
  /// The same into `frames`, whose vectors keep their memory (a worker reads one per literal).
  void get_frames_into(Frames& frames);

  std::size_t remaining() const noexcept { return bytes_.size() - offset_; }
  std::size_t offset() const noexcept { return offset_; }
  bool at_end() const noexcept { return offset_ == bytes_.size(); }

 private:
  const std::byte* take(std::size_t size) {
    if (size > remaining()) fail(size);
    const auto* at = bytes_.data() + offset_;
    offset_ += size;
    return at;
  }
  [[noreturn]] void fail(std::size_t wanted) const;
  [[noreturn]] void fail_varint() const;

  std::span<const std::byte> bytes_;
  std::size_t offset_ = 0;
  std::string name() const;

  std::string what_;
  const char* what_prefix_ = nullptr;
  const char* what_suffix_ = "";
  int source_ = -1;
};

}  // namespace tessera::detail
