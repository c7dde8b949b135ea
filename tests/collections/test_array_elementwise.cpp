// Elementwise operations against a plain C++ reference: shapes from 0-d to 4-d, chunks of one
// element, ragged last blocks and empty axes, broadcasting of every combination of shapes,
// transposes of expressions, and the C++ result types of every pair of element types.

#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <vector>

#include "tessera/array.hpp"

using tessera::Array;
using tessera::ChunkSpec;
using tessera::Shape;

namespace {

std::int64_t size_of(const Shape& s) {
  std::int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

std::vector<double> sample(const Shape& shape, double scale, double offset) {
  std::vector<double> v(static_cast<std::size_t>(size_of(shape)));
  for (std::size_t i = 0; i < v.size(); ++i) {
    v[i] = static_cast<double>((static_cast<std::int64_t>(i) * 37 + 11) % 23) * scale + offset;
  }
  return v;
}

// The flat index in an array of `shape` (aligned to the right of `index`, broadcasting its
// length-1 axes) of the element at `index` of the broadcast result.
std::int64_t source_index(const Shape& shape, const Shape& index) {
  const std::size_t lead = index.size() - shape.size();
  std::int64_t flat = 0;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    flat = flat * shape[d] + (shape[d] == 1 ? 0 : index[lead + d]);
  }
  return flat;
}

// Calls f(index) for every index of `shape` in C order.
template <class F>
void for_each_index(const Shape& shape, F&& f) {
  if (size_of(shape) == 0) return;
  Shape index(shape.size(), 0);
  for (;;) {
    f(index);
    std::size_t d = shape.size();
    while (d > 0) {
      if (++index[d - 1] < shape[d - 1]) break;
      index[d - 1] = 0;
      --d;
    }
    if (d == 0) return;
  }
}

ChunkSpec chunks_of(std::size_t ndim, std::int64_t length) {
  return ChunkSpec(Shape(ndim, length));
}

double formula(double x, double y) { return (x > y ? x * 2 - y : std::sqrt(std::fabs(y))) + 1; }

Array<double> formula(const Array<double>& x, const Array<double>& y) {
  return tessera::where(x > y, x * 2.0 - y, tessera::sqrt(tessera::abs(y))) + 1.0;
}

void check_values(const std::vector<double>& got, const std::vector<double>& expected) {
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (got[i] != Approx(expected[i])) {
      FAIL_CHECK("element " << i << ": " << got[i] << ", expected " << expected[i]);
      return;
    }
  }
}

}  // namespace

TEST_CASE("elementwise expressions of arrays from 0-d to 4-d match a reference for any chunks") {
  const Shape shapes[] = {{},        {0},       {7},          {4, 0},      {3, 5},
                          {2, 3, 4}, {0, 2, 3}, {2, 1, 3, 2}, {3, 2, 2, 3}};
  for (const char* scheduler : {"sync", "threads"}) {
    tessera::Client client(tessera::ClientOptions{scheduler, 3});
    for (const Shape& shape : shapes) {
      for (std::int64_t chunk : {-1L, 1L, 2L, 3L}) {
        INFO(scheduler << " shape " << tessera::to_string(shape) << " chunks of " << chunk);
        const auto xs = sample(shape, 0.5, -4);
        const auto ys = sample(shape, -0.25, 3);
        const auto x = tessera::from_vector(xs, shape, chunks_of(shape.size(), chunk));
        const auto y = tessera::from_vector(ys, shape, chunks_of(shape.size(), chunk));
        std::vector<double> expected;
        for (std::size_t i = 0; i < xs.size(); ++i) expected.push_back(formula(xs[i], ys[i]));
        const auto result = formula(x, y);
        CHECK(result.shape() == shape);
        CHECK(result.chunks() == x.chunks());
        check_values(result.compute().to_vector(), expected);
        // Mixed types: float32 and int32 give float64, as NumPy.
        const auto mixed = x.astype<float>() * y.astype<std::int32_t>();
        static_assert(std::is_same_v<decltype(mixed), const Array<double>>);
        std::vector<double> products;
        for (std::size_t i = 0; i < xs.size(); ++i) {
          products.push_back(static_cast<double>(static_cast<float>(xs[i])) *
                             static_cast<double>(static_cast<std::int32_t>(ys[i])));
        }
        check_values(mixed.compute().to_vector(), products);
      }
    }
  }
}

TEST_CASE("every combination of broadcast shapes matches a reference") {
  // Shapes of up to 3 axes whose trailing axes are those of (2, 3, 4) or 1.
  const Shape full{2, 3, 4};
  std::vector<Shape> shapes;
  for (std::size_t ndim = 0; ndim <= 3; ++ndim) {
    for (int mask = 0; mask < (1 << ndim); ++mask) {
      Shape s;
      for (std::size_t d = 0; d < ndim; ++d) {
        s.push_back(mask >> d & 1 ? 1 : full[3 - ndim + d]);
      }
      shapes.push_back(s);
    }
  }
  REQUIRE(shapes.size() == 15);
  int pairs = 0;
  for (const char* scheduler : {"sync", "threads"}) {
    tessera::Client client(tessera::ClientOptions{scheduler, 2});
    for (const Shape& sa : shapes) {
      for (const Shape& sb : shapes) {
        const std::int64_t chunk = (pairs++ % 2) ? 1 : 2;
        INFO(scheduler << ": " << tessera::to_string(sa) << " with " << tessera::to_string(sb)
                       << ", chunks of " << chunk);
        const auto as = sample(sa, 1, -10);
        const auto bs = sample(sb, 0.5, -2);
        const auto a = tessera::from_vector(as, sa, chunks_of(sa.size(), chunk));
        const auto b = tessera::from_vector(bs, sb, chunks_of(sb.size(), chunk));
        const auto result = formula(a, b);
        Shape shape(std::max(sa.size(), sb.size()), 1);
        for (std::size_t d = 0; d < shape.size(); ++d) {
          const std::size_t from_end = shape.size() - d;
          if (from_end <= sa.size()) shape[d] = std::max(shape[d], sa[sa.size() - from_end]);
          if (from_end <= sb.size()) shape[d] = std::max(shape[d], sb[sb.size() - from_end]);
        }
        CHECK(result.shape() == shape);
        std::vector<double> expected;
        for_each_index(shape, [&](const Shape& index) {
          expected.push_back(formula(as[static_cast<std::size_t>(source_index(sa, index))],
                                     bs[static_cast<std::size_t>(source_index(sb, index))]));
        });
        check_values(result.compute().to_vector(), expected);
      }
    }
  }
  CHECK(pairs == 450);
}

TEST_CASE("transposes and swapped axes of expressions match a reference") {
  tessera::Client client(tessera::ClientOptions{"threads", 2});
  const Shape shape{2, 3, 4};
  const auto xs = sample(shape, 1, -3);
  const auto vs = sample({4}, 2, 1);
  const auto x = tessera::from_vector(xs, shape, ChunkSpec{1, 2, 3});
  const auto v = tessera::from_vector(vs, ChunkSpec{3});
  const auto y = x * 2.0 + v;  // broadcast along the last axis
  auto value = [&](std::int64_t i, std::int64_t j, std::int64_t k) {
    return xs[static_cast<std::size_t>((i * 3 + j) * 4 + k)] * 2 + vs[static_cast<std::size_t>(k)];
  };

  const auto t = y.T();
  CHECK(t.shape() == Shape{4, 3, 2});
  CHECK(t.chunks() == tessera::Chunks{{3, 1}, {2, 1}, {1, 1}});
  const auto p = y.transpose({1, 2, 0});
  CHECK(p.shape() == Shape{3, 4, 2});
  const auto s = tessera::swapaxes(y, 0, -1);
  const auto tm = t.compute(), pm = p.compute(), sm = s.compute();
  for (std::int64_t i = 0; i < 2; ++i) {
    for (std::int64_t j = 0; j < 3; ++j) {
      for (std::int64_t k = 0; k < 4; ++k) {
        CHECK(tm(k, j, i) == value(i, j, k));
        CHECK(pm(j, k, i) == value(i, j, k));
        CHECK(sm(k, j, i) == value(i, j, k));
      }
    }
  }
  // Transposes compose, and reduce along the permuted axes.
  CHECK(p.transpose({2, 0, 1}).compute().to_vector() == y.compute().to_vector());
  CHECK(y.transpose({0, 1, 2}).handle() == y.handle());
  const auto sums = (t + 1.0).sum(0).compute();  // over the original last axis
  for (std::int64_t j = 0; j < 3; ++j) {
    for (std::int64_t i = 0; i < 2; ++i) {
      double expected = 0;
      for (std::int64_t k = 0; k < 4; ++k) expected += value(i, j, k) + 1;
      CHECK(sums(j, i) == Approx(expected));
    }
  }
  // x + x.T() on a 2-d array with ragged blocks.
  const auto m = tessera::from_vector(sample({5, 5}, 1, 0), {5, 5}, ChunkSpec{2, 2});
  const auto mm = m.compute();
  const auto sym = (m + m.T()).compute();
  for (std::int64_t i = 0; i < 5; ++i) {
    for (std::int64_t j = 0; j < 5; ++j) CHECK(sym(i, j) == mm(i, j) + mm(j, i));
  }
}

namespace {
// x.T() + 1 element by element, for blocks whose transposed reads are gathered in panels of
// up to 256 rows: deeper blocks (two panels, the second odd), odd and even widths, 8-byte
// elements (moved in pairs) and narrower ones.
template <class T>
void check_transposed_blocks(std::int64_t rows, std::int64_t cols, std::int64_t chunk_rows) {
  INFO(tessera::dtype_name(tessera::dtype_of<T>()) << " " << rows << " x " << cols);
  std::vector<T> values(static_cast<std::size_t>(rows * cols));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<T>(i % 1000);
  const auto x = tessera::from_vector(values, {rows, cols}, ChunkSpec{chunk_rows, cols});
  const auto t = (x.T() + T(1)).compute();
  for (std::int64_t j = 0; j < cols; ++j) {
    for (std::int64_t i = 0; i < rows; ++i) {
      REQUIRE(t(j, i) == static_cast<T>(values[static_cast<std::size_t>(i * cols + j)] + T(1)));
    }
  }
}
}  // namespace

TEST_CASE("transposed blocks of deep, odd and narrow shapes match element by element") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  for (const auto& [rows, cols, chunk] : std::vector<std::array<std::int64_t, 3>>{
           {301, 37, 301}, {37, 301, 37}, {300, 38, 150}, {7, 5, 7}, {4, 513, 4}}) {
    check_transposed_blocks<double>(rows, cols, chunk);
    check_transposed_blocks<std::int64_t>(rows, cols, chunk);
    check_transposed_blocks<float>(rows, cols, chunk);
    check_transposed_blocks<std::int32_t>(rows, cols, chunk);
  }
}

namespace {
template <class A, class B>
void check_pair_types() {
  INFO(tessera::dtype_name(tessera::dtype_of<A>())
       << " with " << tessera::dtype_name(tessera::dtype_of<B>()));
  const auto a = tessera::ones<A>({2});
  const auto b = tessera::ones<B>({2});
  // The C++ type of each result is the type the graph computes.
  auto same = [](const auto& r) { return tessera::detail::array::dtype(r.handle()) == r.dtype(); };
  CHECK(same(a + b));
  CHECK(same(a / b));
  CHECK(same(a < b));
  CHECK(same(tessera::maximum(a, b)));
  CHECK(same(tessera::arctan2(a, b)));
  CHECK(same(tessera::where(a > b, a, b)));
  CHECK(same(a + B(1)));
  CHECK(same(A(1) / b));
  CHECK(same(a.template astype<B>()));
  CHECK(same(tessera::sqrt(a)));
  CHECK(same(tessera::floor(a)));
  CHECK(same(a.sum()));
  CHECK(same(a.mean()));
  CHECK(same(a.var()));
  CHECK(same(a.argmax()));
  CHECK(tessera::promote(tessera::dtype_of<A>(), tessera::dtype_of<B>()) ==
        tessera::dtype_of<tessera::promote_t<A, B>>());
}

template <class A>
void check_types_with_every_type() {
  check_pair_types<A, bool>();
  check_pair_types<A, std::uint8_t>();
  check_pair_types<A, std::int32_t>();
  check_pair_types<A, std::int64_t>();
  check_pair_types<A, std::uint64_t>();
  check_pair_types<A, float>();
  check_pair_types<A, double>();
}
}  // namespace

TEST_CASE("the C++ result type of every operation on every pair of types is the computed one") {
  check_types_with_every_type<bool>();
  check_types_with_every_type<std::uint8_t>();
  check_types_with_every_type<std::int32_t>();
  check_types_with_every_type<std::int64_t>();
  check_types_with_every_type<std::uint64_t>();
  check_types_with_every_type<float>();
  check_types_with_every_type<double>();
}
