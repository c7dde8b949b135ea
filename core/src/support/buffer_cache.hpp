#pragma once
// The cache of freed large Buffer blocks (buffer.cpp), as a worker with a memory limit sees
// it: memory the process holds that no result accounts for.

#include <cstddef>

namespace tessera::detail {

/// Bytes of freed blocks kept for reuse now.
std::size_t buffer_cache_bytes() noexcept;

/// Keeps at most `bytes` of freed blocks (1 GiB unless set); frees what is beyond it now.
void set_buffer_cache_limit(std::size_t bytes) noexcept;

}  // namespace tessera::detail
