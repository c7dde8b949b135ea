#include "tessera/array/block.hpp"

#include <limits>
#include <new>
#include <string>

#include "tessera/array/errors.hpp"
#include "tessera/array/host_array.hpp"

namespace tessera {

namespace detail {
std::size_t block_bytes(DType dtype, const Shape& shape, const char* operation) {
  std::size_t n = itemsize(dtype);
  for (std::int64_t d : shape) {
    if (d < 0)
      throw ArrayError(std::string(operation) + ": shape " + to_string(shape) +
                       " has a negative or unknown length");
    if (d != 0 && n > std::numeric_limits<std::size_t>::max() / static_cast<std::size_t>(d)) {
      throw ArrayError(std::string(operation) + ": a block of shape " + to_string(shape) +
                       " does not fit in memory");
    }
    n *= static_cast<std::size_t>(d);
  }
  return n;
}

void throw_host_index(const Shape& shape, std::initializer_list<std::int64_t> index) {
  throw ArrayError("HostArray: index " + to_string(Shape(index)) + " is out of range for shape " +
                   to_string(shape));
}

void throw_host_not_one(const Shape& shape) {
  throw ArrayError("HostArray::item: the array of shape " + to_string(shape) +
                   " does not have exactly one element");
}
}  // namespace detail

Block Block::allocate(DType dtype, Shape shape) {
  Block block;
  block.dtype = dtype;
  const std::size_t bytes = detail::block_bytes(dtype, shape, "Block::allocate");
  try {
    block.data = Buffer::allocate(bytes);
  } catch (const std::bad_alloc&) {  // as NumPy's "Unable to allocate 8.00 TiB for an array"
    throw ArrayError("unable to allocate " + std::to_string(bytes) + " bytes for a block of " +
                     dtype_name(dtype) + " and shape " + to_string(shape) +
                     ": choose smaller chunks");
  }
  block.shape = std::move(shape);
  return block;
}

std::int64_t Block::size() const noexcept {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

void Block::check() const {
  if (detail::block_bytes(dtype, shape, "Block") != data.size()) {
    throw ArrayError("a block of " + std::string(dtype_name(dtype)) + " and shape " +
                     to_string(shape) + " holds " + std::to_string(data.size()) + " bytes where " +
                     std::to_string(detail::block_bytes(dtype, shape, "Block")) + " were expected");
  }
}

void Block::check_type(DType wanted) const {
  if (wanted != dtype) {
    throw ArrayError(std::string("a block of ") + dtype_name(dtype) + " read as " +
                     dtype_name(wanted));
  }
  check();
}

}  // namespace tessera
