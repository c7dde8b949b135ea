#pragma once
// The reference evaluator's hottest loops on float and double tiles (add, subtract, multiply,
// divide; negative, square, sqrt; weighted sums), each built for the baseline of the target and, on
// x86-64, also for AVX2, the one that runs chosen by a CPU check at the first call: the library
// stays portable, and a CPU with wider vectors does a tile in half the instructions. Every version
// computes each element alike (IEEE operations one at a time, no contraction into fused
// multiply-adds), so results do not depend on the CPU.

#include <cstdint>

#include "tessera/array/detail/untyped.hpp"

namespace tessera::detail::array::loops {

/// out[j] = x[j] op y[j] for j < n, or with x[0] for every x[j] where `x_scalar` (a constant
/// operand), y[0] likewise. False, doing nothing, if `op` is not add, subtract, multiply or
/// divide.
bool arithmetic(Binary op, const double* x, bool x_scalar, const double* y, bool y_scalar,
                double* out, std::int64_t n);
bool arithmetic(Binary op, const float* x, bool x_scalar, const float* y, bool y_scalar, float* out,
                std::int64_t n);

/// The most terms that linear() adds up.
inline constexpr int max_linear_terms = 8;

/// out[j] = (...((w[0] * x[0][j] + w[1] * x[1][j]) + w[2] * x[2][j]) + ...) for j < n, with
/// 2 <= terms <= max_linear_terms: a chain of adds, subtracts and multiplications by constants
/// (a stencil's weighted neighbours) in one loop, each product and sum rounded alike and in
/// the same order as the operations it replaces (a - c * b is a + (-c) * b exactly, b is 1 * b).
void linear(const double* const* x, const double* w, int terms, double* out, std::int64_t n);
void linear(const float* const* x, const float* w, int terms, float* out, std::int64_t n);

/// out[j] = op(x[j]) for j < n; false if `op` is not one of negative, square and sqrt.
bool unary(Unary op, const double* x, double* out, std::int64_t n);
bool unary(Unary op, const float* x, float* out, std::int64_t n);

}  // namespace tessera::detail::array::loops
