#pragma once
// The order of elements that sorting operations use: NumPy's sort order, in which NaN comes
// after every number (and NaNs are equal to each other).

#include <cmath>
#include <type_traits>

namespace tessera::detail::array {

/// x before y in ascending order, NaN last.
template <class T>
bool sorts_before(T x, T y) noexcept {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(x)) return false;
    if (std::isnan(y)) return true;
  }
  return x < y;
}

/// x and y are the same value for sorting (two NaNs are).
template <class T>
bool sorts_equal(T x, T y) noexcept {
  return !sorts_before(x, y) && !sorts_before(y, x);
}

}  // namespace tessera::detail::array
