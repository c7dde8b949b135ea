#pragma once
// HostArray<T>: an array in this process's memory, in C order — what Array<T>::compute()
// returns. It owns its elements (or shares them with the block they came from).
//
//   tessera::HostArray<double> m = x.compute();
//   double corner = m(0, 0);                 // m.shape() == {rows, cols}
//   std::span<const double> all = m.values();

#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

#include "tessera/array/block.hpp"
#include "tessera/array/errors.hpp"

namespace tessera {

template <class T>
class HostArray {
 public:
  HostArray() = default;
  /// Uninitialized elements of `shape`.
  explicit HostArray(Shape shape) : block_(Block::allocate(dtype_of<T>(), std::move(shape))) {}
  /// Takes a block's elements (sharing its memory); ArrayError if its type is not T.
  explicit HostArray(Block block) : block_(std::move(block)) { (void)block_.values<T>(); }

  const Shape& shape() const noexcept { return block_.shape; }
  std::int64_t ndim() const noexcept { return static_cast<std::int64_t>(block_.shape.size()); }
  std::int64_t size() const noexcept { return block_.size(); }

  std::span<const T> values() const& { return block_.values<T>(); }
  std::span<T> values() & { return block_.values<T>(); }
  const T* data() const& { return values().data(); }
  T* data() & { return values().data(); }
  // Not of a temporary: `for (auto v : x.compute().values())` would read freed memory. Keep
  // the HostArray in a variable first.
  std::span<const T> values() && = delete;
  const T* data() && = delete;

  /// The element at an index, one per axis; ArrayError if it is out of range.
  template <class... I>
  const T& operator()(I... index) const {
    return elements()[offset({static_cast<std::int64_t>(index)...})];
  }
  template <class... I>
  T& operator()(I... index) {
    return elements()[offset({static_cast<std::int64_t>(index)...})];
  }

  /// The single element of a scalar (or one-element) array; ArrayError otherwise.
  T item() const {
    if (size() != 1) throw_not_one();
    return elements()[0];
  }

  std::vector<T> to_vector() const { return {values().begin(), values().end()}; }

  /// The elements as a Block (shared, not copied).
  const Block& block() const noexcept { return block_; }

 private:
  std::int64_t offset(std::initializer_list<std::int64_t> index) const {
    if (index.size() != block_.shape.size()) throw_bad_index(index);
    std::int64_t flat = 0;
    std::size_t axis = 0;
    for (std::int64_t i : index) {
      const std::int64_t n = block_.shape[axis++];
      if (i < -n || i >= n) throw_bad_index(index);
      flat = flat * n + (i < 0 ? i + n : i);
    }
    return flat;
  }
  // The type and size were checked when the block was taken.
  const T* elements() const noexcept { return reinterpret_cast<const T*>(block_.data.data()); }
  T* elements() noexcept { return reinterpret_cast<T*>(block_.data.data()); }
  [[noreturn]] void throw_bad_index(std::initializer_list<std::int64_t> index) const;
  [[noreturn]] void throw_not_one() const;

  Block block_;
};

namespace detail {
[[noreturn]] void throw_host_index(const Shape& shape, std::initializer_list<std::int64_t> index);
[[noreturn]] void throw_host_not_one(const Shape& shape);
}  // namespace detail

template <class T>
void HostArray<T>::throw_bad_index(std::initializer_list<std::int64_t> index) const {
  detail::throw_host_index(block_.shape, index);
}
template <class T>
void HostArray<T>::throw_not_one() const {
  detail::throw_host_not_one(block_.shape);
}

}  // namespace tessera
