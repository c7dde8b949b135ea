#pragma once
// CRC-32C (Castagnoli), as the crc32c codec of Zarr v3 appends it.

#include <cstddef>
#include <cstdint>
#include <span>

namespace tessera::io::zarr {

/// The CRC-32C of data (reflected polynomial 0x82F63B78, initial value and final xor all ones).
std::uint32_t crc32c(std::span<const std::byte> data) noexcept;

}  // namespace tessera::io::zarr
