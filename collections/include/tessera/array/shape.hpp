#pragma once
// Shapes and chunk grids of arrays, as NumPy and Dask write them.
//
//   Shape{10000, 10000}                       // a 10000 x 10000 array
//   ChunkSpec{1000, 1000}                     // blocks of 1000 x 1000 (the last may be smaller)
//   ChunkSpec{1000, -1}                       // rows of 1000, every column in one block
//   ChunkSpec(Chunks{{600, 400}, {1000}})     // the block lengths along each axis
//   ChunkSpec::automatic()                    // about the "array_chunk_size" setting per block

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "tessera/array/dtype.hpp"

namespace tessera {

/// Lengths of an array's axes; a scalar (0-d) array has an empty shape.
using Shape = std::vector<std::int64_t>;

/// Block lengths along each axis: chunks[axis][i] is the length of the i-th block along it.
/// A length of -1 is unknown (after selecting with a boolean mask).
using Chunks = std::vector<std::vector<std::int64_t>>;

/// How to split an array into blocks: the `chunks=` argument of Dask.
class ChunkSpec {
 public:
  /// "auto": blocks of about the "array_chunk_size" setting (128MiB by default).
  ChunkSpec() = default;
  /// A block shape, one length per axis; -1 takes the whole axis. The last block along an
  /// axis is smaller when the length does not divide the axis.
  ChunkSpec(std::initializer_list<std::int64_t> block_shape) : block_shape_(block_shape) {}
  explicit ChunkSpec(Shape block_shape) : block_shape_(std::move(block_shape)) {}
  /// Every block length along every axis (they must add up to the axis).
  explicit ChunkSpec(Chunks lengths) : lengths_(std::move(lengths)), explicit_(true) {}

  /// Blocks of about `bytes` each (0: the "array_chunk_size" setting).
  static ChunkSpec automatic(std::uint64_t bytes = 0) {
    ChunkSpec spec;
    spec.auto_bytes_ = bytes;
    return spec;
  }

  bool is_auto() const noexcept { return !explicit_ && block_shape_.empty(); }
  bool is_explicit() const noexcept { return explicit_; }
  const Shape& block_shape() const noexcept { return block_shape_; }
  const Chunks& lengths() const noexcept { return lengths_; }
  std::uint64_t auto_bytes() const noexcept { return auto_bytes_; }

 private:
  Shape block_shape_;
  Chunks lengths_;
  bool explicit_ = false;
  std::uint64_t auto_bytes_ = 0;
};

/// The block lengths that `spec` gives an array of `shape` and `dtype`; ArrayError naming
/// `operation` when the spec does not fit the shape. A scalar array has no axes and one block.
Chunks normalize_chunks(const ChunkSpec& spec, const Shape& shape, DType dtype,
                        const char* operation);

/// "(1000, 20)"; unknown lengths print as "nan", as in Dask.
std::string to_string(const Shape& shape);
/// "((500, 500), (20,))".
std::string to_string(const Chunks& chunks);

}  // namespace tessera
