#pragma once
// Buffer: reference-counted contiguous bytes, the form in which chunk payloads move through
// the engine and over MPI without being copied.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "tessera/errors.hpp"

namespace tessera {

/// Reference-counted contiguous bytes. Copies share the memory (no byte copies); this is
/// how large chunk payloads move through the engine and, later, over MPI. Writing through
/// data() is seen by every copy; a borrowed Buffer must not be written through.
class Buffer {
 public:
  /// An empty Buffer (size 0, data() null).
  Buffer() noexcept = default;

  /// `bytes` uninitialized bytes, 64-byte aligned. At 2 MiB and above the memory is aligned
  /// to 2 MiB and advised for transparent huge pages (madvise(MADV_HUGEPAGE)), and freed
  /// blocks are kept (up to 1 GiB per process; on a worker with a memory limit, an eighth of
  /// it) for the next allocation of the same size.
  static Buffer allocate(std::size_t bytes);

  /// A new Buffer holding a copy of `bytes` bytes at `data`.
  static Buffer copy_of(const void* data, std::size_t bytes);

  /// Wraps memory owned elsewhere without copying; keepalive (may be null) is held as long
  /// as any copy lives. Without a keepalive the memory must outlive every copy.
  static Buffer borrow(const void* data, std::size_t bytes,
                       std::shared_ptr<const void> keepalive = {});

  Buffer(const Buffer&) = default;
  Buffer& operator=(const Buffer&) = default;
  /// A moved-from Buffer is empty.
  Buffer(Buffer&& other) noexcept
      : owner_(std::move(other.owner_)),
        data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)) {}
  Buffer& operator=(Buffer&& other) noexcept {
    owner_ = std::move(other.owner_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    return *this;
  }
  ~Buffer() = default;

  std::byte* data() noexcept { return data_; }
  const std::byte* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  /// The bytes as elements of T. Throws SerializationError if size() is not a multiple of
  /// sizeof(T) or data() is not aligned for T.
  template <class T>
  requires std::is_trivially_copyable_v<T> std::span<T> as_span() {
    check_span(sizeof(T), alignof(T), typeid(T));
    return {reinterpret_cast<T*>(data_), size_ / sizeof(T)};
  }
  template <class T>
  requires std::is_trivially_copyable_v<T> std::span<const T> as_span()
  const {
    check_span(sizeof(T), alignof(T), typeid(T));
    return {reinterpret_cast<const T*>(data_), size_ / sizeof(T)};
  }

 private:
  Buffer(std::shared_ptr<const void> owner, std::byte* data, std::size_t size) noexcept
      : owner_(std::move(owner)), data_(data), size_(size) {}

  void check_span(std::size_t element_size, std::size_t alignment,
                  const std::type_info& element) const {
    if (size_ % element_size != 0 || reinterpret_cast<std::uintptr_t>(data_) % alignment != 0) {
      throw_bad_span(element_size, alignment, element);
    }
  }
  [[noreturn]] void throw_bad_span(std::size_t element_size, std::size_t alignment,
                                   const std::type_info& element) const;

  std::shared_ptr<const void> owner_;  // keeps data_ alive; null for unowned borrows
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace tessera
