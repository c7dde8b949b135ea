#pragma once
// Block: one chunk of an array, as tasks make and pass it. Its elements are a tessera::Buffer
// in C order, so under MPI a block moves between workers as raw bytes.

#include <cstdint>
#include <span>
#include <string>
#include <utility>

#include "tessera/array/dtype.hpp"
#include "tessera/array/shape.hpp"
#include "tessera/buffer.hpp"
#include "tessera/serialize.hpp"

namespace tessera {

/// One block of an array: element type, shape, and the elements in C (row-major) order.
struct Block {
  DType dtype = DType::float64;
  Shape shape;
  Buffer data;

  /// A block of `shape` whose elements are not initialized.
  static Block allocate(DType dtype, Shape shape);

  /// Number of elements (the product of the shape; 1 for a scalar block).
  std::int64_t size() const noexcept;

  /// The elements as T; ArrayError if T is not the block's element type.
  template <class T>
  std::span<T> values() {
    check_type(dtype_of<T>());
    return {reinterpret_cast<T*>(data.data()), static_cast<std::size_t>(size())};
  }
  template <class T>
  std::span<const T> values() const {
    check_type(dtype_of<T>());
    return {reinterpret_cast<const T*>(data.data()), static_cast<std::size_t>(size())};
  }

  /// Memory the block holds, for worker memory limits.
  std::size_t approximate_bytes() const noexcept { return sizeof(Block) + data.size(); }

  /// ArrayError unless the data holds exactly size() elements of dtype.
  void check() const;

 private:
  void check_type(DType wanted) const;
};

/// Where a block lies in its array, for functions that make or transform blocks.
struct BlockInfo {
  Shape index;  ///< the block's position in the grid of blocks
  Shape start;  ///< the global index of its first element along each axis
  Shape shape;  ///< its lengths
};

namespace detail {
/// Bytes of a run of n elements of the given size, checked against overflow.
std::size_t block_bytes(DType dtype, const Shape& shape, const char* operation);
}  // namespace detail

}  // namespace tessera

namespace tessera::detail {

// A Block travels as its type, shape and data (the Buffer out of band when large); reading
// checks that the data has the size the shape and type say.
template <>
struct StdCodec<Block> {
  static constexpr bool supported = true;
  static constexpr bool bitwise = false;
  static constexpr std::size_t min_size = 1 + 8 + run_head_size;
  static void write(Writer& out, const Block& block) {
    Codec<DType>::write(out, block.dtype);
    Codec<Shape>::write(out, block.shape);
    Codec<Buffer>::write(out, block.data);
  }
  static Block read(Reader& in) {
    const std::size_t at = in.offset();
    Block block;
    block.dtype = Codec<DType>::read(in);
    if (static_cast<unsigned>(block.dtype) > static_cast<unsigned>(DType::float64)) {
      in.fail(at, "a block's element type " + std::to_string(static_cast<int>(block.dtype)) +
                      " is not a tessera::DType");
    }
    block.shape = Codec<Shape>::read(in);
    block.data = Codec<Buffer>::read(in);
    try {
      block.check();
    } catch (const Error& error) {
      in.fail(at, error.what());
    }
    if (block.dtype == DType::bool_) {  // any other byte would be undefined behaviour as a bool
      for (std::size_t i = 0; i < block.data.size(); ++i) {
        if (static_cast<unsigned>(block.data.data()[i]) > 1) {
          in.fail(at, "a bool block holds a byte that is neither 0 nor 1");
        }
      }
    }
    return block;
  }
};

template <>
struct StdCodec<BlockInfo> {
  static constexpr bool supported = true;
  static constexpr bool bitwise = false;
  static constexpr std::size_t min_size = 3 * 8;
  static void write(Writer& out, const BlockInfo& info) {
    Codec<Shape>::write(out, info.index);
    Codec<Shape>::write(out, info.start);
    Codec<Shape>::write(out, info.shape);
  }
  static BlockInfo read(Reader& in) {
    BlockInfo info;
    info.index = Codec<Shape>::read(in);
    info.start = Codec<Shape>::read(in);
    info.shape = Codec<Shape>::read(in);
    return info;
  }
};

}  // namespace tessera::detail
