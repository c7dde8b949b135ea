#pragma once
// What the readers of files (HDF5, Zarr) give to from_delayed: a read task per block.

#include <vector>

#include "tessera/array.hpp"
#include "tessera/delayed.hpp"

namespace tessera::io::detail {

/// The read tasks of a stored array's blocks, in C order of its grid of blocks.
struct BlockReads {
  std::vector<Delayed<Block>> blocks;
  Shape shape;
  Chunks chunks;
};

}  // namespace tessera::io::detail
