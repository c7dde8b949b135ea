#pragma once
// Block programming: your own functions applied to the blocks of arrays, as Dask's map_blocks,
// blockwise, map_overlap and reduction. Included by tessera/array.hpp.
//
// A block function reads its input blocks through BlockView<T> (one per array, in order),
// may take the block's place as a trailing `const tessera::BlockInfo&`, and returns the
// result block as a HostArray<U>; U is the element type of the result. Functions run on the
// workers (MPI ranks too), so they are registered with TESSERA_TASK:
//
//   // 5-point Laplacian: x(i, j) reaches one element into the neighbouring blocks.
//   tessera::HostArray<double> laplace(const tessera::BlockView<double>& x) {
//     tessera::HostArray<double> out(x.shape());
//     for (std::int64_t i = 0; i < x.shape()[0]; ++i)
//       for (std::int64_t j = 0; j < x.shape()[1]; ++j)
//         out(i, j) = x(i - 1, j) + x(i + 1, j) + x(i, j - 1) + x(i, j + 1) - 4 * x(i, j);
//     return out;
//   }
//   TESSERA_TASK(laplace);
//
//   auto y = tessera::map_overlap(laplace, x, {1, 1}, tessera::Boundary::periodic());
//   auto z = tessera::map_blocks(scale, x, w);          // blocks of x and w side by side

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "tessera/array/block.hpp"
#include "tessera/array/detail/untyped.hpp"
#include "tessera/array/errors.hpp"
#include "tessera/array/host_array.hpp"
#include "tessera/array/options.hpp"
#include "tessera/array/shape.hpp"

namespace tessera {

template <class E>
class Array;

/// A read-only view of one input block of a block function, with its halo under
/// map_overlap. x(i, j, ...) is the element at that index from the block's first element;
/// along each axis the index runs from lo(axis) to hi(axis) - 1: 0 to shape()[axis] - 1
/// without a halo, -depth to shape()[axis] + depth - 1 with one (less where the array ends
/// and the boundary is "none"). Indexing is unchecked, as a C array's.
template <class T>
class BlockView {
 public:
  BlockView() = default;
  /// A view of a whole block (no halo).
  explicit BlockView(Block block)
      : BlockView(Block(block), block.shape, Shape(block.shape.size())) {}
  /// A view of the block of `shape` inside `padded`, whose halo before it is `halo` wide
  /// along each axis; ArrayError if it does not fit or `padded` is not a block of T.
  BlockView(Block padded, Shape shape, Shape halo);

  /// The block's own lengths (without its halo).
  const Shape& shape() const noexcept { return shape_; }
  std::int64_t ndim() const noexcept { return static_cast<std::int64_t>(shape_.size()); }
  /// Elements of the block (without its halo).
  std::int64_t size() const noexcept {
    std::int64_t n = 1;
    for (std::int64_t d : shape_) n *= d;
    return n;
  }
  /// First and one past the last index that may be read along `axis`.
  std::int64_t lo(std::size_t axis) const noexcept { return -halo_[axis]; }
  std::int64_t hi(std::size_t axis) const noexcept { return padded_.shape[axis] - halo_[axis]; }

  /// The element at an index, one per axis (unchecked).
  template <class... I>
  const T& operator()(I... index) const noexcept {
    std::int64_t offset = 0;
    std::size_t axis = 0;
    ((offset += static_cast<std::int64_t>(index) * strides_[axis++]), ...);
    return origin_[offset];
  }
  /// The address of element (0, ..., 0); stride(axis) elements apart along `axis`.
  const T* data() const noexcept { return origin_; }
  std::int64_t stride(std::size_t axis) const noexcept { return strides_[axis]; }

  /// The elements in C order; ArrayError if the view has a halo (use padded()).
  std::span<const T> values() const;
  /// The block with its halo as one array (shared, not copied): for functions that work on
  /// the whole padded block and return a result of its shape, which map_overlap trims.
  HostArray<T> padded() const { return HostArray<T>(padded_); }

 private:
  Block padded_;
  Shape shape_;
  Shape halo_;
  std::vector<std::int64_t> strides_;
  const T* origin_ = nullptr;
};

/// What map_overlap puts beyond the edges of the array.
struct Boundary {
  enum class Kind : std::uint8_t { none, periodic, reflect, constant };
  Kind kind = Kind::none;
  double value = 0;  ///< of constant

  /// No halo at the array's edges: blocks there see fewer neighbours (lo(axis) is 0 or
  /// hi(axis) is the block length).
  static Boundary none() { return {Kind::none, 0}; }
  /// The array wraps around: the halo comes from the other end.
  static Boundary periodic() { return {Kind::periodic, 0}; }
  /// The array mirrored at its edge, edge element included (index -1 reads 0, -2 reads 1),
  /// as Dask's "reflect" and NumPy's pad(mode="symmetric").
  static Boundary reflect() { return {Kind::reflect, 0}; }
  /// The halo holds `value`.
  static Boundary constant(double value) { return {Kind::constant, value}; }
};

/// Options of map_blocks.
struct MapBlocksOptions {
  /// The result's chunks when the function returns blocks of other shapes: a block shape
  /// (ChunkSpec{4, -1}: every block has length 4 along axis 0, and the first array's lengths
  /// along axis 1), or every length (ChunkSpec(Chunks{...})). The number of blocks along each
  /// axis stays. By default the chunks of the arrays.
  std::optional<ChunkSpec> chunks{};
};

namespace detail::array {

/// An untyped block function: its address (a registered function), whether it takes a
/// BlockInfo, and the element type of its results.
struct BlockFunction {
  const void* address = nullptr;
  bool with_info = false;
  DType result = DType::float64;
};

Handle map_blocks(const BlockFunction& fn, const std::vector<Handle>& inputs,
                  const std::optional<ChunkSpec>& chunks);
Handle blockwise(const BlockFunction& fn, const std::string& out_index,
                 const std::vector<Handle>& inputs, const std::vector<std::string>& indices);
Handle map_overlap(const BlockFunction& fn, const Handle& input, const Shape& depth,
                   const std::vector<Boundary>& boundary);
/// The user reduction functions by address; `combine` may be null (aggregate combines).
Handle user_reduction(const void* chunk, const void* combine, const void* aggregate, DType partial,
                      DType result, const Handle& input, const Axes& axes,
                      const ReduceOptions& options);

/// The blocks of `input` with a halo, for stencils of neighbours (map_overlap's other form).
Handle neighbours(const Handle& input, const Shape& depth, const std::vector<Boundary>& boundary);
/// The array of the neighbours at `offset` (one per axis) of each element.
Handle shifted(const Handle& neighbours, const Shape& offset);

enum class Scan : std::uint8_t { sum, prod };
/// Cumulative sum or product along `axis` (none: a 1-d array's only axis).
Handle cumulative(Scan op, const Handle& input, std::optional<int> axis);

[[noreturn]] void throw_view_with_halo(const Shape& shape);
void check_view(DType dtype, const Block& padded, const Shape& shape, const Shape& halo);

template <class P>
struct ViewParameter : std::false_type {};
template <class T>
struct ViewParameter<BlockView<T>> : std::true_type {
  using element = T;
};
template <class R>
struct HostResult : std::false_type {};
template <class U>
struct HostResult<HostArray<U>> : std::true_type {
  using element = U;
};

/// What a block function R(P...) takes and returns, checked at compile time.
template <class F>
struct BlockFunctionType;
template <class R, class... P>
struct BlockFunctionType<R (*)(P...)> {
  using parameters = std::tuple<std::decay_t<P>...>;
  static constexpr std::size_t arity = sizeof...(P);
  static constexpr bool with_info = std::is_same_v<
      std::tuple_element_t<arity == 0 ? 0 : arity - 1, std::tuple<std::decay_t<P>..., void>>,
      BlockInfo>;
  static constexpr std::size_t inputs = arity - (with_info ? 1 : 0);

  template <std::size_t... I>
  static constexpr bool views(std::index_sequence<I...>) {
    return (ViewParameter<std::tuple_element_t<I, parameters>>::value && ...);
  }
  static_assert(HostResult<R>::value,
                "a block function returns a tessera::HostArray<U> (the result block)");
  static_assert(views(std::make_index_sequence<inputs>{}),
                "a block function takes const tessera::BlockView<T>& parameters, one per array, "
                "optionally followed by const tessera::BlockInfo&");
  using result = typename HostResult<R>::element;
  template <std::size_t I>
  using input = typename ViewParameter<std::tuple_element_t<I, parameters>>::element;
};

template <class F>
BlockFunction block_function(F fn) {
  using Type = BlockFunctionType<F>;
  return {reinterpret_cast<const void*>(fn), Type::with_info, dtype_of<typename Type::result>()};
}

template <class T, class A>
const Handle& input_handle(const A& array) {
  static_assert(std::is_same_v<A, Array<T>>,
                "each array's element type must be that of the BlockView<T> parameter at its "
                "position in the block function");
  return array.handle();
}

/// For a reduction function R(const BlockView<T>&, const std::vector<int>&).
template <class F>
struct ReductionFunctionType;
template <class R, class V, class X>
struct ReductionFunctionType<R (*)(V, X)> {
  static_assert(HostResult<R>::value && ViewParameter<std::decay_t<V>>::value &&
                    std::is_same_v<std::decay_t<X>, std::vector<int>>,
                "a reduction function is tessera::HostArray<U> f(const tessera::BlockView<T>& "
                "x, const std::vector<int>& axes): it reduces x along axes, keeping them");
  using input = typename ViewParameter<std::decay_t<V>>::element;
  using result = typename HostResult<R>::element;
};

}  // namespace detail::array

template <class T>
BlockView<T>::BlockView(Block padded, Shape shape, Shape halo)
    : padded_(std::move(padded)), shape_(std::move(shape)), halo_(std::move(halo)) {
  detail::array::check_view(dtype_of<T>(), padded_, shape_, halo_);
  strides_.assign(shape_.size(), 1);
  for (std::size_t d = shape_.size(); d-- > 1;) strides_[d - 1] = strides_[d] * padded_.shape[d];
  std::int64_t first = 0;
  for (std::size_t d = 0; d < shape_.size(); ++d) first += halo_[d] * strides_[d];
  origin_ = reinterpret_cast<const T*>(padded_.data.data()) + first;
}

template <class T>
std::span<const T> BlockView<T>::values() const {
  if (padded_.shape != shape_) detail::array::throw_view_with_halo(padded_.shape);
  return {origin_, static_cast<std::size_t>(size())};
}

/// Applies `fn` to the blocks of one or several arrays: fn(x_block, y_block, ...) makes the
/// result's block at the same place. Arrays line up block by block, with NumPy's
/// broadcasting of their axes (the last axes line up; an array with one block along an axis
/// gives it to every block there); ArrayError if their chunks do not line up. A
/// MapBlocksOptions may come last. The result's shape and type are checked block by block.
///   auto y = tessera::map_blocks(scale, x, w, tessera::MapBlocksOptions{.chunks = ...});
template <class R, class... P, class... Args>
Array<typename detail::array::BlockFunctionType<R (*)(P...)>::result> map_blocks(
    R (*fn)(P...), const Args&... args) {
  using Type = detail::array::BlockFunctionType<R (*)(P...)>;
  constexpr std::size_t n = Type::inputs;
  static_assert(n > 0, "map_blocks: the function takes at least one block");
  static_assert(sizeof...(Args) == n || sizeof...(Args) == n + 1,
                "map_blocks: give one array per BlockView parameter, then optionally "
                "MapBlocksOptions");
  const auto all = std::tie(args...);
  std::vector<detail::array::Handle> inputs;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (inputs.push_back(
         detail::array::input_handle<typename Type::template input<I>>(std::get<I>(all))),
     ...);
  }
  (std::make_index_sequence<n>{});
  std::optional<ChunkSpec> chunks;
  if constexpr (sizeof...(Args) == n + 1) {
    const auto& options = std::get<n>(all);
    static_assert(std::is_same_v<std::decay_t<decltype(options)>, MapBlocksOptions>,
                  "map_blocks: the argument after the arrays is a MapBlocksOptions");
    chunks = options.chunks;
  }
  return Array<typename Type::result>(
      detail::array::map_blocks(detail::array::block_function(fn), inputs, chunks));
}

/// Dask's blockwise: the result's axes are named by `out_index` ("ij"), each array's by the
/// index after it, and block (i, j) of the result is fn of the blocks of the arrays at the
/// positions their indices name, as they are (not transposed):
///   tessera::blockwise(add_transposed, "ij", x, "ij", y, "ji");
/// An array without one of the result's letters is given to every block along it; one with
/// a single block along an axis is too. Left out: letters that are not in the result
/// (contractions, Dask's concatenate=True), new axes and adjusted chunks.
template <class R, class... P, class... Args>
Array<typename detail::array::BlockFunctionType<R (*)(P...)>::result> blockwise(
    R (*fn)(P...), std::string_view out_index, const Args&... args) {
  using Type = detail::array::BlockFunctionType<R (*)(P...)>;
  constexpr std::size_t n = Type::inputs;
  static_assert(sizeof...(Args) == 2 * n,
                "blockwise: give each array followed by its index (\"ij\"), one per BlockView "
                "parameter");
  const auto all = std::tie(args...);
  std::vector<detail::array::Handle> inputs;
  std::vector<std::string> indices;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((inputs.push_back(
          detail::array::input_handle<typename Type::template input<I>>(std::get<2 * I>(all))),
      indices.emplace_back(std::get<2 * I + 1>(all))),
     ...);
  }
  (std::make_index_sequence<n>{});
  return Array<typename Type::result>(detail::array::blockwise(
      detail::array::block_function(fn), std::string(out_index), inputs, indices));
}

/// Applies `fn` to each block of `x` with a halo of `depth` elements along each axis (one
/// value for every axis, or one per axis) from the neighbouring blocks, as Dask's
/// map_overlap: only thin slices of the neighbours travel, never whole blocks. Beyond the
/// array's edges the halo follows `boundary` (one for every axis, or one per axis). fn
/// returns the block without its halo (x.shape(): no copy), or with it (trimmed, as Dask's
/// trim=True). ArrayError if depth exceeds the smallest block along an axis: rechunk first.
template <class R, class... P, class E>
Array<typename detail::array::BlockFunctionType<R (*)(P...)>::result> map_overlap(
    R (*fn)(P...), const Array<E>& x, Shape depth, std::vector<Boundary> boundary) {
  using Type = detail::array::BlockFunctionType<R (*)(P...)>;
  static_assert(Type::inputs == 1, "map_overlap: the function takes one BlockView");
  const auto& input = detail::array::input_handle<typename Type::template input<0>>(x);
  return Array<typename Type::result>(
      detail::array::map_overlap(detail::array::block_function(fn), input, depth, boundary));
}
template <class R, class... P, class E>
Array<typename detail::array::BlockFunctionType<R (*)(P...)>::result> map_overlap(
    R (*fn)(P...), const Array<E>& x, Shape depth, Boundary boundary = Boundary::none()) {
  return map_overlap(fn, x, std::move(depth), std::vector<Boundary>{boundary});
}

/// The neighbours of each element of an array, for stencils written as array arithmetic
/// (map_overlap's second form): x(di, dj, ...) is the array whose element (i, j, ...) is the
/// input's element (i + di, j + dj, ...), the boundary filling in beyond the array's edges.
template <class T>
class Neighbours {
 public:
  explicit Neighbours(detail::array::Handle padded) : padded_(std::move(padded)) {}
  /// The neighbours at an offset per axis, each within the depth.
  template <class... D>
  Array<T> operator()(D... offset) const {
    return Array<T>(detail::array::shifted(padded_, Shape{static_cast<std::int64_t>(offset)...}));
  }

 private:
  detail::array::Handle padded_;
};

/// map_overlap of a stencil written as array arithmetic on the neighbours of each element:
/// `stencil` is called once, now, with the Neighbours of x; what it returns is computed as
/// one pass over each block with its halo, fused with what follows (a sum of the result reads
/// no intermediate block), on every kernel backend (reference, Kokkos, CUDA), and needs no
/// registration. The boundary must give values beyond the edges (periodic, reflect or
/// constant).
///   auto laplacian = tessera::map_overlap(
///       [](const tessera::Neighbours<double>& x) {
///         return x(-1, 0) + x(1, 0) + x(0, -1) + x(0, 1) - 4.0 * x(0, 0);
///       },
///       a, {1, 1}, tessera::Boundary::periodic());
template <class F, class E>
requires std::is_invocable_v < F, const Neighbours<E>
& > auto map_overlap(F&& stencil, const Array<E>& x, Shape depth, std::vector<Boundary> boundary) {
  Neighbours<E> neighbours(detail::array::neighbours(x.handle(), depth, boundary));
  return std::forward<F>(stencil)(neighbours);
}
template <class F, class E>
requires std::is_invocable_v < F, const Neighbours<E>
& > auto map_overlap(F&& stencil, const Array<E>& x, Shape depth, Boundary boundary) {
  return map_overlap(std::forward<F>(stencil), x, std::move(depth),
                     std::vector<Boundary>{boundary});
}

/// A tree reduction of your own, as Dask's da.reduction: `chunk` reduces each block along
/// the reduced axes (keeping them), `combine` reduces partial results concatenated along
/// those axes, split_every at a time, and `aggregate` makes the final result from the last
/// ones. Each is HostArray<U> f(const BlockView<T>& x, const std::vector<int>& axes), keeps
/// the axes that are not reduced, and is registered with TESSERA_TASK; aggregate returns
/// length 1 along the reduced axes (dropped unless options.keepdims).
///   auto s = tessera::reduction(x, sum_squares, sum_along, sum_along, 0);
template <class T, class C, class M, class A>
Array<typename detail::array::ReductionFunctionType<A>::result> reduction(
    const Array<T>& x, C chunk, M combine, A aggregate, Axes axis = {},
    ReduceOptions options = {}) {
  using Chunk = detail::array::ReductionFunctionType<C>;
  using Combine = detail::array::ReductionFunctionType<M>;
  using Aggregate = detail::array::ReductionFunctionType<A>;
  static_assert(std::is_same_v<typename Chunk::input, T>,
                "reduction: chunk reads blocks of the array's element type");
  static_assert(std::is_same_v<typename Combine::input, typename Chunk::result> &&
                    std::is_same_v<typename Combine::result, typename Chunk::result>,
                "reduction: combine reads and returns the partial results of chunk");
  static_assert(std::is_same_v<typename Aggregate::input, typename Chunk::result>,
                "reduction: aggregate reads the partial results of chunk");
  return Array<typename Aggregate::result>(detail::array::user_reduction(
      reinterpret_cast<const void*>(chunk), reinterpret_cast<const void*>(combine),
      reinterpret_cast<const void*>(aggregate), dtype_of<typename Chunk::result>(),
      dtype_of<typename Aggregate::result>(), x.handle(), axis, options));
}
/// The same with `aggregate` as the combine step too (its result type is the partial's).
template <class T, class C, class A>
Array<typename detail::array::ReductionFunctionType<A>::result> reduction(
    const Array<T>& x, C chunk, A aggregate, Axes axis = {}, ReduceOptions options = {}) {
  return reduction(x, chunk, aggregate, aggregate, std::move(axis), options);
}

}  // namespace tessera
