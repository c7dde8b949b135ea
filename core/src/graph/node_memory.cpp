// Memory for graph nodes. A graph makes and releases one node per task, of a few sizes; glibc
// takes about 200 instructions for each malloc and each free of such a node (larger than its
// fast bins), about a fifth of the cost of recording, running and releasing a call. Each thread
// keeps the nodes that it releases, up to 512 KiB of each size, for the next ones it makes;
// what it cannot keep goes back at once, so memory stays bounded. A node made on one thread
// and released on another joins the releasing thread's nodes.
// The other nodes are cut from slabs of 16 KiB that each thread takes from the system in turn:
// a malloc for 100-odd nodes, each with a link to its slab where malloc keeps its header. A slab
// goes back to the system when the last node cut from it does. Under ASan each node is its own
// allocation, so that ASan sees every overflow and every use after release.

#include "graph/node_memory.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
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

std::size_t class_bytes(std::size_t c) noexcept { return (c + 1) * granule; }

#ifdef TESSERA_ASAN
void* fresh_node(std::size_t c) { return ::operator new(class_bytes(c)); }
void give_back(void* node) noexcept { ::operator delete(node); }
struct Slabs {
  void retire() noexcept {}
};
#else
constexpr std::size_t slab_bytes = std::size_t{16} << 10;
constexpr std::size_t node_alignment = alignof(std::max_align_t);

// At a slab's start: the nodes cut from it and not given back, less the nodes cut until the
// thread that cuts from it moves on (then it adds them, so that the count reaches zero only
// once every node has come back). Before each node, the slab it was cut from.
struct SlabHeader {
  std::atomic<std::int64_t> out{0};
};
constexpr std::size_t back_link = sizeof(SlabHeader*);
static_assert(sizeof(SlabHeader) == back_link && node_alignment % back_link == 0);

std::atomic<std::size_t> slabs_held{0};

void free_slab(SlabHeader* header) noexcept {
  header->~SlabHeader();
  ::operator delete(static_cast<void*>(header));
  slabs_held.fetch_sub(1, std::memory_order_relaxed);
}

// The last of a slab's nodes to come back, once its thread has moved on, frees it.
void give_back(void* node) noexcept {
  SlabHeader* header;
  std::memcpy(&header, static_cast<std::byte*>(node) - back_link, back_link);
  if (header->out.fetch_sub(1, std::memory_order_acq_rel) == 1) free_slab(header);
}

// The slab a thread cuts nodes from. A node takes its size and the link before it, rounded up
// to keep nodes aligned: what a malloc of it would take.
struct Slabs {
  std::byte* slab = nullptr;
  std::size_t used = 0;  // bytes from its start: always a link short of a node's alignment
  std::int64_t cut = 0;  // nodes cut from it

  void* cut_node(std::size_t c) {
    const std::size_t bytes =
        (back_link + class_bytes(c) + node_alignment - 1) & ~(node_alignment - 1);
    if (!slab || used + bytes > slab_bytes) {
      retire();
      slab = static_cast<std::byte*>(::operator new(slab_bytes));
      new (slab) SlabHeader;
      slabs_held.fetch_add(1, std::memory_order_relaxed);
      used = sizeof(SlabHeader);
    }
    std::memcpy(slab + used, &slab, back_link);
    void* node = slab + used + back_link;
    used += bytes;
    ++cut;
    return node;
  }
  // No more nodes from this slab: counted out, it goes once they are all back.
  void retire() noexcept {
    if (!slab) return;
    auto* header = reinterpret_cast<SlabHeader*>(slab);
    if (header->out.fetch_add(cut, std::memory_order_acq_rel) + cut == 0) free_slab(header);
    slab = nullptr;
    cut = 0;
  }
};
#endif

struct ThreadNodes {
  Kept* first[size_classes] = {};
  std::size_t count[size_classes] = {};
  Slabs slabs;

  ~ThreadNodes();
};

// Set once this thread's nodes are gone (at its exit): later releases go to the system.
thread_local bool thread_nodes_gone = false;
thread_local ThreadNodes thread_nodes;

ThreadNodes::~ThreadNodes() {
  thread_nodes_gone = true;
  for (std::size_t c = 0; c < size_classes; ++c) {
    while (Kept* kept = first[c]) {
      TESSERA_UNPOISON(kept, class_bytes(c));
      first[c] = kept->next;
      give_back(kept);
    }
  }
  slabs.retire();
}

// A node made after its thread's nodes are gone (by another thread_local's destructor): a
// slab of its own, which goes with it.
void* lone_node(std::size_t c) {
#ifdef TESSERA_ASAN
  return fresh_node(c);
#else
  Slabs own;
  void* node = own.cut_node(c);
  own.retire();
  return node;
#endif
}

std::size_t size_class(std::size_t bytes) noexcept { return (bytes - 1) / granule; }

}  // namespace

void* allocate_node_memory(std::size_t bytes) {
  const std::size_t c = size_class(bytes);
  if (c >= size_classes) return ::operator new(bytes);
  if (thread_nodes_gone) return lone_node(c);
  ThreadNodes& nodes = thread_nodes;
  if (Kept* kept = nodes.first[c]) {
    TESSERA_UNPOISON(kept, class_bytes(c));
    nodes.first[c] = kept->next;
    --nodes.count[c];
    return kept;
  }
#ifdef TESSERA_ASAN
  return fresh_node(c);
#else
  return nodes.slabs.cut_node(c);
#endif
}

std::size_t node_memory_kept_by_this_thread() noexcept {
  if (thread_nodes_gone) return 0;
  std::size_t bytes = 0;
  for (std::size_t c = 0; c < size_classes; ++c) bytes += thread_nodes.count[c] * class_bytes(c);
  return bytes;
}

std::size_t node_slabs_held() noexcept {
#ifdef TESSERA_ASAN
  return 0;
#else
  return slabs_held.load(std::memory_order_relaxed);
#endif
}

void release_node_memory(void* memory, std::size_t bytes) noexcept {
  const std::size_t c = size_class(bytes);
  if (c >= size_classes) {
    ::operator delete(memory);
    return;
  }
  if (!thread_nodes_gone) {
    ThreadNodes& nodes = thread_nodes;
    if ((nodes.count[c] + 1) * class_bytes(c) <= kept_bytes) {
      auto* kept = static_cast<Kept*>(memory);
      kept->next = nodes.first[c];
      nodes.first[c] = kept;
      ++nodes.count[c];
      TESSERA_POISON(reinterpret_cast<std::byte*>(kept) + sizeof(Kept),
                     class_bytes(c) - sizeof(Kept));
      return;
    }
  }
  give_back(memory);
}

}  // namespace tessera::detail
