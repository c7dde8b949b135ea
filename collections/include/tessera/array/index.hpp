#pragma once
// Indices of Array::operator() and Array::blocks(): NumPy's basic indexing in C++.
//
//   x(tessera::slice(2, 10, 2), 3, tessera::newaxis)   // x[2:10:2, 3, np.newaxis]
//   x(tessera::all, -1)                                 // x[:, -1]
//   x(tessera::slice({}, {}, -1))                       // x[::-1]
//   x(tessera::ellipsis, 0)                             // x[..., 0]
//   x.blocks(0, tessera::slice(1, 3))                   // x.blocks[0, 1:3] (Dask)

#include <concepts>
#include <cstdint>
#include <optional>

namespace tessera {

/// start:stop:step along one axis, as in Python: an absent start or stop is the end the step
/// moves away from (towards), negative ones count from the end, and the step may be negative.
struct Slice {
  std::optional<std::int64_t> start;
  std::optional<std::int64_t> stop;
  std::int64_t step = 1;
};

/// 0:stop.
inline Slice slice(std::optional<std::int64_t> stop) { return Slice{std::nullopt, stop, 1}; }
/// start:stop:step.
inline Slice slice(std::optional<std::int64_t> start, std::optional<std::int64_t> stop,
                   std::int64_t step = 1) {
  return Slice{start, stop, step};
}

/// The whole axis (Python's `:`).
struct AllIndex {};
inline constexpr AllIndex all{};
/// A new axis of length 1 (np.newaxis).
struct NewAxis {};
inline constexpr NewAxis newaxis{};
/// As many whole axes as the other indices leave (Python's `...`).
struct Ellipsis {};
inline constexpr Ellipsis ellipsis{};

/// One index: an integer (which drops its axis), a Slice, all, newaxis or ellipsis.
class Index {
 public:
  enum class Kind : std::uint8_t { integer, slice, new_axis, ellipsis };

  template <std::integral I>
  Index(I i) : kind_(Kind::integer), integer_(static_cast<std::int64_t>(i)) {}  // NOLINT
  Index(Slice s) : kind_(Kind::slice), slice_(s) {}                             // NOLINT
  Index(AllIndex) : kind_(Kind::slice) {}                                       // NOLINT
  Index(NewAxis) : kind_(Kind::new_axis) {}                                     // NOLINT
  Index(Ellipsis) : kind_(Kind::ellipsis) {}                                    // NOLINT

  Kind kind() const noexcept { return kind_; }
  std::int64_t integer() const noexcept { return integer_; }
  const Slice& slice() const noexcept { return slice_; }

 private:
  Kind kind_;
  std::int64_t integer_ = 0;
  Slice slice_;
};

}  // namespace tessera
