#pragma once
// The state of a reduction over the elements one kernel thread reads (a run of the elements
// of one cell of a partial result), updated one element at a time: what the Kokkos and CUDA
// reductions keep per thread. reduce.cpp turns the states into a partial result.

#include "kernels/element.hpp"

namespace tessera::detail::array {

enum class ReduceFamily : std::uint8_t { sum, prod, minmax, mean, var, arg, anyall };

/// What a reduction does with each element.
struct ReduceKind {
  ReduceFamily family = ReduceFamily::sum;
  bool nan_skip = false;
  bool is_max = false;  ///< max and argmax; all (rather than any)
  DType input = DType::float64;
  DType accumulator = DType::float64;  ///< sum and prod
};

/// How the elements of a block map to the cells of its partial result, for kernels that give
/// each run of `run` elements of one cell (C order over the reduced axes) a thread of its own:
/// `cells * runs` threads in all.
struct ReduceRuns {
  std::int32_t ndim = 0;
  std::int64_t shape[flat_max_dims] = {};
  std::int64_t block_strides[flat_max_dims] = {};
  std::int64_t index_strides[flat_max_dims] = {};  ///< of the arg reductions' index
  std::uint8_t reduced[flat_max_dims] = {};
  std::int64_t index_base = 0;
  std::int64_t cells = 1, per_cell = 0, run = 1, runs = 1;
};

struct ReduceState {
  FlatValue value;  ///< sum, product, extreme value, or any/all as 0/1
  double mean = 0;  ///< the sum for mean; the running mean for var
  double m2 = 0;
  std::int64_t index = -1;  ///< of the extreme value (arg reductions)
  std::int64_t valid = 0;   ///< elements counted (not NaN when skipping NaN)
  std::int64_t total = 0;   ///< elements seen
};

}  // namespace tessera::detail::array

namespace tessera::detail::array::TESSERA_KERNEL_BACKEND {

/// Whether `candidate` replaces `current` as the extreme value: NaN wins unless skipped.
template <class T>
TESSERA_KERNEL bool better(bool nan_skip, bool is_max, T candidate, T current) noexcept {
  if constexpr (is_float_v<T>) {
    if (!nan_skip) {
      if (TESSERA_MATH::isnan(current)) return false;
      if (TESSERA_MATH::isnan(candidate)) return true;
    }
  }
  return is_max ? candidate > current : candidate < current;
}

TESSERA_KERNEL ReduceState initial_state(const ReduceKind& k) noexcept {
  ReduceState s;
  s.value.u = 0;
  if (k.family == ReduceFamily::prod) {
    s.value = k.accumulator == DType::float64 ? put(1.0)
              : k.accumulator == DType::int64 ? put(std::int64_t{1})
                                              : put(std::uint64_t{1});
  }
  if (k.family == ReduceFamily::anyall) s.value.u = k.is_max ? 1 : 0;
  return s;
}

template <class T>
TESSERA_KERNEL void update(ReduceState& s, const ReduceKind& k, T x, std::int64_t index) noexcept {
  bool nan = false;
  if constexpr (is_float_v<T>) nan = TESSERA_MATH::isnan(x);
  switch (k.family) {
    case ReduceFamily::sum:
    case ReduceFamily::prod: {
      if (k.nan_skip && nan) return;
      const bool product = k.family == ReduceFamily::prod;
      if (k.accumulator == DType::float64) {
        s.value.f =
            product ? s.value.f * static_cast<double>(x) : s.value.f + static_cast<double>(x);
      } else if (k.accumulator == DType::int64) {
        const auto v = static_cast<std::int64_t>(x);
        s.value.i = product ? wrap_mul(s.value.i, v) : wrap_add(s.value.i, v);
      } else {
        const auto v = static_cast<std::uint64_t>(x);
        s.value.u = product ? wrap_mul(s.value.u, v) : wrap_add(s.value.u, v);
      }
      return;
    }
    case ReduceFamily::minmax:
    case ReduceFamily::arg:
      ++s.total;
      if (k.nan_skip && nan) return;
      if (s.valid++ == 0 || better(k.nan_skip, k.is_max, x, get<T>(s.value))) {
        s.value = put(x);
        s.index = index;
      }
      return;
    case ReduceFamily::mean:
      if (k.nan_skip && nan) return;
      s.mean += static_cast<double>(x);
      ++s.valid;
      return;
    case ReduceFamily::var: {
      if (k.nan_skip && nan) return;
      const auto v = static_cast<double>(x);
      ++s.valid;
      const double delta = v - s.mean;
      s.mean += delta / static_cast<double>(s.valid);
      s.m2 += delta * (v - s.mean);
      return;
    }
    case ReduceFamily::anyall: {
      const bool truth = x != T(0);
      s.value.u = k.is_max ? (s.value.u && truth) : (s.value.u || truth);
      return;
    }
  }
}

/// The state of run `w` (of runs.cells * runs.runs): its cell's elements from run * (w % runs)
/// on, evaluated with `flat`. `error` is set where an element has no value.
TESSERA_KERNEL ReduceState reduce_run(const FlatProgram& flat, const ReduceRuns& runs,
                                      const ReduceKind& kind, std::int64_t w, bool& error) {
  const std::int64_t cell = w / runs.runs;
  const std::int64_t first = (w % runs.runs) * runs.run;
  const std::int64_t last = first + runs.run < runs.per_cell ? first + runs.run : runs.per_cell;
  // The cell's coordinates along the kept axes (C order over them), then each element's
  // along the reduced ones.
  std::int64_t coords[flat_max_dims];
  std::int64_t rest = cell;
  for (std::int32_t d = runs.ndim; d-- > 0;) {
    if (runs.reduced[d]) continue;
    coords[d] = rest % runs.shape[d];
    rest /= runs.shape[d];
  }
  ReduceState state = initial_state(kind);
  for (std::int64_t r = first; r < last; ++r) {
    std::int64_t k = r;
    for (std::int32_t d = runs.ndim; d-- > 0;) {
      if (!runs.reduced[d]) continue;
      coords[d] = k % runs.shape[d];
      k /= runs.shape[d];
    }
    std::int64_t e = 0, index = runs.index_base;
    for (std::int32_t d = 0; d < runs.ndim; ++d) {
      e += coords[d] * runs.block_strides[d];
      index += coords[d] * runs.index_strides[d];
    }
    const FlatValue x = evaluate_element(flat, e, error);
    on_type(kind.input, [&](auto t) {
      update(state, kind, get<decltype(t)>(x), index);
      return x;
    });
  }
  return state;
}

}  // namespace tessera::detail::array::TESSERA_KERNEL_BACKEND
