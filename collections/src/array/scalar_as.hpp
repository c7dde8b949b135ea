#pragma once
// The value of an expression's scalar as an element type, for the host side of the kernels.

#include <type_traits>

#include "kernels.hpp"
#include "tessera/array/detail/untyped.hpp"

namespace tessera::detail::array {

/// A scalar of an expression as element type T (C++'s conversions; NumPy's for floats that
/// do not fit an integer type).
template <class T>
T scalar_as(const Scalar& s) noexcept {
  using reference::convert;
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(s.f);
  } else if constexpr (std::is_same_v<T, bool>) {
    return s.kind == ScalarKind::floating ? s.f != 0 : s.i != 0;
  } else if constexpr (std::is_same_v<T, std::uint64_t>) {
    return s.kind == ScalarKind::floating ? convert<T>(s.f) : s.u;
  } else {
    return s.kind == ScalarKind::floating ? convert<T>(s.f) : static_cast<T>(s.i);
  }
}

}  // namespace tessera::detail::array
