#pragma once
// Calling a template with the C++ element type of a DType known only at run time.

#include <cstdint>
#include <utility>

#include "tessera/array/dtype.hpp"

namespace tessera::detail::array {

template <class T>
struct TypeTag {
  using type = T;
};

/// f(TypeTag<T>{}) for the element type T of `dtype`.
template <class F>
decltype(auto) with_type(DType dtype, F&& f) {
  switch (dtype) {
    case DType::bool_:
      return std::forward<F>(f)(TypeTag<bool>{});
    case DType::uint8:
      return std::forward<F>(f)(TypeTag<std::uint8_t>{});
    case DType::int32:
      return std::forward<F>(f)(TypeTag<std::int32_t>{});
    case DType::int64:
      return std::forward<F>(f)(TypeTag<std::int64_t>{});
    case DType::uint64:
      return std::forward<F>(f)(TypeTag<std::uint64_t>{});
    case DType::float32:
      return std::forward<F>(f)(TypeTag<float>{});
    case DType::float64:
      break;
  }
  return std::forward<F>(f)(TypeTag<double>{});
}

}  // namespace tessera::detail::array
