#pragma once
// The grid of blocks of a stored array, shared by the readers and writers of files: blocks
// grown from the file's chunks, their task keys, and a walk over them.

#include <functional>
#include <string>

#include "tessera/array.hpp"

namespace tessera::io::detail {

/// Blocks of whole chunks of a file: `chunk` grown, from the last axis to the first, by
/// doubling while a block stays within 4 MiB (or the "array_chunk_size" setting when smaller).
/// A block read, decoded and then reduced or transformed stays in the cache at that size:
/// reading and averaging a Zarr array here ran at 5.2 GB/s in blocks of 4 MiB, 2.3 GB/s in
/// blocks of 8 MiB and 2.2 GB/s in blocks of 128 MiB (bench/bench_io.cpp, 2 threads).
Shape blocks_of_chunks(const Shape& shape, const Shape& chunk, DType dtype);

/// The key of a block's task: "prefix,(i, j)" as Dask names them.
std::string block_key(const std::string& prefix, const Shape& index);

/// Calls visit(index, start, shape) for every block of `chunks`, in C order.
void for_each_block(
    const Chunks& chunks,
    const std::function<void(const Shape& index, const Shape& start, const Shape& shape)>& visit);

}  // namespace tessera::io::detail
