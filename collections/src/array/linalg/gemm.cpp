#include "gemm.hpp"

#include <cblas.h>

#include <climits>
#include <string>

#include "../dispatch.hpp"
#include "tessera/array/errors.hpp"

namespace tessera::detail::array {
namespace {

// The engine runs tasks on worker threads of its own, one per core. A product that started
// OpenBLAS's threads as well would put several threads on each core (each task's BLAS call
// asking for all of them) and slow every task down, so OpenBLAS runs each call on the thread
// that makes it. Set when the library is loaded, before any task runs.
const bool blas_single_threaded = [] {
  openblas_set_num_threads(1);
  return true;
}();

int blas_int(std::int64_t n) {
  if (n > INT_MAX) {
    throw ArrayError("matmul: a block product of length " + std::to_string(n) +
                     " does not fit BLAS's int; use smaller chunks");
  }
  return static_cast<int>(n);
}

}  // namespace

void gemm(DType dtype, std::int64_t m, std::int64_t n, std::int64_t k, const void* a, const void* b,
          void* c) {
  (void)blas_single_threaded;
  if (m == 0 || n == 0 || k == 0) return;
  if (dtype == DType::float64 || dtype == DType::float32) {
    const int bm = blas_int(m), bn = blas_int(n), bk = blas_int(k);
    if (dtype == DType::float64) {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, bm, bn, bk, 1.0,
                  static_cast<const double*>(a), bk, static_cast<const double*>(b), bn, 1.0,
                  static_cast<double*>(c), bn);
    } else {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, bm, bn, bk, 1.0F,
                  static_cast<const float*>(a), bk, static_cast<const float*>(b), bn, 1.0F,
                  static_cast<float*>(c), bn);
    }
    return;
  }
  with_type(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    gemm_reference<T>(m, n, k, static_cast<const T*>(a), static_cast<const T*>(b),
                      static_cast<T*>(c));
  });
}

}  // namespace tessera::detail::array
