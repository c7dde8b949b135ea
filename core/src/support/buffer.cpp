#include "tessera/buffer.hpp"

#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>
#include <new>
#include <string>

#include "support/buffer_cache.hpp"
#include "tessera/demangle.hpp"

namespace tessera {
namespace {

constexpr std::size_t cache_line = 64;
constexpr std::size_t huge_page = std::size_t{2} << 20;
constexpr std::size_t default_cache_limit = std::size_t{1} << 30;

// Freed huge-page blocks, kept for the next allocation of the same size: fresh memory costs
// a page fault and the kernel's zeroing on first touch (about as long as moving the bytes
// over shared memory), and chunked data allocates the same sizes again and again.
class BlockCache {
 public:
  void* take(std::size_t capacity) {
    std::lock_guard lock(mutex_);
    auto found = blocks_.find(capacity);
    if (found == blocks_.end()) return nullptr;
    void* block = found->second;
    blocks_.erase(found);
    cached_ -= capacity;
    return block;
  }
  bool keep(void* block, std::size_t capacity) {
    std::lock_guard lock(mutex_);
    if (cached_ + capacity > limit_) return false;
    blocks_.emplace(capacity, block);
    cached_ += capacity;
    return true;
  }
  std::size_t cached() {
    std::lock_guard lock(mutex_);
    return cached_;
  }
  void set_limit(std::size_t limit) {
    std::multimap<std::size_t, void*> freed;
    {
      std::lock_guard lock(mutex_);
      limit_ = limit;
      while (cached_ > limit_) {  // the biggest blocks go first
        auto last = std::prev(blocks_.end());
        cached_ -= last->first;
        freed.insert(blocks_.extract(last));
      }
    }
    for (auto [capacity, block] : freed) ::operator delete (block, std::align_val_t{huge_page});
  }

 private:
  std::mutex mutex_;
  std::multimap<std::size_t, void*> blocks_;
  std::size_t cached_ = 0;
  std::size_t limit_ = default_cache_limit;
};

BlockCache& block_cache() {
  static auto* cache = new BlockCache;  // never destroyed: buffers may die during exit
  return *cache;
}

}  // namespace

namespace detail {
std::size_t buffer_cache_bytes() noexcept { return block_cache().cached(); }
void set_buffer_cache_limit(std::size_t bytes) noexcept { block_cache().set_limit(bytes); }
}  // namespace detail

Buffer Buffer::allocate(std::size_t bytes) {
  if (bytes == 0) return Buffer();
  // Large buffers are 2 MiB aligned, so that where transparent huge pages are on for all
  // memory the kernel can back them with huge pages. They are not madvise()d for huge pages:
  // with the usual defrag setting that makes the first touch compact memory synchronously,
  // measured here at 0.4-0.7 s for 256 MiB against 0.06 s for small pages.
  const bool huge = bytes >= huge_page;
  const std::size_t alignment = huge ? huge_page : cache_line;
  const std::size_t capacity = (bytes + alignment - 1) / alignment * alignment;
  void* memory = huge ? block_cache().take(capacity) : nullptr;
  if (!memory) memory = ::operator new (capacity, std::align_val_t{alignment});
  std::shared_ptr<void> owner(memory, [alignment, capacity, huge](void* pointer) {
    if (huge && block_cache().keep(pointer, capacity)) return;
    ::operator delete (pointer, std::align_val_t{alignment});
  });
  return Buffer(std::move(owner), static_cast<std::byte*>(memory), bytes);
}

Buffer Buffer::copy_of(const void* data, std::size_t bytes) {
  Buffer copy = allocate(bytes);
  if (bytes != 0) std::memcpy(copy.data_, data, bytes);
  return copy;
}

Buffer Buffer::borrow(const void* data, std::size_t bytes, std::shared_ptr<const void> keepalive) {
  if (bytes == 0) return Buffer();
  // Buffer hands out mutable pointers; whether writing is allowed is the lender's business.
  return Buffer(std::move(keepalive), static_cast<std::byte*>(const_cast<void*>(data)), bytes);
}

void Buffer::throw_bad_span(std::size_t element_size, std::size_t alignment,
                            const std::type_info& element) const {
  const std::string name = detail::demangle(element.name());
  if (size_ % element_size != 0) {
    throw SerializationError("Buffer::as_span<" + name + ">: the buffer has " +
                             std::to_string(size_) + " bytes, not a multiple of sizeof(" + name +
                             ") = " + std::to_string(element_size));
  }
  throw SerializationError("Buffer::as_span<" + name + ">: the buffer's data is at address " +
                           std::to_string(reinterpret_cast<std::uintptr_t>(data_)) +
                           ", not aligned to alignof(" + name + ") = " + std::to_string(alignment));
}

}  // namespace tessera
