#pragma once
// The untyped array operations behind Array<T>: internals of tessera/array.hpp, not part of
// the API. Array<T> works out result types at compile time and calls these, which check
// shapes, build the graph of layers and lower it to tasks.

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tessera/array/block.hpp"
#include "tessera/array/dtype.hpp"
#include "tessera/array/index.hpp"
#include "tessera/array/options.hpp"
#include "tessera/array/rechunk.hpp"
#include "tessera/array/shape.hpp"
#include "tessera/detail/node.hpp"
#include "tessera/future.hpp"

namespace tessera::detail::array {

/// An array expression; defined in the collections library.
struct ArrayNode;
using Handle = std::shared_ptr<const ArrayNode>;

enum class Unary : std::uint8_t {
  negative,
  positive,
  abs,
  sign,
  square,
  sqrt,
  cbrt,
  exp,
  exp2,
  expm1,
  log,
  log2,
  log10,
  log1p,
  sin,
  cos,
  tan,
  arcsin,
  arccos,
  arctan,
  sinh,
  cosh,
  tanh,
  floor,
  ceil,
  trunc,
  rint,
  isnan,
  isinf,
  isfinite,
  logical_not,
  invert
};

enum class Binary : std::uint8_t {
  add,
  subtract,
  multiply,
  divide,
  floor_divide,
  remainder,
  power,
  maximum,
  minimum,
  fmax,
  fmin,
  arctan2,
  hypot,
  equal,
  not_equal,
  less,
  less_equal,
  greater,
  greater_equal,
  logical_and,
  logical_or,
  logical_xor,
  bitwise_and,
  bitwise_or,
  bitwise_xor
};

enum class Reduction : std::uint8_t {
  sum,
  prod,
  min,
  max,
  mean,
  var,
  std,
  argmin,
  argmax,
  any,
  all,
  nansum,
  nanprod,
  nanmin,
  nanmax,
  nanmean,
  nanvar,
  nanstd,
  nanargmin,
  nanargmax
};

/// A C++ scalar in an expression: its kind for promotion, and its value in every form.
struct Scalar {
  ScalarKind kind = ScalarKind::floating;
  double f = 0;
  std::int64_t i = 0;
  std::uint64_t u = 0;

  template <class S>
  static Scalar of(S value) {
    Scalar s;
    s.kind = detail::scalar_kind<S>();
    s.f = static_cast<double>(value);
    if constexpr (std::is_floating_point_v<S>) {
      // Saturated where the value has no integer form (NaN: 0), as a C++ cast would be UB.
      const bool in_i = s.f >= -0x1p63 && s.f < 0x1p63, in_u = s.f >= 0 && s.f < 0x1p64;
      s.i = in_i      ? static_cast<std::int64_t>(value)
            : s.f > 0 ? std::numeric_limits<std::int64_t>::max()
            : s.f < 0 ? std::numeric_limits<std::int64_t>::min()
                      : 0;
      s.u = in_u      ? static_cast<std::uint64_t>(value)
            : s.f > 0 ? std::numeric_limits<std::uint64_t>::max()
                      : 0;
    } else {
      s.i = static_cast<std::int64_t>(value);
      s.u = static_cast<std::uint64_t>(value);
    }
    return s;
  }
};

enum class Distribution : std::uint8_t { uniform, normal, integers };

// Properties.
DType dtype(const Handle& a);
const Shape& shape(const Handle& a);
Chunks chunks(const Handle& a);
Shape numblocks(const Handle& a);
std::string summary(const Handle& a);
/// ArrayError if `a` is empty (a default-constructed Array).
void check_valid(const Handle& a, const char* operation);

// Creation.
/// ArrayError naming `operation` unless `count` host elements exactly fill `shape` (no
/// negative lengths, no overflow).
void check_host_count(const char* operation, std::size_t count, const Shape& shape);
Handle from_host(DType dtype, const void* data, const Shape& shape, const ChunkSpec& chunks);
Handle full(DType dtype, const Shape& shape, Scalar value, const ChunkSpec& chunks);
Handle arange(DType dtype, double start, double step, std::int64_t count, const ChunkSpec& chunks);
Handle linspace(DType dtype, double start, double stop, std::int64_t count, bool endpoint,
                const ChunkSpec& chunks);
Handle random(DType dtype, Distribution distribution, std::uint64_t seed, double a, double b,
              const Shape& shape, const ChunkSpec& chunks);
/// Integers in [low, high), exact over the whole int64 range; ArrayError if the range is
/// empty or does not fit `dtype`.
Handle random_integers(DType dtype, std::uint64_t seed, std::int64_t low, std::int64_t high,
                       const Shape& shape, const ChunkSpec& chunks);
/// An array whose blocks are the results (Blocks) of `nodes`, in C order of the block grid.
Handle from_block_nodes(DType dtype, const Shape& shape, const Chunks& chunks,
                        std::vector<NodePtr> nodes, std::string name);
/// An array whose block (in C order) is made by calling `code` on its BlockInfo; the result is
/// a std::vector of the element type (vector<uint8_t> for bool).
Handle from_block_function(DType dtype, const Shape& shape, const ChunkSpec& chunks,
                           TaskCodePtr code);
/// An array whose blocks are the results of delayed std::vectors (uint8_t for bool).
Handle from_vector_nodes(DType dtype, const Shape& shape, const Chunks& chunks,
                         std::vector<NodePtr> nodes);

// Elementwise.
Handle unary(Unary op, const Handle& a);
Handle binary(Binary op, const Handle& a, const Handle& b);
Handle binary_scalar(Binary op, const Handle& a, Scalar s, bool scalar_first);
Handle where(const Handle& condition, const Handle& a, const Handle& b);
Handle astype(const Handle& a, DType dtype);
Handle transpose(const Handle& a, const std::vector<int>& axes);

// Reductions.
Handle reduce(Reduction op, const Handle& a, const Axes& axes, const ReduceOptions& options);

// Structure: indexing, masks, reshape, rechunk, concatenate, stack.
/// NumPy's basic indexing (slicing.cpp).
Handle index(const Handle& a, const std::vector<Index>& index);
/// Dask's x.blocks[...]: the blocks that the indices select in the grid of blocks.
Handle select_blocks(const Handle& a, const std::vector<Index>& index);
/// a[mask]: the elements where `mask` (of a's shape) is true, in C order; 1-d, with unknown
/// chunk sizes (mask.cpp).
Handle select_mask(const Handle& a, const Handle& mask);
/// `a` with its unknown chunk sizes computed.
Handle compute_chunk_sizes(const Handle& a);
/// `a` split into new blocks (rechunk.cpp).
Handle rechunk(const Handle& a, const ChunkSpec& chunks, const RechunkOptions& options);
/// `a` with a new shape of the same size, elements in C order (reshape.cpp).
Handle reshape(const Handle& a, const Shape& shape);
/// The arrays joined along an existing axis, or along a new one (join.cpp).
Handle concatenate(const std::vector<Handle>& arrays, int axis);
Handle stack(const std::vector<Handle>& arrays, int axis);

// Linear algebra and sorting.
/// The sum over a's axes `a_axes` and b's axes `b_axes` (paired in order) of the products
/// of their elements; the result has a's other axes, then b's. `operation` names errors.
Handle tensordot(const Handle& a, const Handle& b, const std::vector<int>& a_axes,
                 const std::vector<int>& b_axes, const char* operation);
/// The same over a's last `axes` axes and b's first `axes` axes.
Handle tensordot(const Handle& a, const Handle& b, int axes);
Handle matmul(const Handle& a, const Handle& b);
Handle dot(const Handle& a, const Handle& b);
/// The |k| largest (k > 0) or smallest (k < 0) elements along `axis`, sorted, or their
/// indices when `arg` is set.
Handle topk(const Handle& a, std::int64_t k, int axis, bool arg, std::int64_t split_every);
/// The sorted distinct values of `a` and their counts (int64): two 1-d arrays of one block
/// of unknown length, whose tasks are shared when they are computed together.
std::pair<Handle, Handle> unique(const Handle& a, std::int64_t split_every);

// Block programming: map_blocks, blockwise, map_overlap, user_reduction and cumulative are
// declared in tessera/array/blocks.hpp, beside the public types they take.

// Running.
/// The tasks that make every block, in C order of the block grid.
std::vector<NodePtr> block_nodes(const Handle& a);
/// An array of the same shape and chunks whose blocks are the given futures.
Handle from_futures(const Handle& like, const std::vector<FutureStatePtr>& futures);
/// Waits until the blocks of `a` that are held as futures (a persisted array) are done.
void wait(const Handle& a);
/// Runs the graph and copies the blocks into one block of the whole array.
Block compute(const Handle& a);

}  // namespace tessera::detail::array
