#pragma once
// Block products, c += a · b for row-major blocks: a plain reference kernel for every element
// type, and BLAS (OpenBLAS's sgemm and dgemm) for float and double, tested against it.

#include <cstdint>
#include <type_traits>

#include "../kernels.hpp"
#include "tessera/array/dtype.hpp"

namespace tessera::detail::array {

/// c (m × n) += a (m × k) · b (k × n), all in C order: NumPy's semantics for every element
/// type (integers wrap around; for bool, c |= a & b).
template <class T>
void gemm_reference(std::int64_t m, std::int64_t n, std::int64_t k, const T* a, const T* b,
                    T* c) noexcept {
  for (std::int64_t i = 0; i < m; ++i) {
    T* row = c + i * n;
    for (std::int64_t p = 0; p < k; ++p) {
      const T x = a[i * k + p];
      const T* b_row = b + p * n;
      if constexpr (std::is_same_v<T, bool>) {
        if (!x) continue;
        for (std::int64_t j = 0; j < n; ++j) row[j] = row[j] || b_row[j];
      } else {
        for (std::int64_t j = 0; j < n; ++j)
          row[j] = reference::wrap_add(row[j], reference::wrap_mul(x, b_row[j]));
      }
    }
  }
}

/// The same product for elements of `dtype`: through BLAS for float32 and float64, on the
/// calling thread; through gemm_reference for the others. ArrayError if a length does not
/// fit BLAS's int.
void gemm(DType dtype, std::int64_t m, std::int64_t n, std::int64_t k, const void* a, const void* b,
          void* c);

}  // namespace tessera::detail::array
