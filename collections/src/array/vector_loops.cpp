#include "vector_loops.hpp"

#include <cmath>

// On x86-64 with GCC or Clang, each loop is also built for AVX2 and picked at its first call
// by a CPU check. Not target_clones: its ifunc resolver runs while the program is relocated,
// before a sanitizer's runtime is ready, and crashes ThreadSanitizer builds.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define TESSERA_VECTOR_AVX2 1
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

template <class T, int N>
[[gnu::always_inline]] inline void linear_loop(const T* const* x, const T* w, T* __restrict out,
                                               std::int64_t n) {
  const T* terms[N];
  T weights[N];
  for (int k = 0; k < N; ++k) {
    terms[k] = x[k];
    weights[k] = w[k];
  }
  for (std::int64_t j = 0; j < n; ++j) {
    T sum = weights[0] * terms[0][j];
#pragma GCC unroll 8
    for (int k = 1; k < N; ++k) sum = sum + weights[k] * terms[k][j];
    out[j] = sum;
  }
}

template <class T>
[[gnu::always_inline]] inline void linear_any(const T* const* x, const T* w, int terms, T* out,
                                              std::int64_t n) {
  switch (terms) {
    case 2:
      return linear_loop<T, 2>(x, w, out, n);
    case 3:
      return linear_loop<T, 3>(x, w, out, n);
    case 4:
      return linear_loop<T, 4>(x, w, out, n);
    case 5:
      return linear_loop<T, 5>(x, w, out, n);
    case 6:
      return linear_loop<T, 6>(x, w, out, n);
    case 7:
      return linear_loop<T, 7>(x, w, out, n);
    default:
      return linear_loop<T, max_linear_terms>(x, w, out, n);
  }
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

// Each loop as built for the baseline, and for AVX2 where it may be picked.
#define TESSERA_VECTOR_VARIANTS(attributes, suffix)                                                \
  attributes bool arithmetic_##suffix(Binary op, const double* x, bool x_scalar, const double* y,  \
                                      bool y_scalar, double* out, std::int64_t n) {                \
    return arithmetic_any(op, x, x_scalar, y, y_scalar, out, n);                                   \
  }                                                                                                \
  attributes bool arithmetic_##suffix(Binary op, const float* x, bool x_scalar, const float* y,    \
                                      bool y_scalar, float* out, std::int64_t n) {                 \
    return arithmetic_any(op, x, x_scalar, y, y_scalar, out, n);                                   \
  }                                                                                                \
  attributes void linear_##suffix(const double* const* x, const double* w, int terms, double* out, \
                                  std::int64_t n) {                                                \
    linear_any(x, w, terms, out, n);                                                               \
  }                                                                                                \
  attributes void linear_##suffix(const float* const* x, const float* w, int terms, float* out,    \
                                  std::int64_t n) {                                                \
    linear_any(x, w, terms, out, n);                                                               \
  }                                                                                                \
  attributes bool unary_##suffix(Unary op, const double* x, double* out, std::int64_t n) {         \
    return unary_any(op, x, out, n);                                                               \
  }                                                                                                \
  attributes bool unary_##suffix(Unary op, const float* x, float* out, std::int64_t n) {           \
    return unary_any(op, x, out, n);                                                               \
  }

namespace {
TESSERA_VECTOR_VARIANTS(, baseline)
#ifdef TESSERA_VECTOR_AVX2
TESSERA_VECTOR_VARIANTS(__attribute__((target("avx2"))), avx2)

bool use_avx2() noexcept {
  static const bool supported = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return supported;
}
#define TESSERA_VECTOR_CALL(function, ...) \
  (use_avx2() ? function##_avx2(__VA_ARGS__) : function##_baseline(__VA_ARGS__))
#else
#define TESSERA_VECTOR_CALL(function, ...) function##_baseline(__VA_ARGS__)
#endif
}  // namespace

bool arithmetic(Binary op, const double* x, bool x_scalar, const double* y, bool y_scalar,
                double* out, std::int64_t n) {
  return TESSERA_VECTOR_CALL(arithmetic, op, x, x_scalar, y, y_scalar, out, n);
}

bool arithmetic(Binary op, const float* x, bool x_scalar, const float* y, bool y_scalar, float* out,
                std::int64_t n) {
  return TESSERA_VECTOR_CALL(arithmetic, op, x, x_scalar, y, y_scalar, out, n);
}

void linear(const double* const* x, const double* w, int terms, double* out, std::int64_t n) {
  TESSERA_VECTOR_CALL(linear, x, w, terms, out, n);
}

void linear(const float* const* x, const float* w, int terms, float* out, std::int64_t n) {
  TESSERA_VECTOR_CALL(linear, x, w, terms, out, n);
}

bool unary(Unary op, const double* x, double* out, std::int64_t n) {
  return TESSERA_VECTOR_CALL(unary, op, x, out, n);
}

bool unary(Unary op, const float* x, float* out, std::int64_t n) {
  return TESSERA_VECTOR_CALL(unary, op, x, out, n);
}

}  // namespace tessera::detail::array::loops
