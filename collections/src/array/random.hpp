#pragma once
// Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as 1, 2,
// 3", SC11): a counter-based generator, so the random value of an element is a pure function
// of the seed and the element's index, whichever task computes it.

#include <cstdint>

#include "kernels/backend.hpp"

namespace tessera::detail::array::TESSERA_KERNEL_BACKEND {

struct Philox {
  std::uint32_t r[4];
};

TESSERA_KERNEL Philox philox4x32(std::uint64_t counter, std::uint64_t seed) noexcept {
  constexpr std::uint32_t m0 = 0xD2511F53u, m1 = 0xCD9E8D57u;
  constexpr std::uint32_t w0 = 0x9E3779B9u, w1 = 0xBB67AE85u;
  std::uint32_t c0 = static_cast<std::uint32_t>(counter);
  std::uint32_t c1 = static_cast<std::uint32_t>(counter >> 32);
  std::uint32_t c2 = 0, c3 = 0;
  std::uint32_t k0 = static_cast<std::uint32_t>(seed);
  std::uint32_t k1 = static_cast<std::uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = std::uint64_t{m0} * c0;
    const std::uint64_t p1 = std::uint64_t{m1} * c2;
    const auto hi0 = static_cast<std::uint32_t>(p0 >> 32), lo0 = static_cast<std::uint32_t>(p0);
    const auto hi1 = static_cast<std::uint32_t>(p1 >> 32), lo1 = static_cast<std::uint32_t>(p1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += w0;
    k1 += w1;
  }
  return Philox{{c0, c1, c2, c3}};
}

/// Uniform in [0, 1) with 53 random bits.
TESSERA_KERNEL double unit_double(std::uint32_t hi, std::uint32_t lo) noexcept {
  return static_cast<double>((std::uint64_t{hi} << 21) ^ (lo >> 11)) * 0x1.0p-53;
}

TESSERA_KERNEL double random_uniform(std::uint64_t index, std::uint64_t seed, double low,
                                     double high) noexcept {
  const Philox p = philox4x32(index, seed);
  const std::uint32_t* r = p.r;
  return low + (high - low) * unit_double(r[0], r[1]);
}

TESSERA_KERNEL double random_normal(std::uint64_t index, std::uint64_t seed, double mean,
                                    double stddev) noexcept {
  const Philox p = philox4x32(index, seed);
  const std::uint32_t* r = p.r;
  const double u1 = 1.0 - unit_double(r[0], r[1]);  // in (0, 1]: log is finite
  const double u2 = unit_double(r[2], r[3]);
  return mean + stddev * TESSERA_MATH::sqrt(-2.0 * TESSERA_MATH::log(u1)) *
                    TESSERA_MATH::cos(6.283185307179586 * u2);
}

/// The high 64 bits of the 128-bit product a * b.
TESSERA_KERNEL std::uint64_t multiply_high(std::uint64_t a, std::uint64_t b) noexcept {
  const std::uint64_t a_lo = a & 0xFFFFFFFFu, a_hi = a >> 32;
  const std::uint64_t b_lo = b & 0xFFFFFFFFu, b_hi = b >> 32;
  const std::uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi;
  const std::uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xFFFFFFFFu) + lo_hi;
  return a_hi * b_hi + (hi_lo >> 32) + (cross >> 32);
}

/// Uniform in [low, high): the high bits of a 64-bit random number times the range.
TESSERA_KERNEL std::int64_t random_integer(std::uint64_t index, std::uint64_t seed,
                                           std::int64_t low, std::int64_t high) noexcept {
  const Philox p = philox4x32(index, seed);
  const std::uint32_t* r = p.r;
  const std::uint64_t bits = (std::uint64_t{r[0]} << 32) | r[1];
  const auto range = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
  const std::uint64_t scaled = multiply_high(bits, range);
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(low) + scaled);
}

}  // namespace tessera::detail::array::TESSERA_KERNEL_BACKEND
