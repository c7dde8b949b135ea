#include "tessera/array/shape.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include "tessera/array/errors.hpp"
#include "tessera/config.hpp"

namespace tessera {
namespace {

const bool chunk_size_defined =
    config::define({"array_chunk_size", "128MiB",
                    "a size such as 128MiB (the bytes of an \"auto\" block)", config::is_bytes});

constexpr double max_blocks = 0x1p32;

std::string prefix(const char* operation) { return std::string(operation) + ": "; }

std::vector<std::int64_t> split(std::int64_t extent, std::int64_t length) {
  if (extent == 0) return {0};
  std::vector<std::int64_t> lengths;
  lengths.reserve(static_cast<std::size_t>(extent / length + (extent % length != 0)));
  for (std::int64_t at = 0; at < extent; at += lengths.back())  // at + length may overflow
    lengths.push_back(std::min(length, extent - at));
  return lengths;
}

// The block shape of "auto" chunks.
Shape automatic(const Shape& shape, DType dtype, std::uint64_t bytes) {
  if (bytes == 0) bytes = config::get_bytes("array_chunk_size");
  const auto target = std::max<std::uint64_t>(1, bytes / itemsize(dtype));
  Shape block = shape;
  for (auto& n : block) n = std::max<std::int64_t>(n, 1);
  auto elements = [&] {
    std::uint64_t n = 1;
    for (std::int64_t d : block) n *= static_cast<std::uint64_t>(d);
    return n;
  };
  // Halve the longest side until a block fits: blocks come out about cubic.
  while (elements() > target) {
    std::size_t longest = 0;
    for (std::size_t d = 1; d < block.size(); ++d) {
      if (block[d] > block[longest]) longest = d;
    }
    if (block[longest] == 1) break;
    block[longest] -= block[longest] / 2;  // the half, rounded up, without overflow
  }
  return block;
}

// Each block costs its length in every chunk list and its task when computed: refuse grids
// that could never be held rather than fail allocating them.
void check_blocks(const Shape& shape, const Shape& block, const char* operation) {
  double blocks = 1;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    const std::int64_t length = std::max<std::int64_t>(block[d], 1);
    blocks *= static_cast<double>(
        std::max<std::int64_t>(1, shape[d] / length + (shape[d] % length != 0)));
  }
  if (blocks > max_blocks) {
    char count[32];
    std::snprintf(count, sizeof count, "%.4g", blocks);
    throw ArrayError(prefix(operation) + "blocks of " + to_string(block) + " split the shape " +
                     to_string(shape) + " into " + count +
                     " blocks (expected at most 2^32: choose larger chunks)");
  }
}

}  // namespace

Chunks normalize_chunks(const ChunkSpec& spec, const Shape& shape, DType dtype,
                        const char* operation) {
  (void)chunk_size_defined;
  std::int64_t elements = 1;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] < 0) {
      throw ArrayError(prefix(operation) + "shape " + to_string(shape) + " has a negative length");
    }
    if (__builtin_mul_overflow(elements, shape[d], &elements) &&
        std::find(shape.begin(), shape.end(), 0) == shape.end()) {
      throw ArrayError(prefix(operation) + "shape " + to_string(shape) +
                       " has more than 2^63 elements");
    }
  }
  if (spec.is_explicit()) {
    const Chunks& lengths = spec.lengths();
    if (lengths.size() != shape.size()) {
      throw ArrayError(prefix(operation) + "chunks " + to_string(lengths) + " have " +
                       std::to_string(lengths.size()) + " axes but shape " + to_string(shape) +
                       " has " + std::to_string(shape.size()));
    }
    for (std::size_t d = 0; d < shape.size(); ++d) {
      std::int64_t total = 0;
      bool overflow = false;
      for (std::int64_t n : lengths[d]) {
        if (n < 0)
          throw ArrayError(prefix(operation) + "chunks " + to_string(lengths) +
                           " have a negative length");
        overflow = overflow || __builtin_add_overflow(total, n, &total);
      }
      if (overflow) {
        throw ArrayError(prefix(operation) + "chunks " + to_string(lengths) +
                         " add up to more than 2^63 along axis " + std::to_string(d));
      }
      if (total != shape[d] || (lengths[d].empty() && shape[d] != 0)) {
        throw ArrayError(prefix(operation) + "chunks " + to_string(lengths) + " add up to " +
                         std::to_string(total) + " along axis " + std::to_string(d) +
                         " but the shape " + to_string(shape) + " has " + std::to_string(shape[d]));
      }
    }
    Chunks result = lengths;
    for (auto& axis : result) {
      if (axis.empty()) axis.push_back(0);
    }
    return result;
  }
  Shape block = spec.is_auto() ? automatic(shape, dtype, spec.auto_bytes()) : spec.block_shape();
  if (block.size() == 1 && shape.size() > 1) block.assign(shape.size(), block[0]);
  if (block.size() != shape.size()) {
    throw ArrayError(prefix(operation) + "chunks " + to_string(block) + " have " +
                     std::to_string(block.size()) + " axes but shape " + to_string(shape) +
                     " has " + std::to_string(shape.size()));
  }
  Shape lengths(shape.size());
  for (std::size_t d = 0; d < shape.size(); ++d) {
    std::int64_t n = block[d];
    if (n == -1 || n > shape[d]) n = shape[d];
    if (n <= 0 && shape[d] > 0) {
      throw ArrayError(prefix(operation) + "chunks " + to_string(block) + " have length " +
                       std::to_string(block[d]) + " along axis " + std::to_string(d) +
                       " (expected a positive length, or -1 for the whole axis)");
    }
    lengths[d] = std::max<std::int64_t>(n, 1);
  }
  check_blocks(shape, lengths, operation);
  Chunks chunks;
  for (std::size_t d = 0; d < shape.size(); ++d) chunks.push_back(split(shape[d], lengths[d]));
  return chunks;
}

std::string to_string(const Shape& shape) {
  std::string text = "(";
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (d) text += ", ";
    text += shape[d] < 0 ? "nan" : std::to_string(shape[d]);
  }
  if (shape.size() == 1) text += ",";
  return text + ")";
}

std::string to_string(const Chunks& chunks) {
  std::string text = "(";
  for (std::size_t d = 0; d < chunks.size(); ++d) {
    if (d) text += ", ";
    if (chunks[d].size() > 8) {
      text += '(';
      text += std::to_string(chunks[d][0]);
      text += ", ";
      text += std::to_string(chunks[d][1]);
      text += ", ... ";
      text += std::to_string(chunks[d].size());
      text += " blocks)";
    } else {
      text += to_string(Shape(chunks[d]));
    }
  }
  if (chunks.size() == 1) text += ",";
  return text + ")";
}

}  // namespace tessera
