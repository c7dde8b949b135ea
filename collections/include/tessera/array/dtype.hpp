#pragma once
// Element types of arrays, and NumPy's rules for the type of a result (type promotion).
//
//   tessera::promote_t<float, double>    // double, as NumPy's float32 + float64
//   tessera::promote_t<std::int32_t, float>  // double (int32 does not fit float32)

#include <cstdint>
#include <string>
#include <type_traits>

namespace tessera {

/// The element types an Array can hold (NumPy's bool, uint8, int32, int64, uint64, float32,
/// float64), in NumPy's order of kinds.
enum class DType : std::uint8_t { bool_, uint8, int32, int64, uint64, float32, float64 };

/// Bytes per element.
std::size_t itemsize(DType dtype) noexcept;
/// NumPy's name: "bool", "uint8", "int32", "int64", "uint64", "float32", "float64".
const char* dtype_name(DType dtype) noexcept;
bool is_floating(DType dtype) noexcept;
bool is_integer(DType dtype) noexcept;  ///< signed or unsigned, not bool

/// The type NumPy gives to an operation on arrays of types a and b (np.result_type).
DType promote(DType a, DType b) noexcept;

/// How a C++ scalar takes part in promotion: as a Python scalar does in NumPy 2 (NEP 50), it
/// is "weak": int32_array + 1 stays int32 and float32_array * 2.0 stays float32, but an
/// integer array with a floating scalar becomes float64.
enum class ScalarKind : std::uint8_t { bool_, integer, floating };
DType promote_with_scalar(DType array, ScalarKind scalar) noexcept;

/// The type of a floating result of an operation on a (sqrt, mean, true division): float32
/// stays float32; bool and uint8 become float32 (NumPy gives float16, which tessera does not
/// have); other integers become float64.
DType floating_result(DType a) noexcept;
/// The type of true division, mean, var and std: float32 stays float32, all else float64.
DType division_result(DType a) noexcept;

template <class T>
inline constexpr bool is_array_element =
    std::is_same_v<T, bool> || std::is_same_v<T, std::uint8_t> || std::is_same_v<T, std::int32_t> ||
    std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::uint64_t> ||
    std::is_same_v<T, float> || std::is_same_v<T, double>;

/// The DType of element type T.
template <class T>
constexpr DType dtype_of() noexcept {
  static_assert(is_array_element<T>,
                "an Array element is bool, std::uint8_t, std::int32_t, std::int64_t, "
                "std::uint64_t, float or double");
  if constexpr (std::is_same_v<T, bool>) return DType::bool_;
  if constexpr (std::is_same_v<T, std::uint8_t>) return DType::uint8;
  if constexpr (std::is_same_v<T, std::int32_t>) return DType::int32;
  if constexpr (std::is_same_v<T, std::int64_t>) return DType::int64;
  if constexpr (std::is_same_v<T, std::uint64_t>) return DType::uint64;
  if constexpr (std::is_same_v<T, float>) return DType::float32;
  if constexpr (std::is_same_v<T, double>) return DType::float64;
}

namespace detail {
template <DType D>
struct ElementOf;
template <>
struct ElementOf<DType::bool_> {
  using type = bool;
};
template <>
struct ElementOf<DType::uint8> {
  using type = std::uint8_t;
};
template <>
struct ElementOf<DType::int32> {
  using type = std::int32_t;
};
template <>
struct ElementOf<DType::int64> {
  using type = std::int64_t;
};
template <>
struct ElementOf<DType::uint64> {
  using type = std::uint64_t;
};
template <>
struct ElementOf<DType::float32> {
  using type = float;
};
template <>
struct ElementOf<DType::float64> {
  using type = double;
};

// The same rules as promote(), at compile time, so that Array<A> + Array<B> has a C++ type.
constexpr int kind_rank(DType d) { return static_cast<int>(d); }
constexpr DType promote_constexpr(DType a, DType b) {
  if (a == b) return a;
  if (kind_rank(a) > kind_rank(b)) return promote_constexpr(b, a);
  // now a < b in the order bool, uint8, int32, int64, uint64, float32, float64
  switch (a) {
    case DType::bool_:
      return b;
    case DType::uint8:
      return b;  // uint8 fits every wider type, float32 included
    case DType::int32:
      return b == DType::int64 ? DType::int64 : DType::float64;  // uint64, float32: float64
    case DType::int64:
      return DType::float64;  // with uint64, float32 or float64
    case DType::uint64:
      return DType::float64;
    case DType::float32:
      return DType::float64;
    case DType::float64:
      return DType::float64;
  }
  return DType::float64;
}
constexpr DType floating_constexpr(DType a) {
  switch (a) {
    case DType::bool_:
    case DType::uint8:
    case DType::float32:
      return DType::float32;
    default:
      return DType::float64;
  }
}
template <class S>
constexpr ScalarKind scalar_kind() {
  if constexpr (std::is_same_v<S, bool>) {
    return ScalarKind::bool_;
  } else if constexpr (std::is_integral_v<S>) {
    return ScalarKind::integer;
  } else {
    return ScalarKind::floating;
  }
}
constexpr DType scalar_promote_constexpr(DType a, ScalarKind s) {
  switch (s) {
    case ScalarKind::bool_:
      return a;
    case ScalarKind::integer:
      return a == DType::bool_ ? DType::int64 : a;
    case ScalarKind::floating:
      return (a == DType::float32 || a == DType::float64) ? a : DType::float64;
  }
  return a;
}
}  // namespace detail

/// The element type of DType D.
template <DType D>
using element_t = typename detail::ElementOf<D>::type;

/// The element type of A op B for arrays of A and B (NumPy's promotion).
template <class A, class B>
using promote_t = element_t<detail::promote_constexpr(dtype_of<A>(), dtype_of<B>())>;

/// The element type of A op s for an array of A and a C++ scalar of type S (weak scalar).
template <class A, class S>
using promote_scalar_t =
    element_t<detail::scalar_promote_constexpr(dtype_of<A>(), detail::scalar_kind<S>())>;

/// The element type of sqrt, exp, mean, ... of an array of A.
template <class A>
using floating_t = element_t<detail::floating_constexpr(dtype_of<A>())>;

/// The element type of true division, mean, var and std on A: float32 stays float32,
/// everything else becomes float64 (as NumPy's true_divide and mean).
template <class A>
using float64_unless_float32_t = std::conditional_t<std::is_same_v<A, float>, float, double>;

/// The element type of true division of A by B.
template <class A, class B>
using divide_t = float64_unless_float32_t<promote_t<A, B>>;

}  // namespace tessera
