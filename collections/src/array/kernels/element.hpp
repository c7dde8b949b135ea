#pragma once
// One element of a flattened expression at a time, for kernels that give each element (or
// each run of elements) its own thread: Kokkos and CUDA. The operations are those of
// kernels.hpp, so every backend computes what the reference kernels compute.

#include "kernels.hpp"
#include "kernels/flat_program.hpp"
#include "random.hpp"

namespace tessera::detail::array::TESSERA_KERNEL_BACKEND {

template <class T>
TESSERA_KERNEL T get(FlatValue v) noexcept {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v.f);
  } else if constexpr (std::is_same_v<T, bool>) {
    return v.u != 0;
  } else if constexpr (std::is_signed_v<T>) {
    return static_cast<T>(v.i);
  } else {
    return static_cast<T>(v.u);
  }
}

template <class T>
TESSERA_KERNEL FlatValue put(T x) noexcept {
  FlatValue v;
  if constexpr (std::is_floating_point_v<T>) {
    v.f = static_cast<double>(x);
  } else if constexpr (std::is_same_v<T, bool>) {
    v.u = x ? 1 : 0;
  } else if constexpr (std::is_signed_v<T>) {
    v.i = x;
  } else {
    v.u = x;
  }
  return v;
}

/// f(T{}) for the element type of `dtype` (a device-friendly with_type).
template <class F>
TESSERA_KERNEL FlatValue on_type(DType dtype, const F& f) {
  switch (dtype) {
    case DType::bool_:
      return f(bool{});
    case DType::uint8:
      return f(std::uint8_t{});
    case DType::int32:
      return f(std::int32_t{});
    case DType::int64:
      return f(std::int64_t{});
    case DType::uint64:
      return f(std::uint64_t{});
    case DType::float32:
      return f(float{});
    default:
      return f(double{});
  }
}

TESSERA_KERNEL std::int64_t leaf_offset(const FlatLeaf& leaf, const std::int64_t* coords,
                                        std::int32_t ndim) noexcept {
  std::int64_t offset = leaf.base;
  for (std::int32_t d = 0; d < ndim; ++d) offset += coords[d] * leaf.strides[d];
  return offset;
}

template <class T>
TESSERA_KERNEL T generated(const FlatLeaf& g, std::int64_t index) noexcept {
  double value;
  if (g.kind == GeneratorKind::iota) {
    value = index == g.last_index ? g.last : g.a + static_cast<double>(index) * g.b;
  } else if (g.distribution == Distribution::uniform) {
    value = random_uniform(static_cast<std::uint64_t>(index), g.seed, g.a, g.b);
    if constexpr (std::is_same_v<T, float>) {
      if (static_cast<T>(value) >= static_cast<T>(g.b)) value = g.below_high;
    }
  } else if (g.distribution == Distribution::normal) {
    value = random_normal(static_cast<std::uint64_t>(index), g.seed, g.a, g.b);
  } else {
    return static_cast<T>(random_integer(static_cast<std::uint64_t>(index), g.seed, g.low, g.high));
  }
  return convert<T>(value);
}

/// Element `e` (C order in the block) of `p`; `error` is set where an operation has no value.
TESSERA_KERNEL FlatValue evaluate_element(const FlatProgram& p, std::int64_t e, bool& error) {
  std::int64_t coords[flat_max_dims];
  for (std::int32_t d = p.ndim; d-- > 0;) {
    coords[d] = e % p.shape[d];
    e /= p.shape[d];
  }
  FlatValue r[flat_max_instructions];
  for (std::int32_t i = 0; i < p.count; ++i) {
    const FlatInstruction& in = p.code[i];
    switch (in.op) {
      case ExprOp::constant:
        r[i] = p.constant[i];
        break;
      case ExprOp::load: {
        const FlatLeaf& leaf = p.leaves[in.leaf];
        const std::int64_t at = leaf_offset(leaf, coords, p.ndim);
        r[i] = on_type(in.dtype,
                       [&](auto t) { return put(static_cast<const decltype(t)*>(leaf.data)[at]); });
        break;
      }
      case ExprOp::generate: {
        const FlatLeaf& leaf = p.leaves[in.leaf];
        const std::int64_t at = leaf_offset(leaf, coords, p.ndim);
        r[i] = on_type(in.dtype, [&](auto t) { return put(generated<decltype(t)>(leaf, at)); });
        break;
      }
      case ExprOp::unary: {
        const auto op = static_cast<Unary>(in.code);
        const FlatValue a = r[in.a];
        r[i] = on_type(in.from, [&](auto t) {
          using T = decltype(t);
          return is_predicate(op) ? put(unary_predicate(op, get<T>(a)))
                                  : put(unary_value(op, get<T>(a)));
        });
        break;
      }
      case ExprOp::binary: {
        const auto op = static_cast<Binary>(in.code);
        const FlatValue a = r[in.a], b = r[in.b];
        r[i] = on_type(in.from, [&](auto t) {
          using T = decltype(t);
          return is_predicate(op) ? put(predicate_value(op, get<T>(a), get<T>(b)))
                                  : put(binary_value(op, get<T>(a), get<T>(b), error));
        });
        break;
      }
      case ExprOp::where:
        r[i] = r[in.a].u ? r[in.b] : r[in.c];
        break;
      case ExprOp::cast: {
        const FlatValue a = r[in.a];
        r[i] = on_type(in.from, [&](auto f) {
          using F = decltype(f);
          return on_type(in.dtype, [&](auto t) { return put(convert<decltype(t)>(get<F>(a))); });
        });
        break;
      }
    }
  }
  return r[p.count - 1];
}

/// Writes `v` (of type dtype) as element i of `out`.
TESSERA_KERNEL void store(void* out, std::int64_t i, DType dtype, FlatValue v) noexcept {
  on_type(dtype, [&](auto t) {
    using T = decltype(t);
    static_cast<T*>(out)[i] = get<T>(v);
    return v;
  });
}

}  // namespace tessera::detail::array::TESSERA_KERNEL_BACKEND
