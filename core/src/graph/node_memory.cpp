// Memory for graph nodes. A graph makes and releases one node per task, of a few sizes; glibc
// takes about 170 instructions for each malloc and each free of such a node (larger than its
// fast bins), about half the cost of recording and releasing a call. Each thread
// keeps the nodes that it releases, up to 512 KiB of each size, for the next ones it makes;
// what it cannot keep goes back to the system allocator at once, so memory stays bounded.
// A node made on one thread and released on another joins the releasing thread's nodes.

#include "graph/node_memory.hpp"

#include <cstddef>
#include <cstdint>
#include <new>

#include "tessera/detail/node.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define TESSERA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TESSERA_ASAN 1
#endif
#endif
#ifdef TESSERA_ASAN
#include <sanitizer/asan_interface.h>
// A kept node is poisoned past its link, so that a use after its release is still reported.
#define TESSERA_POISON(p, bytes) ASAN_POISON_MEMORY_REGION(p, bytes)
#define TESSERA_UNPOISON(p, bytes) ASAN_UNPOISON_MEMORY_REGION(p, bytes)
#else
#define TESSERA_POISON(p, bytes) ((void)(p), (void)(bytes))
#define TESSERA_UNPOISON(p, bytes) ((void)(p), (void)(bytes))
#endif

namespace tessera::detail {
namespace {

// Sizes in steps of 8 bytes, up to 512: a node takes no more than malloc would give it (which
// rounds to 16 with its 8-byte header).
constexpr std::size_t granule = 8;
constexpr std::size_t size_classes = 64;
constexpr std::size_t kept_bytes = node_memory_kept_per_size;

struct Kept {
  Kept* next;
};

struct ThreadNodes {
  Kept* first[size_classes] = {};
  std::size_t count[size_classes] = {};

  ~ThreadNodes();
};

// Set once this thread's nodes are gone (at its exit): later releases go to the system.
thread_local bool thread_nodes_gone = false;
thread_local ThreadNodes thread_nodes;

ThreadNodes::~ThreadNodes() {
  thread_nodes_gone = true;
  for (std::size_t c = 0; c < size_classes; ++c) {
    while (Kept* kept = first[c]) {
      TESSERA_UNPOISON(kept, (c + 1) * granule);
      first[c] = kept->next;
      ::operator delete(kept);
    }
  }
}

std::size_t size_class(std::size_t bytes) noexcept { return (bytes - 1) / granule; }

}  // namespace

void* allocate_node_memory(std::size_t bytes) {
  const std::size_t c = size_class(bytes);
  if (c < size_classes && !thread_nodes_gone) {
    ThreadNodes& nodes = thread_nodes;
    if (Kept* kept = nodes.first[c]) {
      TESSERA_UNPOISON(kept, (c + 1) * granule);
      nodes.first[c] = kept->next;
      --nodes.count[c];
      return kept;
    }
    return ::operator new((c + 1) * granule);
  }
  return ::operator new(bytes);
}

std::size_t node_memory_kept_by_this_thread() noexcept {
  if (thread_nodes_gone) return 0;
  std::size_t bytes = 0;
  for (std::size_t c = 0; c < size_classes; ++c) bytes += thread_nodes.count[c] * (c + 1) * granule;
  return bytes;
}

void release_node_memory(void* memory, std::size_t bytes) noexcept {
  const std::size_t c = size_class(bytes);
  if (c < size_classes && !thread_nodes_gone) {
    ThreadNodes& nodes = thread_nodes;
    if ((nodes.count[c] + 1) * (c + 1) * granule <= kept_bytes) {
      auto* kept = static_cast<Kept*>(memory);
      kept->next = nodes.first[c];
      nodes.first[c] = kept;
      ++nodes.count[c];
      TESSERA_POISON(reinterpret_cast<std::byte*>(kept) + sizeof(Kept),
                     (c + 1) * granule - sizeof(Kept));
      return;
    }
  }
  ::operator delete(memory);
}

}  // namespace tessera::detail
