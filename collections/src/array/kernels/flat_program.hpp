#pragma once
// A compiled expression flattened for evaluating one element at a time on any backend: plain
// fixed-size arrays that a kernel launch copies to a device, and raw pointers to the input
// blocks (device pointers when the kernel runs on a device).

#include <cstdint>
#include <span>
#include <type_traits>

#include "program.hpp"

namespace tessera::detail::array {

inline constexpr int flat_max_dims = 8;
inline constexpr int flat_max_instructions = 40;
inline constexpr int flat_max_leaves = 12;

union FlatValue {
  double f;         ///< float32 and float64
  std::int64_t i;   ///< int32 and int64
  std::uint64_t u;  ///< bool, uint8 and uint64
};

/// An element in the field of FlatValue that its type uses.
template <class T>
FlatValue flat_value(T x) noexcept {
  FlatValue v;
  if constexpr (std::is_floating_point_v<T>) {
    v.f = static_cast<double>(x);
  } else if constexpr (std::is_signed_v<T>) {
    v.i = x;
  } else {
    v.u = x;
  }
  return v;
}

struct FlatInstruction {
  ExprOp op;
  std::uint8_t code;
  DType dtype;
  DType from;
  std::int16_t a, b, c;
  std::int16_t leaf;  ///< load, generate: index in FlatProgram::leaves
};

/// Where a load or a generator reads: the offset of element (c_0, c_1, ...) of the block is
/// base + sum of c_d * strides[d] (in elements of the input, or the generator's flat index).
struct FlatLeaf {
  const void* data = nullptr;  ///< load: the input's elements
  std::int64_t base = 0;
  std::int64_t strides[flat_max_dims] = {};
  GeneratorKind kind = GeneratorKind::iota;
  Distribution distribution = Distribution::uniform;
  std::uint64_t seed = 0;
  double a = 0, b = 0, last = 0;
  double below_high = 0;  ///< random float32: the largest float below b (a float may round up to b)
  std::int64_t last_index = -1;
  std::int64_t low = 0, high = 0;  ///< random integers in [low, high)
};

struct FlatProgram {
  std::int32_t ndim = 0;
  std::int64_t shape[flat_max_dims] = {};
  std::int64_t size = 1;  ///< elements in the block
  std::int32_t count = 0;
  DType dtype = DType::float64;
  FlatInstruction code[flat_max_instructions] = {};
  FlatValue constant[flat_max_instructions] = {};
  FlatLeaf leaves[flat_max_leaves] = {};
};

/// Whether `program` fits a FlatProgram (its dimensions, instructions and leaves).
bool fits_flat(const Program& program) noexcept;

/// The flat form of block `block` of `program` reading `inputs`, whose elements are at
/// `input_data` (the blocks' own memory, or copies on a device). ArrayError if the inputs do not
/// fit the program, or the program does not fit a FlatProgram.
FlatProgram flatten(const Program& program, std::int64_t block, std::span<const Block> inputs,
                    std::span<const void* const> input_data);

}  // namespace tessera::detail::array
