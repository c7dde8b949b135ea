#pragma once
// The byte ranges of Store::get_range: where one starts in a value of a given size.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tessera::io::detail {

/// The first byte of `length` bytes at `offset` (negative: from the end) in a value of `size`
/// bytes; an IoError naming `where` when the value is too short.
std::size_t range_start(std::string_view where, std::size_t size, std::int64_t offset,
                        std::size_t length);

}  // namespace tessera::io::detail
