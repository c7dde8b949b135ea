#pragma once
// Uncompressed datasets written around the HDF5 library. Their space is allocated when the
// client creates them, so a block's task writes its elements straight to their bytes in the
// file (pwrite): no HDF5 call, no lock, no file opened by HDF5 per block, and the tasks of a
// process write at the same time as those of other processes. HDF5 only ever sees the file
// before (create) and after (rename) the block tasks.

#include <hdf5.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tessera/array/block.hpp"
#include "tessera/array/shape.hpp"

namespace tessera::io::detail::hdf5 {

/// Where a dataset's elements lie in its file.
struct RawLayout {
  std::string file;
  std::string dataset;  // for messages
  Shape shape;
  Shape chunk;  // empty: one contiguous extent
  /// The extent's address, or each chunk's (C order over the grid of chunks).
  std::vector<std::uint64_t> addresses;
};

/// The most chunks a raw layout is found for: HDF5 1.10 finds a chunk's address by walking its
/// chunks (H5Dget_chunk_info_by_coord), so that finding all of them takes a time that grows
/// with their square (0.03 s for 4096 chunks here, 19 s for 102,400). Datasets of more chunks
/// are written through HDF5.
inline constexpr std::size_t most_raw_chunks = 4096;

/// The layout of an open dataset whose space is allocated (call with the HDF5 lock held);
/// nothing for a dataset of more than most_raw_chunks chunks.
std::optional<RawLayout> raw_layout(hid_t dataset, const std::string& file, const std::string& path,
                                    const Shape& shape, const Shape& chunk);

/// Writes `block`, whose first element is at `start`, into the dataset's bytes.
int write_raw(const RawLayout& layout, const Shape& start, const Block& block);

}  // namespace tessera::io::detail::hdf5

namespace tessera::detail {

template <>
struct StdCodec<io::detail::hdf5::RawLayout> {
  using Layout = io::detail::hdf5::RawLayout;
  static constexpr bool supported = true;
  static constexpr bool bitwise = false;
  static constexpr std::size_t min_size = 1;
  static void write(Writer& out, const Layout& layout) {
    Codec<std::string>::write(out, layout.file);
    Codec<std::string>::write(out, layout.dataset);
    Codec<Shape>::write(out, layout.shape);
    Codec<Shape>::write(out, layout.chunk);
    Codec<std::vector<std::uint64_t>>::write(out, layout.addresses);
  }
  static Layout read(Reader& in) {
    Layout layout;
    layout.file = Codec<std::string>::read(in);
    layout.dataset = Codec<std::string>::read(in);
    layout.shape = Codec<Shape>::read(in);
    layout.chunk = Codec<Shape>::read(in);
    layout.addresses = Codec<std::vector<std::uint64_t>>::read(in);
    return layout;
  }
};

}  // namespace tessera::detail
