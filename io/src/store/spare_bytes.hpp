#pragma once
// Chunk-sized Bytes kept per thread for the next chunk. Reading, decoding and encoding chunk
// after chunk would otherwise take fresh memory each time: malloc maps buffers of megabytes
// from the system and gives them back when freed, so that every page is faulted in and zeroed
// again for every chunk (this cost as much as the codec itself).

#include <cstddef>
#include <tessera/io/store.hpp>

namespace tessera::io::detail {

/// `size` bytes whose contents are unspecified: a buffer this thread kept, when one is large
/// enough, else a new one.
Bytes take_bytes(std::size_t size);

/// An empty Bytes with room for `capacity` bytes, kept by this thread when it has one that
/// large (appending up to `capacity` then touches only the memory it writes).
Bytes take_capacity(std::size_t capacity);

/// Keeps the memory of `bytes` for a later take on this thread (up to 128 MiB of buffers from
/// 256 KiB to 64 MiB; others are freed).
void keep_bytes(Bytes&& bytes);

}  // namespace tessera::io::detail
