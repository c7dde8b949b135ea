#pragma once
// Value: a type-erased task argument or result.

#include <cstddef>
#include <new>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "tessera/demangle.hpp"
#include "tessera/errors.hpp"
#include "tessera/serialize.hpp"

namespace tessera {

namespace detail {
template <class T>
struct IsVector : std::false_type {};
template <class T, class A>
struct IsVector<std::vector<T, A>> : std::true_type {};

/// Memory a value uses, counting the contents of Buffers, strings and vectors, and asking
/// types that know theirs (a member `std::size_t approximate_bytes() const noexcept`).
template <class T>
std::size_t approximate_bytes(const T& value) noexcept {
  if constexpr (requires {
                  { value.approximate_bytes() }
                  noexcept;
                }) {
    return value.approximate_bytes();
  } else if constexpr (std::is_same_v<T, Buffer>) {
    return sizeof(Buffer) + value.size();
  } else if constexpr (std::is_same_v<T, std::string>) {
    return sizeof(std::string) + value.capacity();
  } else if constexpr (IsVector<T>::value) {
    using E = typename T::value_type;
    if constexpr (std::is_trivially_copyable_v<E>) {
      return sizeof(T) + value.capacity() * sizeof(E);
    } else {
      std::size_t total = sizeof(T) + (value.capacity() - value.size()) * sizeof(E);
      for (const auto& element : value) total += approximate_bytes(element);
      return total;
    }
  } else {
    return sizeof(T);
  }
}
}  // namespace detail

/// Holds one value of any copyable type. Values of up to 24 bytes live inside the Value
/// (no allocation, the common case for task results); larger ones on the heap. Copying a
/// Value copies what it holds: wrap big payloads in tessera::Buffer, whose copies share
/// memory. An empty Value is the result of a task returning void.
class Value {
 public:
  Value() noexcept = default;

  template <class T, class D = std::decay_t<T>>
  requires(!std::is_same_v<D, Value>)
      Value(T&& value) {  // NOLINT(google-explicit-constructor): values convert implicitly
    static_assert(std::is_copy_constructible_v<D>,
                  "a task's arguments and results must be copyable");
    if constexpr (fits_inline<D>) {
      ::new (static_cast<void*>(storage_)) D(std::forward<T>(value));
    } else {
      heap() = new D(std::forward<T>(value));
    }
    vtable_ = &vtable_for<D>;
  }

  Value(const Value& other) {
    if (other.vtable_) other.vtable_->copy(other, *this);
    vtable_ = other.vtable_;
  }
  Value(Value&& other) noexcept {
    if (other.vtable_) other.vtable_->move(other, *this);
    vtable_ = std::exchange(other.vtable_, nullptr);
  }
  Value& operator=(const Value& other) {
    if (this != &other) *this = Value(other);
    return *this;
  }
  Value& operator=(Value&& other) noexcept {
    if (this != &other) {
      reset();
      if (other.vtable_) other.vtable_->move(other, *this);
      vtable_ = std::exchange(other.vtable_, nullptr);
    }
    return *this;
  }
  ~Value() { reset(); }

  /// Destroys what the Value holds; it is empty afterwards.
  void reset() noexcept {
    if (vtable_) {
      vtable_->destroy(*this);
      vtable_ = nullptr;
    }
  }

  bool has_value() const noexcept { return vtable_ != nullptr; }

  /// The held type (typeid(void) when empty).
  const std::type_info& type() const noexcept { return vtable_ ? vtable_->type : typeid(void); }
  /// Readable name of the held type, for error messages.
  std::string type_name() const { return detail::demangle(type().name()); }

  template <class T>
  bool holds() const noexcept {
    return vtable_ == &vtable_for<T> || (vtable_ && vtable_->type == typeid(T));
  }

  /// The held T. Throws TypeError naming both types when the Value holds something else.
  template <class T>
  const T& get() const {
    if (!holds<T>()) throw_type_mismatch(typeid(T));
    return *pointer<T>();
  }
  template <class T>
  T& get() {
    if (!holds<T>()) throw_type_mismatch(typeid(T));
    return *const_cast<T*>(std::as_const(*this).pointer<T>());
  }

  /// The held value in wire form. Throws SerializationError if its type is not Serializable.
  Frames serialize() const {
    if (!vtable_) return tessera::serialize(Empty{});
    return vtable_->serialize(*this);
  }

  /// Approximate bytes of memory the held value uses (Buffers, strings and vectors of plain
  /// data count their contents): what worker memory limits and transfer costs are based on.
  std::size_t bytes() const noexcept { return vtable_ ? vtable_->bytes(*this) : 0; }

  /// The Value that `frames` encodes, whatever its type: the type comes from the fingerprint
  /// in the header. Every type that this program puts into a Value is known (registered at
  /// startup), so frames from another rank of the same program decode. SerializationError
  /// for frames of an unknown type or corrupt frames.
  static Value decode(const Frames& frames);

  /// A Value holding the T that `frames` encodes.
  template <class T>
  static Value deserialize(const Frames& frames) {
    if constexpr (std::is_void_v<T>) {
      tessera::deserialize<Empty>(frames);
      return Value();
    } else {
      return Value(tessera::deserialize<T>(frames));
    }
  }

 private:
  struct Empty {};
  static constexpr std::size_t inline_size = 24;

  // Pointer alignment, not max_align_t's 16: a graph holds a Value per literal argument, and
  // 16-byte alignment would pad every argument of every node by 8 bytes. Types that need
  // more (long double, SIMD vectors) live on the heap.
  static constexpr std::size_t inline_align = alignof(void*);

  template <class T>
  static constexpr bool fits_inline =
      sizeof(T) <= inline_size &&
      alignof(T) <= inline_align&& std::is_nothrow_move_constructible_v<T>;

  struct VTable {
    const std::type_info& type;
    void (*copy)(const Value& from, Value& to);
    void (*move)(Value& from, Value& to) noexcept;
    void (*destroy)(Value& self) noexcept;
    Frames (*serialize)(const Value& self);
    std::size_t (*bytes)(const Value& self) noexcept;
  };

  template <class T>
  const T* pointer() const noexcept {
    if constexpr (fits_inline<T>) {
      return std::launder(reinterpret_cast<const T*>(storage_));
    } else {
      return static_cast<const T*>(heap_const());
    }
  }
  void*& heap() noexcept { return *reinterpret_cast<void**>(storage_); }
  const void* heap_const() const noexcept { return *reinterpret_cast<void* const*>(storage_); }

  template <class T>
  static Frames serialize_held(const Value& self) {
    if constexpr (Serializable<T>) {
      (void)decoder_registered<T>;
      return tessera::serialize(*self.pointer<T>());
    } else {
      throw SerializationError("a value of type " + detail::demangle(typeid(T).name()) +
                               " cannot be serialized: make it trivially copyable, a standard "
                               "container, or give it a Boost.Serialization serialize() (and "
                               "include tessera/serialize_boost.hpp)");
    }
  }

  template <class T>
  static void copy_held(const Value& from, Value& to) {
    if constexpr (fits_inline<T>) {
      ::new (static_cast<void*>(to.storage_)) T(*from.pointer<T>());
    } else {
      to.heap() = new T(*from.pointer<T>());
    }
  }
  template <class T>
  static void move_held(Value& from, Value& to) noexcept {
    if constexpr (fits_inline<T>) {
      T* source = std::launder(reinterpret_cast<T*>(from.storage_));
      ::new (static_cast<void*>(to.storage_)) T(std::move(*source));
      source->~T();
    } else {
      to.heap() = std::exchange(from.heap(), nullptr);
    }
  }
  template <class T>
  static void destroy_held(Value& self) noexcept {
    if constexpr (fits_inline<T>) {
      std::launder(reinterpret_cast<T*>(self.storage_))->~T();
    } else {
      delete static_cast<T*>(self.heap());
    }
  }

  template <class T>
  static std::size_t bytes_held(const Value& self) noexcept {
    return detail::approximate_bytes(*self.pointer<T>());
  }

  template <class T>
  static constexpr VTable vtable_for = {typeid(T),        &copy_held<T>,      &move_held<T>,
                                        &destroy_held<T>, &serialize_held<T>, &bytes_held<T>};

  using Decoder = Value (*)(const Frames& frames);
  static bool register_decoder(std::uint64_t fingerprint, Decoder decoder);
  // Registers T's decoder at startup in every process that can hold a T in a Value.
  template <class T>
  static inline const bool decoder_registered = register_decoder(detail::fingerprint<T>(),
                                                                 &Value::deserialize<T>);
  static inline const bool empty_decoder_registered =
      register_decoder(detail::fingerprint<Empty>(), &Value::deserialize<void>);

  [[noreturn]] void throw_type_mismatch(const std::type_info& wanted) const;

  alignas(inline_align) unsigned char storage_[inline_size];
  const VTable* vtable_ = nullptr;
};

}  // namespace tessera
