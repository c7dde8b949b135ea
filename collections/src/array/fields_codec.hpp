#pragma once
// Serialization of the structs that tasks of the array module take as arguments: a struct
// lists its members in `static constexpr auto fields()`, and FieldsCodec writes them in
// that order.

#include <tuple>
#include <type_traits>

#include "tessera/serialize.hpp"

namespace tessera::detail::array {

template <class T>
struct FieldsCodec {
  static constexpr bool supported = true;
  static constexpr bool bitwise = false;
  static constexpr std::size_t min_size = 1;
  static void write(Writer& out, const T& value) {
    std::apply(
        [&](auto... member) {
          (Codec<std::remove_cvref_t<decltype(value.*member)>>::write(out, value.*member), ...);
        },
        T::fields());
  }
  static T read(Reader& in) {
    T value;
    std::apply(
        [&](auto... member) {
          ((value.*member = Codec<std::remove_cvref_t<decltype(value.*member)>>::read(in)), ...);
        },
        T::fields());
    return value;
  }
};

}  // namespace tessera::detail::array
