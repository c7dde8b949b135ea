#include "vector_loops.hpp"

#include <cmath>

// GCC and Clang on x86-64 with ifunc support (glibc): one clone per target, picked at load.
#if defined(__x86_64__) && defined(__linux__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define TESSERA_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef TESSERA_VECTOR_CLONES
#define TESSERA_VECTOR_CLONES
#endif

// Four iterations per trip: the baseline (two doubles a vector) otherwise spends about half its
// instructions on the loop itself.
#define TESSERA_LOOP(n, expression) \
  _Pragma("GCC unroll 4") for (std::int64_t j = 0; j < (n); ++j) out[j] = (expression)

namespace tessera::detail::array::loops {
namespace {

template <class T, bool XS, bool YS>
[[gnu::always_inline]] inline bool arithmetic_loop(Binary op, const T* x, const T* y, T* out,
                                                   std::int64_t n) {
  // A constant operand is read once, not once per element.
  const T xs = XS ? x[0] : T(0);
  const T ys = YS ? y[0] : T(0);
#define TESSERA_X (XS ? xs : x[j])
#define TESSERA_Y (YS ? ys : y[j])
  switch (op) {
    case Binary::add:
      TESSERA_LOOP(n, TESSERA_X + TESSERA_Y);
      return true;
    case Binary::subtract:
      TESSERA_LOOP(n, TESSERA_X - TESSERA_Y);
      return true;
    case Binary::multiply:
      TESSERA_LOOP(n, TESSERA_X * TESSERA_Y);
      return true;
    case Binary::divide:
      TESSERA_LOOP(n, TESSERA_X / TESSERA_Y);
      return true;
    default:
      return false;
  }
#undef TESSERA_X
#undef TESSERA_Y
}

template <class T>
[[gnu::always_inline]] inline bool arithmetic_any(Binary op, const T* x, bool x_scalar, const T* y,
                                                  bool y_scalar, T* out, std::int64_t n) {
  if (x_scalar && !y_scalar) return arithmetic_loop<T, true, false>(op, x, y, out, n);
  if (y_scalar && !x_scalar) return arithmetic_loop<T, false, true>(op, x, y, out, n);
  return arithmetic_loop<T, false, false>(op, x, y, out, n);
}

template <class T>
[[gnu::always_inline]] inline bool unary_any(Unary op, const T* x, T* out, std::int64_t n) {
  switch (op) {
    case Unary::negative:
      TESSERA_LOOP(n, -x[j]);
      return true;
    case Unary::square:
      TESSERA_LOOP(n, x[j] * x[j]);
      return true;
    case Unary::sqrt:
      TESSERA_LOOP(n, std::sqrt(x[j]));
      return true;
    default:
      return false;
  }
}

}  // namespace

TESSERA_VECTOR_CLONES bool arithmetic(Binary op, const double* x, bool x_scalar, const double* y,
                                      bool y_scalar, double* out, std::int64_t n) {
  return arithmetic_any(op, x, x_scalar, y, y_scalar, out, n);
}

TESSERA_VECTOR_CLONES bool arithmetic(Binary op, const float* x, bool x_scalar, const float* y,
                                      bool y_scalar, float* out, std::int64_t n) {
  return arithmetic_any(op, x, x_scalar, y, y_scalar, out, n);
}

TESSERA_VECTOR_CLONES bool unary(Unary op, const double* x, double* out, std::int64_t n) {
  return unary_any(op, x, out, n);
}

TESSERA_VECTOR_CLONES bool unary(Unary op, const float* x, float* out, std::int64_t n) {
  return unary_any(op, x, out, n);
}

}  // namespace tessera::detail::array::loops
