#pragma once
// What a thread keeps of the memory of the nodes it released, and the slabs nodes are cut from
// (node_memory.cpp), for tests and diagnostics. allocate_node_memory and release_node_memory are in
// tessera/detail/node.hpp.

#include <cstddef>

namespace tessera::detail {

/// Bytes of released nodes that the calling thread keeps for its next ones.
std::size_t node_memory_kept_by_this_thread() noexcept;

/// Slabs that nodes are cut from, held by all threads (none under ASan, where each node is
/// its own allocation).
std::size_t node_slabs_held() noexcept;

/// The most that a thread keeps of each node size.
inline constexpr std::size_t node_memory_kept_per_size = std::size_t{512} << 10;

}  // namespace tessera::detail
