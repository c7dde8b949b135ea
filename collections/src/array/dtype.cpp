#include "tessera/array/dtype.hpp"

namespace tessera {

std::size_t itemsize(DType dtype) noexcept {
  switch (dtype) {
    case DType::bool_:
    case DType::uint8:
      return 1;
    case DType::int32:
    case DType::float32:
      return 4;
    default:
      return 8;
  }
}

const char* dtype_name(DType dtype) noexcept {
  switch (dtype) {
    case DType::bool_:
      return "bool";
    case DType::uint8:
      return "uint8";
    case DType::int32:
      return "int32";
    case DType::int64:
      return "int64";
    case DType::uint64:
      return "uint64";
    case DType::float32:
      return "float32";
    case DType::float64:
      return "float64";
  }
  return "unknown";
}

bool is_floating(DType dtype) noexcept {
  return dtype == DType::float32 || dtype == DType::float64;
}

bool is_integer(DType dtype) noexcept { return !is_floating(dtype) && dtype != DType::bool_; }

DType promote(DType a, DType b) noexcept { return detail::promote_constexpr(a, b); }

DType promote_with_scalar(DType array, ScalarKind scalar) noexcept {
  return detail::scalar_promote_constexpr(array, scalar);
}

DType floating_result(DType a) noexcept { return detail::floating_constexpr(a); }

DType division_result(DType a) noexcept {
  return a == DType::float32 ? DType::float32 : DType::float64;
}

}  // namespace tessera
