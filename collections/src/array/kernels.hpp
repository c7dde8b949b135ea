#pragma once
// The reference kernels of elementwise operations: what one element of each operation is, for
// each element type, with NumPy's semantics (integer arithmetic wraps around, integer division
// by zero gives 0, floor division and remainder round towards minus infinity, maximum and
// minimum propagate NaN). Every other implementation is tested against these.

#include <cstdint>
#include <type_traits>

#include "kernels/backend.hpp"
#include "tessera/array/detail/untyped.hpp"

namespace tessera::detail::array::TESSERA_KERNEL_BACKEND {

template <class T>
inline constexpr bool is_float_v = std::is_floating_point_v<T>;

/// a op b with wrap-around for integers (signed overflow is undefined in C++, not in NumPy).
template <class T>
TESSERA_KERNEL T wrap_add(T a, T b) noexcept {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  } else {
    return a + b;
  }
}
template <class T>
TESSERA_KERNEL T wrap_sub(T a, T b) noexcept {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
  } else {
    return a - b;
  }
}
template <class T>
TESSERA_KERNEL T wrap_mul(T a, T b) noexcept {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::conditional_t<sizeof(T) < sizeof(unsigned), unsigned, std::make_unsigned_t<T>>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) * static_cast<U>(b)));
  } else if constexpr (std::is_same_v<T, bool>) {
    return a && b;
  } else {
    return a * b;
  }
}

/// +0 or -0 with the sign of x (C's copysign(0, x), which Kokkos 3.4 lacks).
template <class T>
TESSERA_KERNEL T signed_zero(T x) noexcept {
  return (x < T(0) || (x == T(0) && T(1) / x < T(0))) ? -T(0) : T(0);
}

template <class T>
TESSERA_KERNEL T floor_divide(T a, T b) noexcept {
  if constexpr (is_float_v<T>) {
    if (b == 0) return a / b;
    T mod = TESSERA_MATH::fmod(a, b);
    T div = (a - mod) / b;
    if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1;
    if (div == 0) return signed_zero(a / b);
    T floor = TESSERA_MATH::floor(div);
    if (div - floor > T(0.5)) floor += 1;
    return floor;
  } else if constexpr (std::is_signed_v<T>) {
    if (b == 0) return 0;
    if (b == -1) return wrap_sub(T(0), a);
    T q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
  } else {
    return b == 0 ? T(0) : static_cast<T>(a / b);
  }
}

template <class T>
TESSERA_KERNEL T remainder(T a, T b) noexcept {
  if constexpr (is_float_v<T>) {
    if (b == 0) return TESSERA_MATH::fmod(a, b);
    T mod = TESSERA_MATH::fmod(a, b);
    if (mod != 0) {
      if ((b < 0) != (mod < 0)) mod += b;
    } else {
      mod = signed_zero(b);
    }
    return mod;
  } else if constexpr (std::is_signed_v<T>) {
    if (b == 0 || b == -1) return 0;
    T r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
  } else {
    return b == 0 ? T(0) : static_cast<T>(a % b);
  }
}

/// a to the power b; `negative` is set for an integer to a negative power (NumPy's error).
template <class T>
TESSERA_KERNEL T power(T a, T b, bool& negative) noexcept {
  if constexpr (is_float_v<T>) {
    return TESSERA_MATH::pow(a, b);
  } else if constexpr (std::is_same_v<T, bool>) {
    return a || !b;  // not reached: the graph refuses power of bools
  } else {
    if constexpr (std::is_signed_v<T>) {
      if (b < 0) {
        negative = true;
        return 0;
      }
    }
    T result = 1;
    T base = a;
    auto exponent = static_cast<std::make_unsigned_t<T>>(b);
    while (exponent) {
      if (exponent & 1u) result = wrap_mul(result, base);
      base = wrap_mul(base, base);
      exponent >>= 1u;
    }
    return result;
  }
}

template <class T>
TESSERA_KERNEL T maximum(T a, T b) noexcept {
  if constexpr (is_float_v<T>) {
    return (a >= b || TESSERA_MATH::isnan(a)) ? a : b;
  } else {
    return a >= b ? a : b;
  }
}
template <class T>
TESSERA_KERNEL T minimum(T a, T b) noexcept {
  if constexpr (is_float_v<T>) {
    return (a <= b || TESSERA_MATH::isnan(a)) ? a : b;
  } else {
    return a <= b ? a : b;
  }
}

/// One element of a binary operation whose result has the operands' type.
/// `error` is set where the operation has no value (an integer to a negative power).
template <class T>
TESSERA_KERNEL T binary_value(Binary op, T a, T b, bool& error) noexcept {
  switch (op) {
    case Binary::add:
      if constexpr (std::is_same_v<T, bool>) return a || b;
      return wrap_add(a, b);
    case Binary::subtract:
      return wrap_sub(a, b);
    case Binary::multiply:
      if constexpr (std::is_same_v<T, bool>) return a && b;
      return wrap_mul(a, b);
    case Binary::divide:
      return a / b;
    case Binary::floor_divide:
      return floor_divide(a, b);
    case Binary::remainder:
      return remainder(a, b);
    case Binary::power:
      return power(a, b, error);
    case Binary::maximum:
      return maximum(a, b);
    case Binary::minimum:
      return minimum(a, b);
    case Binary::fmax:
      if constexpr (is_float_v<T>) return TESSERA_MATH::fmax(a, b);
      return maximum(a, b);
    case Binary::fmin:
      if constexpr (is_float_v<T>) return TESSERA_MATH::fmin(a, b);
      return minimum(a, b);
    case Binary::arctan2:
      if constexpr (is_float_v<T>) return TESSERA_MATH::atan2(a, b);
      break;
    case Binary::hypot:
      if constexpr (is_float_v<T>) return TESSERA_MATH::hypot(a, b);
      break;
    case Binary::bitwise_and:
      if constexpr (!is_float_v<T>) return static_cast<T>(a & b);
      break;
    case Binary::bitwise_or:
      if constexpr (!is_float_v<T>) return static_cast<T>(a | b);
      break;
    case Binary::bitwise_xor:
      if constexpr (!is_float_v<T>) return static_cast<T>(a ^ b);
      break;
    default:
      break;
  }
  return T{};  // not reached: the graph checks operand types
}

/// One element of a comparison or logical operation (operands of type T, result bool).
template <class T>
TESSERA_KERNEL bool predicate_value(Binary op, T a, T b) noexcept {
  switch (op) {
    case Binary::equal:
      return a == b;
    case Binary::not_equal:
      return a != b;
    case Binary::less:
      return a < b;
    case Binary::less_equal:
      return a <= b;
    case Binary::greater:
      return a > b;
    case Binary::greater_equal:
      return a >= b;
    case Binary::logical_and:
      return a != T(0) && b != T(0);
    case Binary::logical_or:
      return a != T(0) || b != T(0);
    case Binary::logical_xor:
      return (a != T(0)) != (b != T(0));
    default:
      return false;
  }
}

TESSERA_KERNEL bool is_predicate(Binary op) noexcept {
  return op >= Binary::equal && op <= Binary::logical_xor;
}
TESSERA_KERNEL bool is_predicate(Unary op) noexcept {
  return op == Unary::isnan || op == Unary::isinf || op == Unary::isfinite ||
         op == Unary::logical_not;
}

/// One element of a unary operation whose result has the operand's type.
template <class T>
TESSERA_KERNEL T unary_value(Unary op, T a) noexcept {
  if constexpr (is_float_v<T>) {
    switch (op) {
      case Unary::negative:
        return -a;
      case Unary::positive:
        return a;
      case Unary::abs:
        return TESSERA_MATH::fabs(a);
      case Unary::sign:
        return TESSERA_MATH::isnan(a) ? a : T((a > 0) - (a < 0));
      case Unary::square:
        return a * a;
      case Unary::sqrt:
        return TESSERA_MATH::sqrt(a);
      case Unary::cbrt:
        return TESSERA_MATH::cbrt(a);
      case Unary::exp:
        return TESSERA_MATH::exp(a);
      case Unary::exp2:
        return TESSERA_MATH::exp2(a);
      case Unary::expm1:
        return TESSERA_MATH::expm1(a);
      case Unary::log:
        return TESSERA_MATH::log(a);
      case Unary::log2:
        return TESSERA_MATH::log2(a);
      case Unary::log10:
        return TESSERA_MATH::log10(a);
      case Unary::log1p:
        return TESSERA_MATH::log1p(a);
      case Unary::sin:
        return TESSERA_MATH::sin(a);
      case Unary::cos:
        return TESSERA_MATH::cos(a);
      case Unary::tan:
        return TESSERA_MATH::tan(a);
      case Unary::arcsin:
        return TESSERA_MATH::asin(a);
      case Unary::arccos:
        return TESSERA_MATH::acos(a);
      case Unary::arctan:
        return TESSERA_MATH::atan(a);
      case Unary::sinh:
        return TESSERA_MATH::sinh(a);
      case Unary::cosh:
        return TESSERA_MATH::cosh(a);
      case Unary::tanh:
        return TESSERA_MATH::tanh(a);
      case Unary::floor:
        return TESSERA_MATH::floor(a);
      case Unary::ceil:
        return TESSERA_MATH::ceil(a);
      case Unary::trunc:
        return TESSERA_MATH::trunc(a);
      case Unary::rint:
        return TESSERA_MATH::nearbyint(a);
      default:
        return a;
    }
  } else if constexpr (std::is_same_v<T, bool>) {
    return op == Unary::invert ? !a : a;
  } else {
    switch (op) {
      case Unary::negative:
        return wrap_sub(T(0), a);
      case Unary::abs:
        if constexpr (std::is_signed_v<T>) return a < 0 ? wrap_sub(T(0), a) : a;
        return a;
      case Unary::sign:
        if constexpr (std::is_signed_v<T>) return T((a > 0) - (a < 0));
        return T(a > 0);
      case Unary::square:
        return wrap_mul(a, a);
      case Unary::invert:
        return static_cast<T>(~a);
      default:
        return a;  // positive, floor, ceil, trunc
    }
  }
}

template <class T>
TESSERA_KERNEL bool unary_predicate(Unary op, T a) noexcept {
  switch (op) {
    case Unary::isnan:
      if constexpr (is_float_v<T>) return TESSERA_MATH::isnan(a);
      return false;
    case Unary::isinf:
      if constexpr (is_float_v<T>) return TESSERA_MATH::isinf(a);
      return false;
    case Unary::isfinite:
      if constexpr (is_float_v<T>) return TESSERA_MATH::isfinite(a);
      return true;
    default:  // logical_not
      return a == T(0);
  }
}

/// x as a 64-bit integer, or the smallest one where it does not fit (x86-64's conversion).
TESSERA_KERNEL std::int64_t to_int64(double x) noexcept {
  constexpr double two63 = 9223372036854775808.0;
  return (x >= -two63 && x < two63) ? static_cast<std::int64_t>(x) : INT64_MIN;
}

/// C++'s conversion where it is defined; where C++ leaves it undefined (NaN, infinities, floats
/// outside the integer type's range), NumPy's on x86-64: the result of the processor's 32-bit
/// (uint8, int32) or 64-bit (int64, uint64) conversion, whose out-of-range value is the
/// smallest signed integer, then taken modulo the type's size.
template <class To, class From>
TESSERA_KERNEL To convert(From value) noexcept {
  if constexpr (std::is_same_v<To, bool>) {
    return value != From(0);
  } else if constexpr (is_float_v<From> && !is_float_v<To>) {
    constexpr double two31 = 2147483648.0;
    constexpr double two63 = 9223372036854775808.0;
    const auto v = static_cast<double>(value);
    if constexpr (sizeof(To) <= 4) {
      const std::int32_t narrow =
          (v > -two31 - 1 && v < two31) ? static_cast<std::int32_t>(v) : INT32_MIN;
      return static_cast<To>(narrow);
    } else {
      if constexpr (std::is_same_v<To, std::uint64_t>) {  // from 2^63 up: offset by 2^63
        if (v >= two63) return static_cast<To>(to_int64(v - two63)) ^ (To{1} << 63);
      }
      return static_cast<To>(to_int64(v));
    }
  } else {
    return static_cast<To>(value);
  }
}

}  // namespace tessera::detail::array::TESSERA_KERNEL_BACKEND
