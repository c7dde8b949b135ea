#pragma once
// The reference evaluator's hottest loops on float and double tiles (add, subtract, multiply,
// divide; negative, square, sqrt), each built for the baseline of the target and, on x86-64,
// also for AVX2, the one that runs chosen by a CPU check at the first call: the library stays
// portable, and a CPU with wider vectors does a tile in half the instructions.
// Every version computes each element alike (IEEE operations one at a time, no contraction
// into fused multiply-adds), so results do not depend on the CPU.

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

/// out[j] = op(x[j]) for j < n; false if `op` is not one of negative, square and sqrt.
bool unary(Unary op, const double* x, double* out, std::int64_t n);
bool unary(Unary op, const float* x, float* out, std::int64_t n);

}  // namespace tessera::detail::array::loops
