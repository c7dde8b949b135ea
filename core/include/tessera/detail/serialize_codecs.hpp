#pragma once
// Internals of tessera/serialize.hpp: how each type is classified and encoded. Codec<T> has:
// supported; bitwise (the wire form is exactly T's bytes, so a vector of T is one contiguous
// run); min_size (a lower bound, at least 1, on the header bytes one T takes, which bounds
// element counts before anything is allocated); write(Writer&, const T&); read(Reader&).

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <new>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "tessera/buffer.hpp"
#include "tessera/demangle.hpp"
#include "tessera/detail/serialize_io.hpp"
#include "tessera/errors.hpp"
#include "tessera/serialize.hpp"

namespace tessera {
namespace detail {

// --- type classification ---------------------------------------------------------------------

template <class T, template <class...> class Template>
inline constexpr bool is_specialization_of = false;
template <template <class...> class Template, class... Args>
inline constexpr bool is_specialization_of<Template<Args...>, Template> = true;

template <class T>
inline constexpr bool is_span = false;
template <class T, std::size_t Extent>
inline constexpr bool is_span<std::span<T, Extent>> = true;

/// Trivially copyable and meaningful in another process (as far as the type system can tell).
template <class T>
inline constexpr bool is_bitwise =
    std::is_trivially_copyable_v<T> && !std::is_pointer_v<T> && !std::is_member_pointer_v<T> &&
    !std::is_array_v<T> && !std::is_const_v<T> && !std::is_volatile_v<T> &&
    !is_specialization_of<T, std::basic_string_view> &&
    !is_specialization_of<T, std::reference_wrapper> && !is_span<T>;

// Stands in for a Boost archive when asking whether T has a public member template
// `serialize(Archive&, unsigned)`: the answer must not depend on whether this translation unit
// included Boost (tessera/serialize_boost.hpp), or two of them would encode T differently.
struct ArchiveProbe {};

template <class T>
concept has_boost_serialize_member = std::is_class_v<T> &&
    requires(T& value, ArchiveProbe& archive, const unsigned version) {
  value.serialize(archive, version);
};

template <class T>
inline constexpr bool uses_boost =
    use_boost_serialization<T>::value || has_boost_serialize_member<T>;

// A class has a member named `serialize` (of any access) exactly when naming it through a
// class that also inherits a public `serialize` is ambiguous.
struct SerializeNameProbe {
  void serialize();
};
template <class T>
struct SerializeNameProbeDerived : T, SerializeNameProbe {};
template <class T>
concept names_serialize_member = std::is_class_v<T> && !std::is_final_v<T> && !requires {
  &SerializeNameProbeDerived<T>::serialize;
};

template <class T>
consteval bool serializable_or_has_no_serialize_member() {
  if constexpr (Serializable<T>) {
    return true;
  } else {
    return !names_serialize_member<T>;
  }
}

// --- codecs ----------------------------------------------------------------------------------

/// Bytes of a run's marker and length.
inline constexpr std::size_t run_head_size = 1 + 8;

struct Unsupported {
  static constexpr bool supported = false;
  static constexpr bool bitwise = false;
  static constexpr std::size_t min_size = 1;
};

template <class T>
struct BitwiseCodec {
  static constexpr bool supported = true;
  static constexpr bool large = sizeof(T) >= out_of_band_threshold;
  static constexpr bool bitwise = true;
  static constexpr std::size_t min_size = large ? run_head_size : sizeof(T);

  static void write(Writer& out, const T& value) {
    if constexpr (std::is_empty_v<T>) {
      out.zeros(sizeof(T));  // only padding: keep the header deterministic
    } else if constexpr (large) {
      out.run(&value, sizeof(T));
    } else {
      out.bytes(&value, sizeof(T));
    }
  }
  static T read(Reader& in) {
    alignas(T) std::byte storage[sizeof(T)];
    if constexpr (large) {
      const std::size_t at = in.offset();
      const Reader::Run run = in.run(sizeof(T), typeid(T));
      if (run.size != sizeof(T)) {
        in.fail(at, "a run of " + std::to_string(run.size) + " bytes where one value of " +
                        demangle(typeid(T).name()) + " (" + std::to_string(sizeof(T)) +
                        " bytes) was expected");
      }
      std::memcpy(storage, run.data, sizeof(T));
    } else {
      in.take(storage, sizeof(T), "a value", &typeid(T));
    }
    return *std::launder(reinterpret_cast<T*>(storage));
  }
};

/// Reads and writes T through Boost.Serialization; defined in tessera/serialize_boost.hpp.
template <class T>
struct BoostArchiveCodec;

template <class T>
concept boost_codec_included = requires {
  sizeof(BoostArchiveCodec<T>);
};

template <class T>
struct BoostCodec {
  static constexpr bool supported = std::default_initializable<T> && std::move_constructible<T>;
  static constexpr bool bitwise = false;
  static constexpr std::size_t min_size = 8;

  static void write(Writer& out, const T& value) {
    static_assert(boost_codec_included<T>,
                  "tessera::serialize: this type is serialized through its Boost.Serialization "
                  "serialize(): #include <tessera/serialize_boost.hpp> in every file that "
                  "serializes it or puts it into a task's arguments or results");
    if constexpr (boost_codec_included<T>) BoostArchiveCodec<T>::write(out, value);
  }
  static T read(Reader& in) {
    static_assert(boost_codec_included<T>,
                  "tessera::deserialize: this type is serialized through its Boost.Serialization "
                  "serialize(): #include <tessera/serialize_boost.hpp> in every file that "
                  "deserializes it or puts it into a task's arguments or results");
    if constexpr (boost_codec_included<T>) {
      return BoostArchiveCodec<T>::read(in);
    } else {
      return T{};
    }
  }
};

// A trivially copyable class that declares a `serialize` tessera cannot call (a private Boost
// member, say) asks for custom serialization: it is not copied bitwise behind its back.
template <class T>
struct StdCodec : std::conditional_t<is_bitwise<T> && !names_serialize_member<T>, BitwiseCodec<T>,
                                     Unsupported> {};

template <class T>
struct Codec : std::conditional_t<uses_boost<T>, BoostCodec<T>, StdCodec<T>> {};

/// Fills `values` from a run of whole elements: one copy.
template <class Container>
void assign_run(Container& values, const Reader::Run& run) {
  using T = typename Container::value_type;
  const std::size_t count = run.size / sizeof(T);
  if (count == 0) return;
  if (reinterpret_cast<std::uintptr_t>(run.data) % alignof(T) == 0) {
    const T* first = reinterpret_cast<const T*>(run.data);
    values.assign(first, first + count);
  } else if constexpr (std::is_default_constructible_v<T>) {
    values.resize(count);
    std::memcpy(values.data(), run.data, run.size);
  } else {
    values.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      alignas(T) std::byte storage[sizeof(T)];
      std::memcpy(storage, run.data + i * sizeof(T), sizeof(T));
      values.push_back(*std::launder(reinterpret_cast<T*>(storage)));
    }
  }
}

template <>
struct StdCodec<bool> {
  static constexpr bool supported = true;
  static constexpr bool bitwise = false;  // checked on read: a byte other than 0 or 1 is no bool
  static constexpr std::size_t min_size = 1;
  static void write(Writer& out, bool value) { out.scalar(static_cast<std::uint8_t>(value)); }
  static bool read(Reader& in) {
    const std::size_t at = in.offset();
    const auto byte = in.scalar<std::uint8_t>("a bool");
    if (byte > 1) in.fail(at, "expected a bool (0 or 1), found " + std::to_string(byte));
    return byte == 1;
  }
};

template <>
struct StdCodec<Buffer> {
  static constexpr bool supported = true;
  static constexpr bool bitwise = false;
  static constexpr std::size_t min_size = run_head_size;
  static void write(Writer& out, const Buffer& buffer) { out.shared_run(buffer); }
  static Buffer read(Reader& in) {
    const Reader::Run run = in.run(1, typeid(std::byte));
    return run.buffer ? *run.buffer : Buffer::copy_of(run.data, run.size);
  }
};

template <class Char, class Traits, class Allocator>
struct StdCodec<std::basic_string<Char, Traits, Allocator>> {
  using String = std::basic_string<Char, Traits, Allocator>;
  static constexpr bool supported = is_bitwise<Char>;
  static constexpr bool bitwise = false;
  static constexpr std::size_t min_size = run_head_size;
  static void write(Writer& out, const String& text) {
    out.run(text.data(), text.size() * sizeof(Char));
  }
  static String read(Reader& in) {
    String text;
    assign_run(text, in.run(sizeof(Char), typeid(Char)));
    return text;
  }
};

template <class T, class Allocator>
struct StdCodec<std::vector<T, Allocator>> {
  using Vector = std::vector<T, Allocator>;
  using Element = Codec<T>;
  static constexpr bool supported = Element::supported;
  static constexpr bool bitwise = false;
  static constexpr std::size_t min_size = 8;
  static void write(Writer& out, const Vector& values) {
    if constexpr (Element::bitwise) {
      out.run(values.data(), values.size() * sizeof(T));
    } else {
      out.scalar(static_cast<std::uint64_t>(values.size()));
      for (const T& value : values) Element::write(out, value);
    }
  }
  static Vector read(Reader& in) {
    Vector values;
    if constexpr (Element::bitwise) {
      assign_run(values, in.run(sizeof(T), typeid(T)));
    } else {
      const std::size_t count = in.count(Element::min_size, typeid(T));
      values.reserve(count);
      for (std::size_t i = 0; i < count; ++i) values.push_back(Element::read(in));
    }
    return values;
  }
};

template <class Allocator>
struct StdCodec<std::vector<bool, Allocator>> {
  using Vector = std::vector<bool, Allocator>;
  static constexpr bool supported = true;
  static constexpr bool bitwise = false;
  static constexpr std::size_t min_size = 8;
  static void write(Writer& out, const Vector& values) {
    out.scalar(static_cast<std::uint64_t>(values.size()));
    for (const bool value : values) StdCodec<bool>::write(out, value);
  }
  static Vector read(Reader& in) {
    const std::size_t count = in.count(1, typeid(bool));
    Vector values;
    values.reserve(count);
    for (std::size_t i = 0; i < count; ++i) values.push_back(StdCodec<bool>::read(in));
    return values;
  }
};

template <class T, std::size_t N>
struct ElementwiseArrayCodec {
  using Array = std::array<T, N>;
  using Element = Codec<T>;
  static constexpr bool supported = Element::supported;
  static constexpr bool bitwise = false;
  static constexpr std::size_t min_size = N == 0 ? 1 : N * Element::min_size;
  static void write(Writer& out, const Array& values) {
    if constexpr (N == 0) {
      out.zeros(1);  // every value takes at least one byte; see min_size
    } else {
      for (const T& value : values) Element::write(out, value);
    }
  }
  static Array read(Reader& in) {
    if constexpr (N == 0) {
      std::uint8_t marker;
      in.take(&marker, 1, "an empty std::array");
      return Array{};
    } else {
      // Braced initialization evaluates left to right: elements come in order.
      return [&in]<std::size_t... I>(std::index_sequence<I...>) {
        return Array{{((void)I, Element::read(in))...}};
      }
      (std::make_index_sequence<N>());
    }
  }
};

template <class T, std::size_t N>
struct StdCodec<std::array<T, N>>
    : std::conditional_t<Codec<T>::bitwise, BitwiseCodec<std::array<T, N>>,
                         ElementwiseArrayCodec<T, N>> {};

template <class First, class Second>
struct StdCodec<std::pair<First, Second>> {
  using Pair = std::pair<First, Second>;
  static constexpr bool supported = Codec<First>::supported && Codec<Second>::supported;
  static constexpr bool bitwise = false;
  static constexpr std::size_t min_size = Codec<First>::min_size + Codec<Second>::min_size;
  static void write(Writer& out, const Pair& pair) {
    Codec<First>::write(out, pair.first);
    Codec<Second>::write(out, pair.second);
  }
  static Pair read(Reader& in) { return Pair{Codec<First>::read(in), Codec<Second>::read(in)}; }
};

template <class... Ts>
struct StdCodec<std::tuple<Ts...>> {
  using Tuple = std::tuple<Ts...>;
  static constexpr bool supported = (Codec<Ts>::supported && ...);
  static constexpr bool bitwise = false;
  static constexpr std::size_t min_size =
      sizeof...(Ts) == 0 ? 1 : (std::size_t{0} + ... + Codec<Ts>::min_size);
  static void write(Writer& out, const Tuple& tuple) {
    if constexpr (sizeof...(Ts) == 0) {
      out.zeros(1);  // every value takes at least one byte; see min_size
    } else {
      std::apply([&out](const Ts&... values) { (Codec<Ts>::write(out, values), ...); }, tuple);
    }
  }
  static Tuple read(Reader& in) {
    if constexpr (sizeof...(Ts) == 0) {
      std::uint8_t marker;
      in.take(&marker, 1, "an empty std::tuple");
      return Tuple{};
    } else {
      return Tuple{Codec<Ts>::read(in)...};  // braced: left to right
    }
  }
};

template <class T>
struct StdCodec<std::optional<T>> {
  static constexpr bool supported = Codec<T>::supported;
  static constexpr bool bitwise = false;
  static constexpr std::size_t min_size = 1;
  static void write(Writer& out, const std::optional<T>& value) {
    out.scalar(static_cast<std::uint8_t>(value.has_value()));
    if (value) Codec<T>::write(out, *value);
  }
  static std::optional<T> read(Reader& in) {
    const std::size_t at = in.offset();
    const auto engaged = in.scalar<std::uint8_t>("a std::optional flag");
    if (engaged > 1) {
      in.fail(at, "expected a std::optional flag (0 or 1), found " + std::to_string(engaged));
    }
    if (engaged == 0) return std::nullopt;
    return std::optional<T>(std::in_place, Codec<T>::read(in));
  }
};

template <class... Ts>
struct StdCodec<std::variant<Ts...>> {
  using Variant = std::variant<Ts...>;
  using Index = std::conditional_t<(sizeof...(Ts) < 256), std::uint8_t, std::uint32_t>;
  static constexpr bool supported = (Codec<Ts>::supported && ...);
  static constexpr bool bitwise = false;
  static constexpr std::size_t min_size = sizeof(Index);

  static void write(Writer& out, const Variant& variant) {
    if (variant.valueless_by_exception()) {
      throw_serialize_error(typeid(Variant), "the variant is valueless_by_exception");
    }
    out.scalar(static_cast<Index>(variant.index()));
    std::visit([&out]<class T>(const T& value) { Codec<T>::write(out, value); }, variant);
  }
  static Variant read(Reader& in) {
    const std::size_t at = in.offset();
    const std::size_t index = in.scalar<Index>("a std::variant index");
    if (index >= sizeof...(Ts)) {
      in.fail(at, "std::variant index " + std::to_string(index) + " is out of range (the variant " +
                      demangle(typeid(Variant).name()) + " has " + std::to_string(sizeof...(Ts)) +
                      " alternatives)");
    }
    static constexpr auto readers = []<std::size_t... I>(std::index_sequence<I...>) {
      return std::array<Variant (*)(Reader&), sizeof...(Ts)>{&read_alternative<I>...};
    }
    (std::index_sequence_for<Ts...>());
    return readers[index](in);
  }

 private:
  template <std::size_t I>
  static Variant read_alternative(Reader& in) {
    return Variant(std::in_place_index<I>, Codec<std::variant_alternative_t<I, Variant>>::read(in));
  }
};

/// std::deque, std::set, std::unordered_set: an element count, then the elements.
template <class Container>
struct SequenceCodec {
  using T = typename Container::value_type;
  static constexpr bool supported = Codec<T>::supported;
  static constexpr bool bitwise = false;
  static constexpr std::size_t min_size = 8;
  static void write(Writer& out, const Container& values) {
    out.scalar(static_cast<std::uint64_t>(values.size()));
    for (const T& value : values) Codec<T>::write(out, value);
  }
  static Container read(Reader& in) {
    const std::size_t count = in.count(Codec<T>::min_size, typeid(T));
    Container values;
    if constexpr (requires { values.reserve(count); }) values.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      if constexpr (requires { values.push_back(Codec<T>::read(in)); }) {
        values.push_back(Codec<T>::read(in));
      } else {
        const std::size_t at = in.offset();
        // Ordered sets were written in order, so the end is the right hint: linear time.
        values.emplace_hint(values.end(), Codec<T>::read(in));
        if (values.size() != i + 1) {
          in.fail(at, "element " + std::to_string(i) + " repeats an earlier one in a " +
                          demangle(typeid(Container).name()));
        }
      }
    }
    return values;
  }
};

/// std::map, std::unordered_map: an element count, then key and value of each element.
template <class Map>
struct MapCodec {
  using Key = typename Map::key_type;
  using Mapped = typename Map::mapped_type;
  static constexpr bool supported = Codec<Key>::supported && Codec<Mapped>::supported;
  static constexpr bool bitwise = false;
  static constexpr std::size_t min_size = 8;
  static void write(Writer& out, const Map& map) {
    out.scalar(static_cast<std::uint64_t>(map.size()));
    for (const auto& [key, value] : map) {
      Codec<Key>::write(out, key);
      Codec<Mapped>::write(out, value);
    }
  }
  static Map read(Reader& in) {
    const std::size_t count =
        in.count(Codec<Key>::min_size + Codec<Mapped>::min_size, typeid(typename Map::value_type));
    Map map;
    if constexpr (requires { map.reserve(count); }) map.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t at = in.offset();
      Key key = Codec<Key>::read(in);
      Mapped value = Codec<Mapped>::read(in);
      map.emplace_hint(map.end(), std::move(key), std::move(value));
      if (map.size() != i + 1) {
        in.fail(at, "the key of element " + std::to_string(i) + " repeats an earlier one in a " +
                        demangle(typeid(Map).name()));
      }
    }
    return map;
  }
};

template <class T, class Allocator>
struct StdCodec<std::deque<T, Allocator>> : SequenceCodec<std::deque<T, Allocator>> {};
template <class T, class Compare, class Allocator>
struct StdCodec<std::set<T, Compare, Allocator>> : SequenceCodec<std::set<T, Compare, Allocator>> {
};
template <class T, class Hash, class Equal, class Allocator>
struct StdCodec<std::unordered_set<T, Hash, Equal, Allocator>>
    : SequenceCodec<std::unordered_set<T, Hash, Equal, Allocator>> {};
template <class K, class V, class Compare, class Allocator>
struct StdCodec<std::map<K, V, Compare, Allocator>> : MapCodec<std::map<K, V, Compare, Allocator>> {
};
template <class K, class V, class Hash, class Equal, class Allocator>
struct StdCodec<std::unordered_map<K, V, Hash, Equal, Allocator>>
    : MapCodec<std::unordered_map<K, V, Hash, Equal, Allocator>> {};

}  // namespace detail

template <class T>
Frames serialize(const T& value) {
  static_assert(detail::serializable_or_has_no_serialize_member<T>(),
                "tessera::serialize: this type has a member named serialize that Boost's binary "
                "archives cannot call from outside (is it private? then specialize "
                "tessera::use_boost_serialization<T> as std::true_type); Boost-serialized types "
                "must also be default-constructible");
  static_assert(!detail::serializable_or_has_no_serialize_member<T>() || Serializable<T>,
                "tessera::serialize: this type is not Serializable. Supported: arithmetic types, "
                "enums, trivially copyable structs without pointers, std::string, std::vector, "
                "std::array, std::pair, std::tuple, std::optional, std::variant, std::map, "
                "std::unordered_map, std::set, std::unordered_set, std::deque, tessera::Buffer "
                "(nested arbitrarily), and default-constructible types with a Boost.Serialization "
                "serialize() (a public member, or specialize tessera::use_boost_serialization)");
  Frames frames;
  if constexpr (Serializable<T>) {
    (void)detail::startup_fingerprint<T>;
    frames.header.reserve(sizeof(std::uint64_t) + detail::Codec<T>::min_size);
    detail::Writer out(frames);
    out.scalar(detail::fingerprint<T>());
    detail::Codec<T>::write(out, value);
  }
  return frames;
}

template <class T>
T deserialize(const Frames& frames) {
  static_assert(Serializable<T>,
                "tessera::deserialize: this type is not Serializable (see tessera::serialize)");
  if constexpr (Serializable<T>) {
    (void)detail::startup_fingerprint<T>;
    detail::Reader in(frames, typeid(T));
    in.expect_fingerprint(detail::fingerprint<T>());
    T value = detail::Codec<T>::read(in);
    in.expect_end();
    return value;
  }
}

}  // namespace tessera
