#pragma once
// Array<T>: a chunked N-d array with NumPy semantics, computed in parallel (dask.array in C++).
// Operations are lazy: they record layers over the grid of blocks, and compute() runs the
// tasks on the current client (threads, sync or MPI).
//
//   auto x = tessera::random::uniform<double>({10000, 10000}, {1000, 1000}, /*seed=*/42);
//   auto y = (x + x.T()).sum();                    // one pass over each pair of blocks
//   double total = y.compute().item();
//   auto anomaly = x - x.mean(0);                  // broadcasting, as in NumPy
//
// Element types: bool, std::uint8_t, std::int32_t, std::int64_t, std::uint64_t, float and
// double. Results of mixed types follow NumPy's promotion (tessera/array/dtype.hpp).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "tessera/array/block.hpp"
#include "tessera/array/blocks.hpp"
#include "tessera/array/detail/untyped.hpp"
#include "tessera/array/dtype.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/array/host_array.hpp"
#include "tessera/array/index.hpp"
#include "tessera/array/options.hpp"
#include "tessera/array/rechunk.hpp"
#include "tessera/array/shape.hpp"
#include "tessera/client.hpp"
#include "tessera/delayed.hpp"
#include "tessera/visualize.hpp"

namespace tessera {

template <class T>
class Array;

namespace detail::array {
template <class T>
Array<T> wrap(Handle handle);
/// ArrayError unless `count` host elements fill `shape` exactly (no product that overflows).
inline void check_host_count(const char* operation, std::size_t count, const Shape& shape) {
  const bool empty = std::find(shape.begin(), shape.end(), 0) != shape.end();
  std::int64_t n = empty ? 0 : 1;
  bool overflow = false;
  for (std::int64_t d : shape) {
    overflow = overflow || d < 0 || (!empty && __builtin_mul_overflow(n, d, &n));
  }
  if (overflow || n != static_cast<std::int64_t>(count)) {
    throw ArrayError(std::string(operation) + ": " + std::to_string(count) +
                     " elements do not fill shape " + to_string(shape) +
                     (overflow ? std::string(" (a negative length or more than 2^63 elements)")
                               : " (" + std::to_string(n) + " elements)"));
  }
}
}  // namespace detail::array

/// A chunked N-d array of elements E (see the top of this file).
template <class E>
class Array {
  static_assert(is_array_element<E>,
                "Array<E>: E is bool, std::uint8_t, std::int32_t, std::int64_t, std::uint64_t, "
                "float or double");

 public:
  using value_type = E;

  /// An empty array, to assign later; using it throws ArrayError.
  Array() = default;

  const Shape& shape() const { return detail::array::shape(checked("shape")); }
  std::int64_t ndim() const { return static_cast<std::int64_t>(shape().size()); }
  /// Number of elements.
  std::int64_t size() const {
    std::int64_t n = 1;
    for (std::int64_t d : shape()) {
      if (d == 0) return 0;  // before a product of the other lengths could overflow
    }
    for (std::int64_t d : shape()) n *= d;
    return n;
  }
  std::int64_t nbytes() const { return size() * static_cast<std::int64_t>(sizeof(E)); }
  static constexpr DType dtype() noexcept { return dtype_of<E>(); }
  /// Block lengths along each axis.
  Chunks chunks() const { return detail::array::chunks(checked("chunks")); }
  /// Number of blocks along each axis.
  Shape numblocks() const { return detail::array::numblocks(checked("numblocks")); }
  /// "tessera.Array<float64, shape=(100, 100), chunksize=(50, 100), blocks=2, 78.1 KiB>".
  std::string summary() const {
    return handle_ ? detail::array::summary(handle_) : "tessera.Array<empty>";
  }

  /// Runs the graph and returns the whole array in this process's memory.
  HostArray<E> compute() const { return HostArray<E>(detail::array::compute(checked("compute"))); }
  /// Starts computing every block now; the returned array refers to blocks held in memory
  /// (on the workers under MPI), so later operations start from them.
  Array<E> persist() const {
    auto client = get_client();
    auto states = client.run(detail::array::block_nodes(checked("persist")));
    return wrap(detail::array::from_futures(handle_, states));
  }
  /// The blocks as Delayeds, in C order of the grid of blocks (numblocks()).
  std::vector<Delayed<Block>> to_delayed() const {
    std::vector<Delayed<Block>> blocks;
    for (auto& node : detail::array::block_nodes(checked("to_delayed"))) {
      blocks.emplace_back(std::move(node));
    }
    return blocks;
  }

  /// The elements as U, with C++'s (and NumPy's) conversions: floats to integers truncate.
  template <class U>
  Array<U> astype() const {
    return wrap<U>(detail::array::astype(checked("astype"), dtype_of<U>()));
  }

  /// The axes in reverse order (NumPy's .T).
  Array<E> T() const { return transpose(); }
  Array<E> transpose(std::vector<int> axes = {}) const {
    return wrap(detail::array::transpose(checked("transpose"), axes));
  }

  // Reductions: along `axis` (every axis by default); see tessera/array/options.hpp.
  auto sum(Axes axis = {}, ReduceOptions o = {}) const { return reduce<sum_t>(R::sum, axis, o); }
  auto prod(Axes axis = {}, ReduceOptions o = {}) const { return reduce<sum_t>(R::prod, axis, o); }
  Array<E> min(Axes axis = {}, ReduceOptions o = {}) const { return reduce<E>(R::min, axis, o); }
  Array<E> max(Axes axis = {}, ReduceOptions o = {}) const { return reduce<E>(R::max, axis, o); }
  auto mean(Axes axis = {}, ReduceOptions o = {}) const { return reduce<mean_t>(R::mean, axis, o); }
  auto var(Axes axis = {}, ReduceOptions o = {}) const { return reduce<mean_t>(R::var, axis, o); }
  auto std(Axes axis = {}, ReduceOptions o = {}) const { return reduce<mean_t>(R::std, axis, o); }
  /// Index of the smallest element (the first one on ties) along one axis, or in the
  /// flattened array when no axis is given.
  Array<std::int64_t> argmin(Axes axis = {}, ReduceOptions o = {}) const {
    return reduce<std::int64_t>(R::argmin, axis, o);
  }
  Array<std::int64_t> argmax(Axes axis = {}, ReduceOptions o = {}) const {
    return reduce<std::int64_t>(R::argmax, axis, o);
  }
  Array<bool> any(Axes axis = {}, ReduceOptions o = {}) const {
    return reduce<bool>(R::any, axis, o);
  }
  Array<bool> all(Axes axis = {}, ReduceOptions o = {}) const {
    return reduce<bool>(R::all, axis, o);
  }
  /// The same, ignoring NaN elements.
  auto nansum(Axes axis = {}, ReduceOptions o = {}) const {
    return reduce<sum_t>(R::nansum, axis, o);
  }
  auto nanprod(Axes axis = {}, ReduceOptions o = {}) const {
    return reduce<sum_t>(R::nanprod, axis, o);
  }
  Array<E> nanmin(Axes axis = {}, ReduceOptions o = {}) const {
    return reduce<E>(R::nanmin, axis, o);
  }
  Array<E> nanmax(Axes axis = {}, ReduceOptions o = {}) const {
    return reduce<E>(R::nanmax, axis, o);
  }
  auto nanmean(Axes axis = {}, ReduceOptions o = {}) const {
    return reduce<mean_t>(R::nanmean, axis, o);
  }
  auto nanvar(Axes axis = {}, ReduceOptions o = {}) const {
    return reduce<mean_t>(R::nanvar, axis, o);
  }
  auto nanstd(Axes axis = {}, ReduceOptions o = {}) const {
    return reduce<mean_t>(R::nanstd, axis, o);
  }
  Array<std::int64_t> nanargmin(Axes axis = {}, ReduceOptions o = {}) const {
    return reduce<std::int64_t>(R::nanargmin, axis, o);
  }
  Array<std::int64_t> nanargmax(Axes axis = {}, ReduceOptions o = {}) const {
    return reduce<std::int64_t>(R::nanargmax, axis, o);
  }

  // --- structure: indexing, masks, reshape, rechunk (members) ---

  /// NumPy's basic indexing, one index per axis (tessera/array/index.hpp): integers (which
  /// drop their axis; negative ones count from the end), slices, tessera::all,
  /// tessera::newaxis and tessera::ellipsis; axes left out at the end are taken whole.
  /// x(tessera::slice(2, 10, 2), 3, tessera::newaxis) is x[2:10:2, 3, np.newaxis]. Only
  /// the blocks the selection touches are computed; blocks taken whole are not copied. An
  /// index of an elementwise expression stays one: (x + 1)(tessera::slice(0, 10)).sum()
  /// reads the selected part of x's blocks in one pass, making no block of x + 1.
  template <class... I>
  requires(std::is_constructible_v<Index, const I&>&&...) Array<E>
  operator()(const I&... indices) const { return index(std::vector<Index>{Index(indices)...}); }
  /// The same with the indices in a vector.
  Array<E> index(const std::vector<Index>& indices) const {
    return wrap(detail::array::index(checked("index"), indices));
  }
  /// The blocks that the indices select in the grid of blocks (Dask's x.blocks[i, j]); an
  /// integer keeps its axis, and a negative step reverses the order of the blocks.
  template <class... I>
  requires(std::is_constructible_v<Index, const I&>&&...) Array<E> blocks(const I&... indices)
  const {
    return wrap(
        detail::array::select_blocks(checked("blocks"), std::vector<Index>{Index(indices)...}));
  }
  /// The elements where `mask` (an array of this shape) is true, in C order: a 1-d array
  /// whose chunk sizes are unknown until compute_chunk_sizes() (x[x > 0] in NumPy).
  Array<E> operator[](const Array<bool>& mask) const {
    return wrap(detail::array::select_mask(checked("a[mask]"), mask.handle()));
  }
  /// This array with its unknown chunk sizes computed (it runs the blocks to learn them).
  Array<E> compute_chunk_sizes() const {
    return wrap(detail::array::compute_chunk_sizes(checked("compute_chunk_sizes")));
  }
  /// The same elements split into other blocks. The work is planned so that each task holds
  /// one output block and its pieces; see RechunkOptions.
  Array<E> rechunk(ChunkSpec chunks, RechunkOptions options = {}) const {
    return wrap(detail::array::rechunk(checked("rechunk"), chunks, options));
  }
  /// The same elements (in C order) in another shape of the same size; one length may be -1,
  /// to infer. Blocks are reused without copying where the chunks allow; the array is
  /// rechunked first where they do not (as Dask does).
  Array<E> reshape(Shape shape) const {
    return wrap(detail::array::reshape(checked("reshape"), shape));
  }
  /// The elements as a 1-d array, in C order.
  Array<E> ravel() const { return reshape({-1}); }

  // --- linear algebra and sorting (members) ---

  // --- block programming (members) ---

  /// Cumulative sum (product) along `axis`, as NumPy's cumsum (cumprod): bool and integers
  /// accumulate as int64 (uint64 when unsigned), floats in their own type. Without an axis
  /// the array must be 1-d. Map functions over blocks: tessera/array/blocks.hpp.
  auto cumsum(std::optional<int> axis = std::nullopt) const {
    return Array<sum_t>(
        detail::array::cumulative(detail::array::Scan::sum, checked("cumsum"), axis));
  }
  auto cumprod(std::optional<int> axis = std::nullopt) const {
    return Array<sum_t>(
        detail::array::cumulative(detail::array::Scan::prod, checked("cumprod"), axis));
  }

  /// The expression behind the array (internal).
  const detail::array::Handle& handle() const { return checked("use"); }
  explicit Array(detail::array::Handle handle) : handle_(std::move(handle)) {}

 private:
  using R = detail::array::Reduction;
  // NumPy's sum of bool and small integers is int64 (uint64 for unsigned ones).
  using sum_t = std::conditional_t<
      std::is_floating_point_v<E>, E,
      std::conditional_t<std::is_same_v<E, std::uint8_t> || std::is_same_v<E, std::uint64_t>,
                         std::uint64_t, std::int64_t>>;
  using mean_t = float64_unless_float32_t<E>;

  template <class U>
  static Array<U> wrap(detail::array::Handle handle) {
    return Array<U>(std::move(handle));
  }
  static Array<E> wrap(detail::array::Handle handle) { return Array<E>(std::move(handle)); }

  template <class U>
  Array<U> reduce(R op, const Axes& axis, const ReduceOptions& options) const {
    return Array<U>(detail::array::reduce(op, checked("reduce"), axis, options));
  }

  const detail::array::Handle& checked(const char* operation) const {
    detail::array::check_valid(handle_, operation);
    return handle_;
  }

  detail::array::Handle handle_;
};

template <class T>
std::ostream& operator<<(std::ostream& out, const Array<T>& a) {
  return out << a.summary();
}

/// Waits until every block of a persisted array is computed (as Dask's wait(x.persist())).
/// Errors of its tasks are not thrown here; compute() reports them.
template <class T>
void wait(const Array<T>& persisted) {
  detail::array::wait(persisted.handle());
}

/// Draws the task graph that computes `a` (culled and fused, as compute() runs it) into
/// `path`: .svg, .png or .pdf through Graphviz's dot, or .dot (tessera/visualize.hpp).
template <class T>
void visualize(const Array<T>& a, const std::string& path) {
  render_dot(detail::to_dot(detail::array::block_nodes(a.handle())), path);
}

// --- creation --------------------------------------------------------------------------------

/// An array holding a copy of `values` (C order) with the given shape, split into blocks.
template <class T>
Array<T> from_vector(const std::vector<T>& values, Shape shape, ChunkSpec chunks = {}) {
  detail::array::check_host_count("from_vector", values.size(), shape);
  if constexpr (std::is_same_v<T, bool>) {
    std::vector<std::uint8_t> bytes(values.begin(), values.end());
    return Array<T>(detail::array::from_host(DType::bool_, bytes.data(), shape, chunks));
  } else {
    return Array<T>(detail::array::from_host(dtype_of<T>(), values.data(), shape, chunks));
  }
}
/// A 1-d array holding a copy of `values`.
template <class T>
Array<T> from_vector(const std::vector<T>& values, ChunkSpec chunks = {}) {
  return from_vector(values, Shape{static_cast<std::int64_t>(values.size())}, chunks);
}
/// An array holding a copy of `count` elements at `data` (C order) with the given shape;
/// the product of the shape must be `count`.
template <class T>
Array<T> from_buffer(std::span<const T> data, Shape shape, ChunkSpec chunks = {}) {
  detail::array::check_host_count("from_buffer", data.size(), shape);
  return Array<T>(detail::array::from_host(dtype_of<T>(), data.data(), shape, chunks));
}

template <class T>
Array<T> full(Shape shape, T value, ChunkSpec chunks = {}) {
  return Array<T>(
      detail::array::full(dtype_of<T>(), shape, detail::array::Scalar::of(value), chunks));
}
template <class T = double>
Array<T> zeros(Shape shape, ChunkSpec chunks = {}) {
  return full<T>(std::move(shape), T(0), std::move(chunks));
}
template <class T = double>
Array<T> ones(Shape shape, ChunkSpec chunks = {}) {
  return full<T>(std::move(shape), T(1), std::move(chunks));
}
/// An array whose values are not specified (zeros here; do not rely on it).
template <class T = double>
Array<T> empty(Shape shape, ChunkSpec chunks = {}) {
  return zeros<T>(std::move(shape), std::move(chunks));
}

/// start, start + step, ... below stop (above it for a negative step), as np.arange. Only
/// numbers are taken for stop and step: a braced list is always the chunks, so that
/// arange(365, {73}) is 365 values in blocks of 73 (Dask's arange(365, chunks=73)) and
/// arange(0, 10, {5}) ten values in blocks of 5.
template <class T = double, class Stop, class Step>
requires std::is_arithmetic_v<Stop> && std::is_arithmetic_v<Step> Array<T> arange(
    double start, Stop stop, Step step, ChunkSpec chunks = {}) {
  const auto to = static_cast<double>(stop), by = static_cast<double>(step);
  if (by == 0) throw ArrayError("arange: step must not be 0");
  const double span = (to - start) / by;
  if (!(span < 0x1p62)) {  // NaN, infinite, or more elements than an int64 counts
    throw ArrayError("arange: start " + std::to_string(start) + ", stop " + std::to_string(to) +
                     " and step " + std::to_string(by) +
                     " do not give a finite number of elements below 2^62");
  }
  const auto count = span > 0 ? static_cast<std::int64_t>(std::ceil(span)) : 0;
  return Array<T>(detail::array::arange(dtype_of<T>(), start, by, count, chunks));
}
/// start, start + 1, ... below stop.
template <class T = double, class Stop>
requires std::is_arithmetic_v<Stop> Array<T> arange(double start, Stop stop,
                                                    ChunkSpec chunks = {}) {
  return arange<T>(start, stop, 1, std::move(chunks));
}
/// 0, 1, ..., stop - 1.
template <class T = double>
Array<T> arange(double stop, ChunkSpec chunks = {}) {
  return arange<T>(0, stop, 1, std::move(chunks));
}
/// `count` evenly spaced values from start to stop (stop included unless endpoint is false).
template <class T = double>
Array<T> linspace(double start, double stop, std::int64_t count, bool endpoint = true,
                  ChunkSpec chunks = {}) {
  return Array<T>(detail::array::linspace(dtype_of<T>(), start, stop, count, endpoint, chunks));
}

/// An array whose blocks are computed by `fn(const BlockInfo&)`, which returns the block's
/// elements in C order as a std::vector<T> (std::vector<std::uint8_t> for bool). Under MPI
/// the function runs on the workers: register it with TESSERA_TASK.
template <class T, class F>
Array<T> from_function(F fn, Shape shape, ChunkSpec chunks = {}) {
  using Elements = std::conditional_t<std::is_same_v<T, bool>, std::uint8_t, T>;
  static_assert(std::is_invocable_r_v<std::vector<Elements>, F, const BlockInfo&>,
                "from_function: fn(const BlockInfo&) must return std::vector<T> "
                "(std::vector<std::uint8_t> for bool)");
  auto code = detail::code_for(std::move(fn));
  code.invoke = &detail::invoke<F, BlockInfo>;
  return Array<T>(detail::array::from_block_function(dtype_of<T>(), shape, chunks,
                                                     detail::TaskCodePtr::make(std::move(code))));
}

/// An array whose blocks are delayed std::vectors (std::vector<std::uint8_t> for bool), in C
/// order of the grid of blocks given by `chunks`; a block of the wrong size fails its task.
template <class T, class E>
Array<T> from_delayed(const std::vector<Delayed<std::vector<E>>>& blocks, Shape shape,
                      Chunks chunks) {
  static_assert(std::is_same_v<E, std::conditional_t<std::is_same_v<T, bool>, std::uint8_t, T>>,
                "from_delayed: blocks of Array<T> are std::vector<T> "
                "(std::vector<std::uint8_t> for bool)");
  std::vector<detail::NodePtr> nodes;
  nodes.reserve(blocks.size());
  for (const auto& block : blocks) nodes.push_back(block.node());
  return Array<T>(detail::array::from_vector_nodes(dtype_of<T>(), shape, chunks, std::move(nodes)));
}
/// A one-block array from one delayed std::vector.
template <class T, class E>
Array<T> from_delayed(const Delayed<std::vector<E>>& block, Shape shape) {
  Chunks chunks;
  for (std::int64_t d : shape) chunks.push_back({d});
  return from_delayed<T>(std::vector<Delayed<std::vector<E>>>{block}, shape, chunks);
}
/// An array whose blocks are delayed Blocks (as to_delayed() gives), in C order.
template <class T>
Array<T> from_delayed(const std::vector<Delayed<Block>>& blocks, Shape shape, Chunks chunks) {
  std::vector<detail::NodePtr> nodes;
  nodes.reserve(blocks.size());
  for (const auto& block : blocks) nodes.push_back(block.node());
  return Array<T>(detail::array::from_block_nodes(dtype_of<T>(), shape, chunks, std::move(nodes),
                                                  unique_key("from-delayed")));
}

/// Seeded random arrays. The value at each index depends only on the seed and the index
/// (a counter-based generator, Philox4x32-10), never on the chunks, the scheduler or the
/// number of ranks: the same seed gives the same array however it is split.
namespace random {
/// Uniform in [low, high).
template <class T = double>
Array<T> uniform(Shape shape, ChunkSpec chunks = {}, std::uint64_t seed = 0, double low = 0,
                 double high = 1) {
  static_assert(std::is_floating_point_v<T>, "random::uniform makes float or double arrays");
  return Array<T>(detail::array::random(dtype_of<T>(), detail::array::Distribution::uniform, seed,
                                        low, high, shape, chunks));
}
/// Normal with the given mean and standard deviation.
template <class T = double>
Array<T> normal(Shape shape, ChunkSpec chunks = {}, std::uint64_t seed = 0, double mean = 0,
                double stddev = 1) {
  static_assert(std::is_floating_point_v<T>, "random::normal makes float or double arrays");
  return Array<T>(detail::array::random(dtype_of<T>(), detail::array::Distribution::normal, seed,
                                        mean, stddev, shape, chunks));
}
/// Integers uniform in [low, high).
template <class T = std::int64_t>
Array<T> integers(std::int64_t low, std::int64_t high, Shape shape, ChunkSpec chunks = {},
                  std::uint64_t seed = 0) {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>,
                "random::integers makes integer arrays");
  return Array<T>(detail::array::random_integers(dtype_of<T>(), seed, low, high, shape, chunks));
}
}  // namespace random

// --- structure: concatenate, stack, ... (free functions) ------------------------------------

/// The arrays joined along an existing axis; their other lengths must be equal. Their blocks
/// are reused as they are (rechunked first where split differently along the other axes).
template <class T>
Array<T> concatenate(const std::vector<Array<T>>& arrays, int axis = 0) {
  std::vector<detail::array::Handle> handles;
  for (const auto& a : arrays) handles.push_back(a.handle());
  return Array<T>(detail::array::concatenate(handles, axis));
}
/// The arrays, all of one shape, joined along a new axis at position `axis`.
template <class T>
Array<T> stack(const std::vector<Array<T>>& arrays, int axis = 0) {
  std::vector<detail::array::Handle> handles;
  for (const auto& a : arrays) handles.push_back(a.handle());
  return Array<T>(detail::array::stack(handles, axis));
}
/// a.reshape(shape).
template <class T>
Array<T> reshape(const Array<T>& a, Shape shape) {
  return a.reshape(std::move(shape));
}
/// a.rechunk(chunks, options).
template <class T>
Array<T> rechunk(const Array<T>& a, ChunkSpec chunks, RechunkOptions options = {}) {
  return a.rechunk(std::move(chunks), options);
}

// --- linear algebra and sorting (free functions) ---------------------------------------------

/// The matrix product of a and b (NumPy's matmul): 2-d by 2-d, or with 1-d operands as
/// vectors (a 1-d a is a row, a 1-d b a column, and that axis is left out of the result).
/// The result type is NumPy's promotion of A and B. Block (i, j) of the result is the sum over
/// k of a[i, k] · b[k, j], each product through BLAS for float and double; the chunks of a's
/// last axis and b's first must be the same. ArrayError if the shapes do not align.
template <class A, class B>
Array<promote_t<A, B>> matmul(const Array<A>& a, const Array<B>& b) {
  return Array<promote_t<A, B>>(detail::array::matmul(a.handle(), b.handle()));
}
/// NumPy's dot: the sum over a's last axis and b's second to last (its only one if 1-d);
/// matmul for 2-d arrays, the inner product for 1-d ones, multiply if either is 0-d.
template <class A, class B>
Array<promote_t<A, B>> dot(const Array<A>& a, const Array<B>& b) {
  return Array<promote_t<A, B>>(detail::array::dot(a.handle(), b.handle()));
}
/// The sum over the last `axes` axes of a and the first `axes` axes of b of the products of
/// their elements (NumPy's tensordot); the result has a's other axes, then b's.
template <class A, class B>
Array<promote_t<A, B>> tensordot(const Array<A>& a, const Array<B>& b, int axes = 2) {
  return Array<promote_t<A, B>>(detail::array::tensordot(a.handle(), b.handle(), axes));
}
/// The same over a's axes `a_axes` and b's axes `b_axes`, paired in order:
/// tensordot(a, b, {1, 0}, {0, 1}).
template <class A, class B>
Array<promote_t<A, B>> tensordot(const Array<A>& a, const Array<B>& b, std::vector<int> a_axes,
                                 std::vector<int> b_axes) {
  return Array<promote_t<A, B>>(
      detail::array::tensordot(a.handle(), b.handle(), a_axes, b_axes, "tensordot"));
}

/// The k largest elements along `axis`, from the largest (for a negative k, the |k| smallest,
/// from the smallest), as Dask's topk: along `axis` the result has length |k|, in one chunk.
/// NaN counts as larger than every number. A tree reduction: each block keeps its own top k,
/// merged `split_every` at a time (0: the "array_split_every" setting).
template <class T>
Array<T> topk(const Array<T>& a, std::int64_t k, int axis = -1, int split_every = 0) {
  return Array<T>(detail::array::topk(a.handle(), k, axis, false, split_every));
}
/// The indices along `axis` of the elements topk gives, in its order; of equal elements, the
/// one of smaller index comes first.
template <class T>
Array<std::int64_t> argtopk(const Array<T>& a, std::int64_t k, int axis = -1, int split_every = 0) {
  return Array<std::int64_t>(detail::array::topk(a.handle(), k, axis, true, split_every));
}

/// The distinct values of `a` (flattened), sorted, NaN last and once, as Dask's unique: a
/// 1-d array of one block whose length is unknown (-1) until it is computed, so that it can
/// feed further array operations without a round trip through the host. A tree reduction of
/// the sorted distinct values of each block, merged `split_every` at a time (0: the
/// "array_split_every" setting).
template <class T>
Array<T> unique(const Array<T>& a, int split_every = 0) {
  return Array<T>(detail::array::unique(a.handle(), split_every).first);
}
/// The distinct values of `a`, as unique gives them, and how many times each occurs (int64,
/// of the same unknown length). The two share their tasks when they are computed together.
template <class T>
std::pair<Array<T>, Array<std::int64_t>> unique_counts(const Array<T>& a, int split_every = 0) {
  auto [values, counts] = detail::array::unique(a.handle(), split_every);
  return {Array<T>(std::move(values)), Array<std::int64_t>(std::move(counts))};
}

// --- block programming (free functions) ------------------------------------------------------
// map_blocks, blockwise, map_overlap and reduction: tessera/array/blocks.hpp.

// --- elementwise -----------------------------------------------------------------------------

namespace detail::array {
template <class A, class B, class R>
Array<R> binary_op(Binary op, const Array<A>& a, const Array<B>& b) {
  return Array<R>(binary(op, a.handle(), b.handle()));
}
template <class A, class S, class R>
Array<R> scalar_op(Binary op, const Array<A>& a, S s, bool scalar_first) {
  return Array<R>(binary_scalar(op, a.handle(), Scalar::of(s), scalar_first));
}
template <class S>
concept ArrayScalar = std::is_arithmetic_v<S>;
}  // namespace detail::array

#define TESSERA_DETAIL_ARRAY_BINARY(name, op, result)                                     \
  template <class A, class B>                                                             \
  Array<result<A, B>> name(const Array<A>& a, const Array<B>& b) {                        \
    return detail::array::binary_op<A, B, result<A, B>>(detail::array::Binary::op, a, b); \
  }                                                                                       \
  template <class A, detail::array::ArrayScalar S>                                        \
  Array<result<A, detail::array::ScalarType<A, S>>> name(const Array<A>& a, S s) {        \
    return detail::array::scalar_op<A, S, result<A, detail::array::ScalarType<A, S>>>(    \
        detail::array::Binary::op, a, s, false);                                          \
  }                                                                                       \
  template <class A, detail::array::ArrayScalar S>                                        \
  Array<result<A, detail::array::ScalarType<A, S>>> name(S s, const Array<A>& a) {        \
    return detail::array::scalar_op<A, S, result<A, detail::array::ScalarType<A, S>>>(    \
        detail::array::Binary::op, a, s, true);                                           \
  }

namespace detail::array {
// The array type a scalar S acts as next to an array of A (NumPy 2's weak scalars).
template <class A, class S>
using ScalarType = promote_scalar_t<A, S>;
template <class A, class B>
using Same = promote_t<A, B>;
template <class A, class B>
using Compare = bool;
template <class A, class B>
using TrueDivide = divide_t<A, B>;
template <class A, class B>
using Floating2 = floating_t<promote_t<A, B>>;
template <class A, class B>
using Bitwise = promote_t<A, B>;
}  // namespace detail::array

TESSERA_DETAIL_ARRAY_BINARY(add, add, detail::array::Same)
TESSERA_DETAIL_ARRAY_BINARY(subtract, subtract, detail::array::Same)
TESSERA_DETAIL_ARRAY_BINARY(multiply, multiply, detail::array::Same)
TESSERA_DETAIL_ARRAY_BINARY(divide, divide, detail::array::TrueDivide)
/// Division rounded towards minus infinity (Python's //); integer division by 0 gives 0.
TESSERA_DETAIL_ARRAY_BINARY(floor_divide, floor_divide, detail::array::Same)
/// Remainder with the sign of the divisor (Python's %, NumPy's mod).
TESSERA_DETAIL_ARRAY_BINARY(remainder, remainder, detail::array::Same)
/// a to the power b; integers to negative integer powers fail the task, as in NumPy.
TESSERA_DETAIL_ARRAY_BINARY(power, power, detail::array::Same)
/// Elementwise larger (smaller) value; NaN if either is NaN.
TESSERA_DETAIL_ARRAY_BINARY(maximum, maximum, detail::array::Same)
TESSERA_DETAIL_ARRAY_BINARY(minimum, minimum, detail::array::Same)
/// Elementwise larger (smaller) value, ignoring a NaN.
TESSERA_DETAIL_ARRAY_BINARY(fmax, fmax, detail::array::Same)
TESSERA_DETAIL_ARRAY_BINARY(fmin, fmin, detail::array::Same)
TESSERA_DETAIL_ARRAY_BINARY(arctan2, arctan2, detail::array::Floating2)
TESSERA_DETAIL_ARRAY_BINARY(hypot, hypot, detail::array::Floating2)
TESSERA_DETAIL_ARRAY_BINARY(equal, equal, detail::array::Compare)
TESSERA_DETAIL_ARRAY_BINARY(not_equal, not_equal, detail::array::Compare)
TESSERA_DETAIL_ARRAY_BINARY(less, less, detail::array::Compare)
TESSERA_DETAIL_ARRAY_BINARY(less_equal, less_equal, detail::array::Compare)
TESSERA_DETAIL_ARRAY_BINARY(greater, greater, detail::array::Compare)
TESSERA_DETAIL_ARRAY_BINARY(greater_equal, greater_equal, detail::array::Compare)
/// Truth of both (either, exactly one) of a and b: nonzero is true.
TESSERA_DETAIL_ARRAY_BINARY(logical_and, logical_and, detail::array::Compare)
TESSERA_DETAIL_ARRAY_BINARY(logical_or, logical_or, detail::array::Compare)
TESSERA_DETAIL_ARRAY_BINARY(logical_xor, logical_xor, detail::array::Compare)
/// Bitwise and, or, xor of integers and bools (the operators &, |, ^).
TESSERA_DETAIL_ARRAY_BINARY(bitwise_and, bitwise_and, detail::array::Bitwise)
TESSERA_DETAIL_ARRAY_BINARY(bitwise_or, bitwise_or, detail::array::Bitwise)
TESSERA_DETAIL_ARRAY_BINARY(bitwise_xor, bitwise_xor, detail::array::Bitwise)

#undef TESSERA_DETAIL_ARRAY_BINARY

#define TESSERA_DETAIL_ARRAY_OPERATOR(symbol, name)            \
  template <class A, class B>                                  \
  auto operator symbol(const Array<A>& a, const Array<B>& b) { \
    return name(a, b);                                         \
  }                                                            \
  template <class A, detail::array::ArrayScalar S>             \
  auto operator symbol(const Array<A>& a, S s) {               \
    return name(a, s);                                         \
  }                                                            \
  template <class A, detail::array::ArrayScalar S>             \
  auto operator symbol(S s, const Array<A>& a) {               \
    return name(s, a);                                         \
  }

TESSERA_DETAIL_ARRAY_OPERATOR(+, add)
TESSERA_DETAIL_ARRAY_OPERATOR(-, subtract)
TESSERA_DETAIL_ARRAY_OPERATOR(*, multiply)
TESSERA_DETAIL_ARRAY_OPERATOR(/, divide)
TESSERA_DETAIL_ARRAY_OPERATOR(%, remainder)
TESSERA_DETAIL_ARRAY_OPERATOR(==, equal)
TESSERA_DETAIL_ARRAY_OPERATOR(!=, not_equal)
TESSERA_DETAIL_ARRAY_OPERATOR(<, less)
TESSERA_DETAIL_ARRAY_OPERATOR(<=, less_equal)
TESSERA_DETAIL_ARRAY_OPERATOR(>, greater)
TESSERA_DETAIL_ARRAY_OPERATOR(>=, greater_equal)
TESSERA_DETAIL_ARRAY_OPERATOR(&, bitwise_and)
TESSERA_DETAIL_ARRAY_OPERATOR(|, bitwise_or)
TESSERA_DETAIL_ARRAY_OPERATOR(^, bitwise_xor)

#undef TESSERA_DETAIL_ARRAY_OPERATOR

#define TESSERA_DETAIL_ARRAY_UNARY(name, op, result)                                  \
  template <class A>                                                                  \
  Array<result> name(const Array<A>& a) {                                             \
    return Array<result>(detail::array::unary(detail::array::Unary::op, a.handle())); \
  }

TESSERA_DETAIL_ARRAY_UNARY(negative, negative, A)
TESSERA_DETAIL_ARRAY_UNARY(positive, positive, A)
TESSERA_DETAIL_ARRAY_UNARY(abs, abs, A)
TESSERA_DETAIL_ARRAY_UNARY(sign, sign, A)
TESSERA_DETAIL_ARRAY_UNARY(square, square, A)
TESSERA_DETAIL_ARRAY_UNARY(sqrt, sqrt, floating_t<A>)
TESSERA_DETAIL_ARRAY_UNARY(cbrt, cbrt, floating_t<A>)
TESSERA_DETAIL_ARRAY_UNARY(exp, exp, floating_t<A>)
TESSERA_DETAIL_ARRAY_UNARY(exp2, exp2, floating_t<A>)
TESSERA_DETAIL_ARRAY_UNARY(expm1, expm1, floating_t<A>)
TESSERA_DETAIL_ARRAY_UNARY(log, log, floating_t<A>)
TESSERA_DETAIL_ARRAY_UNARY(log2, log2, floating_t<A>)
TESSERA_DETAIL_ARRAY_UNARY(log10, log10, floating_t<A>)
TESSERA_DETAIL_ARRAY_UNARY(log1p, log1p, floating_t<A>)
TESSERA_DETAIL_ARRAY_UNARY(sin, sin, floating_t<A>)
TESSERA_DETAIL_ARRAY_UNARY(cos, cos, floating_t<A>)
TESSERA_DETAIL_ARRAY_UNARY(tan, tan, floating_t<A>)
TESSERA_DETAIL_ARRAY_UNARY(arcsin, arcsin, floating_t<A>)
TESSERA_DETAIL_ARRAY_UNARY(arccos, arccos, floating_t<A>)
TESSERA_DETAIL_ARRAY_UNARY(arctan, arctan, floating_t<A>)
TESSERA_DETAIL_ARRAY_UNARY(sinh, sinh, floating_t<A>)
TESSERA_DETAIL_ARRAY_UNARY(cosh, cosh, floating_t<A>)
TESSERA_DETAIL_ARRAY_UNARY(tanh, tanh, floating_t<A>)
/// Rounding: integer and bool arrays keep their type (NumPy 2).
TESSERA_DETAIL_ARRAY_UNARY(floor, floor, A)
TESSERA_DETAIL_ARRAY_UNARY(ceil, ceil, A)
TESSERA_DETAIL_ARRAY_UNARY(trunc, trunc, A)
TESSERA_DETAIL_ARRAY_UNARY(rint, rint, floating_t<A>)
TESSERA_DETAIL_ARRAY_UNARY(isnan, isnan, bool)
TESSERA_DETAIL_ARRAY_UNARY(isinf, isinf, bool)
TESSERA_DETAIL_ARRAY_UNARY(isfinite, isfinite, bool)
TESSERA_DETAIL_ARRAY_UNARY(logical_not, logical_not, bool)
/// Bitwise not of integers; logical not of bools (the operator ~).
TESSERA_DETAIL_ARRAY_UNARY(invert, invert, A)

#undef TESSERA_DETAIL_ARRAY_UNARY

template <class A>
Array<A> operator-(const Array<A>& a) {
  return negative(a);
}
template <class A>
Array<A> operator~(const Array<A>& a) {
  return invert(a);
}
template <class A>
Array<bool> operator!(const Array<A>& a) {
  return logical_not(a);
}

/// Elements of a where condition holds, of b elsewhere (all three broadcast together).
template <class C, class A, class B>
Array<promote_t<A, B>> where(const Array<C>& condition, const Array<A>& a, const Array<B>& b) {
  return Array<promote_t<A, B>>(detail::array::where(condition.handle(), a.handle(), b.handle()));
}
template <class C, class A, detail::array::ArrayScalar S>
Array<promote_scalar_t<A, S>> where(const Array<C>& condition, const Array<A>& a, S b) {
  return where(
      condition, a,
      full<promote_scalar_t<A, S>>({}, static_cast<promote_scalar_t<A, S>>(b), ChunkSpec{}));
}
template <class C, class B, detail::array::ArrayScalar S>
Array<promote_scalar_t<B, S>> where(const Array<C>& condition, S a, const Array<B>& b) {
  return where(
      condition,
      full<promote_scalar_t<B, S>>({}, static_cast<promote_scalar_t<B, S>>(a), ChunkSpec{}), b);
}

namespace detail::array {
// An integer bound of clip as the integer type R: beyond R's range, R's own limit (NumPy's clip
// of uint8 by -3 or 300 clips to 0 or 255, where uint8 + 300 is an error).
template <class R, class S>
auto clip_bound(S bound) {
  if constexpr (std::is_integral_v<R> && !std::is_same_v<R, bool> && std::is_integral_v<S> &&
                !std::is_same_v<S, bool>) {
    if (std::cmp_less(bound, std::numeric_limits<R>::min())) return std::numeric_limits<R>::min();
    if (std::cmp_greater(bound, std::numeric_limits<R>::max()))
      return std::numeric_limits<R>::max();
    return static_cast<R>(bound);
  } else {
    return bound;
  }
}
}  // namespace detail::array

/// a limited to [low, high] (NumPy's clip: minimum(maximum(a, low), high)).
template <class A, detail::array::ArrayScalar S>
Array<promote_scalar_t<A, S>> clip(const Array<A>& a, S low, S high) {
  using R = promote_scalar_t<A, S>;
  return minimum(maximum(a, detail::array::clip_bound<R>(low)), detail::array::clip_bound<R>(high));
}
template <class A, class L, class H>
auto clip(const Array<A>& a, const Array<L>& low, const Array<H>& high) {
  return minimum(maximum(a, low), high);
}

/// The axes of `a` permuted (reversed when `axes` is empty).
template <class T>
Array<T> transpose(const Array<T>& a, std::vector<int> axes = {}) {
  return a.transpose(std::move(axes));
}
/// `a` with axes i and j swapped.
template <class T>
Array<T> swapaxes(const Array<T>& a, int i, int j) {
  const auto n = static_cast<int>(a.ndim());
  std::vector<int> axes(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) axes[static_cast<std::size_t>(k)] = k;
  auto normal = [&](int axis) {
    if (axis < -n || axis >= n) {
      throw ArrayError("swapaxes: axis " + std::to_string(axis) +
                       " is out of range for an array of " + std::to_string(n) + " dimensions");
    }
    return static_cast<std::size_t>(axis < 0 ? axis + n : axis);
  };
  std::swap(axes[normal(i)], axes[normal(j)]);
  return a.transpose(axes);
}

}  // namespace tessera
