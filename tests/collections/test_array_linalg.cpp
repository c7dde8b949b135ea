// matmul, dot and tensordot against plain loops, on several shapes, chunkings, element types
// and schedulers; the BLAS block products against the reference kernel.

#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "array/linalg/gemm.hpp"
#include "tessera/array.hpp"

using tessera::Array;
using tessera::ChunkSpec;
using tessera::Shape;

namespace {

std::int64_t count(const Shape& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

// Small values whose products and sums are exact in every type.
template <class T>
std::vector<T> values(const Shape& shape, int seed) {
  std::vector<T> out(static_cast<std::size_t>(count(shape)));
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto v = static_cast<int>((i * 7 + static_cast<std::size_t>(seed) * 13) % 11) - 4;
    if constexpr (std::is_same_v<T, bool>) {
      out[i] = v > 1;
    } else {
      out[i] = static_cast<T>(v);
    }
  }
  return out;
}

// C order contraction of a (m × k) and b (k × n) given as flat vectors: the plain loop.
template <class R, class A, class B>
std::vector<R> matmul_loop(const std::vector<A>& a, const std::vector<B>& b, std::int64_t m,
                           std::int64_t k, std::int64_t n) {
  std::vector<R> c(static_cast<std::size_t>(m * n), R(0));
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      R sum = R(0);
      for (std::int64_t p = 0; p < k; ++p) {
        const R x = static_cast<R>(a[static_cast<std::size_t>(i * k + p)]);
        const R y = static_cast<R>(b[static_cast<std::size_t>(p * n + j)]);
        if constexpr (std::is_same_v<R, bool>) {
          sum = sum || (x && y);
        } else {
          sum = static_cast<R>(sum + x * y);
        }
      }
      c[static_cast<std::size_t>(i * n + j)] = sum;
    }
  }
  return c;
}

template <class T>
void check_equal(const std::vector<T>& got, const std::vector<T>& expected) {
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    if constexpr (std::is_floating_point_v<T>) {
      CHECK(got[i] == Approx(expected[i]).margin(1e-9));
    } else {
      CHECK(got[i] == expected[i]);
    }
  }
}

struct Case {
  std::int64_t m, k, n;
  ChunkSpec a_chunks, b_chunks;
};

const std::vector<Case> cases = {
    {7, 5, 9, ChunkSpec{3, 2}, ChunkSpec{2, 4}},   // ragged last blocks
    {4, 6, 3, ChunkSpec{1, 1}, ChunkSpec{1, 1}},   // 1-element blocks
    {5, 20, 6, ChunkSpec{5, 1}, ChunkSpec{1, 6}},  // 20 products per block: a tree of sums
    {6, 4, 5, ChunkSpec{6, 4}, ChunkSpec{4, 5}},   // one block
    {3, 0, 4, ChunkSpec{2, 1}, ChunkSpec{1, 2}},   // nothing to contract: zeros
};

template <class T>
void check_matmul_cases() {
  for (const Case& c : cases) {
    INFO("T = " << tessera::dtype_name(tessera::dtype_of<T>()) << ", m k n = " << c.m << " " << c.k
                << " " << c.n);
    const auto av = values<T>({c.m, c.k}, 1), bv = values<T>({c.k, c.n}, 2);
    auto a = tessera::from_vector(av, {c.m, c.k}, c.a_chunks);
    auto b = tessera::from_vector(bv, {c.k, c.n}, c.b_chunks);
    auto product = tessera::matmul(a, b);
    static_assert(std::is_same_v<decltype(product), Array<T>>);
    CHECK(product.shape() == Shape{c.m, c.n});
    CHECK(product.chunks()[0] == a.chunks()[0]);
    CHECK(product.chunks()[1] == b.chunks()[1]);
    check_equal(product.compute().to_vector(), matmul_loop<T>(av, bv, c.m, c.k, c.n));
  }
}

}  // namespace

TEST_CASE("the BLAS block products match the reference kernel") {
  std::mt19937 random(5);
  std::uniform_real_distribution<double> uniform(-1, 1);
  for (auto [m, n, k] : std::vector<std::array<std::int64_t, 3>>{
           {1, 1, 1}, {3, 5, 7}, {64, 33, 17}, {0, 3, 4}, {5, 0, 2}, {4, 4, 0}}) {
    INFO("m n k = " << m << " " << n << " " << k);
    std::vector<double> a(static_cast<std::size_t>(m * k)), b(static_cast<std::size_t>(k * n)),
        c(static_cast<std::size_t>(m * n));
    for (auto* v : {&a, &b, &c}) {
      for (double& x : *v) x = uniform(random);
    }
    std::vector<double> expected = c, got = c;
    tessera::detail::array::gemm_reference(m, n, k, a.data(), b.data(), expected.data());
    tessera::detail::array::gemm(tessera::DType::float64, m, n, k, a.data(), b.data(), got.data());
    for (std::size_t i = 0; i < got.size(); ++i)
      CHECK(got[i] == Approx(expected[i]).epsilon(1e-12));

    std::vector<float> af(a.begin(), a.end()), bf(b.begin(), b.end()), cf(c.begin(), c.end());
    std::vector<float> expected_f = cf, got_f = cf;
    tessera::detail::array::gemm_reference(m, n, k, af.data(), bf.data(), expected_f.data());
    tessera::detail::array::gemm(tessera::DType::float32, m, n, k, af.data(), bf.data(),
                                 got_f.data());
    for (std::size_t i = 0; i < got_f.size(); ++i) {
      CHECK(got_f[i] == Approx(expected_f[i]).epsilon(1e-5).margin(1e-5));
    }
  }
}

TEST_CASE("the reference block product wraps integers around and ors bools") {
  const std::int32_t big = 1 << 30;
  std::vector<std::int32_t> a{big, big}, b{2, 2}, c{0};
  tessera::detail::array::gemm(tessera::DType::int32, 1, 1, 2, a.data(), b.data(), c.data());
  CHECK(c[0] == 0);  // 2^32 wraps to 0, as NumPy's int32
  bool x[2] = {true, false}, y[2] = {false, true}, z[1] = {false};
  tessera::detail::array::gemm(tessera::DType::bool_, 1, 1, 2, x, y, z);
  CHECK_FALSE(z[0]);
  y[0] = true;
  tessera::detail::array::gemm(tessera::DType::bool_, 1, 1, 2, x, y, z);
  CHECK(z[0]);
}

TEST_CASE("matmul of chunked arrays matches a plain loop on sync and threads") {
  for (const char* scheduler : {"sync", "threads"}) {
    INFO("scheduler " << scheduler);
    tessera::Client client(tessera::ClientOptions{scheduler, 2});
    check_matmul_cases<float>();
    check_matmul_cases<double>();
    check_matmul_cases<std::int32_t>();
    check_matmul_cases<std::int64_t>();
    check_matmul_cases<bool>();
  }
}

TEST_CASE("matmul promotes mixed element types as NumPy does") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  const auto av = values<std::int32_t>({4, 3}, 1);
  const auto bv = values<float>({3, 2}, 2);
  auto a = tessera::from_vector(av, {4, 3}, ChunkSpec{2, 2});
  auto b = tessera::from_vector(bv, {3, 2}, ChunkSpec{2, 1});
  auto product = tessera::matmul(a, b);
  static_assert(std::is_same_v<decltype(product), Array<double>>);
  check_equal(product.compute().to_vector(), matmul_loop<double>(av, bv, 4, 3, 2));

  const auto cv = values<bool>({3, 2}, 3);
  auto c = tessera::from_vector(cv, {3, 2}, ChunkSpec{2, 1});
  auto mixed = tessera::matmul(a, c);
  static_assert(std::is_same_v<decltype(mixed), Array<std::int32_t>>);
  check_equal(mixed.compute().to_vector(), matmul_loop<std::int32_t>(av, cv, 4, 3, 2));
}

TEST_CASE("matmul treats 1-d operands as a row or a column and drops that axis") {
  tessera::Client client(tessera::ClientOptions{"threads", 2});
  const auto mv = values<double>({5, 4}, 1);
  const auto v5 = values<double>({5}, 2), v4 = values<double>({4}, 3);
  auto m = tessera::from_vector(mv, {5, 4}, ChunkSpec{2, 3});
  auto x = tessera::from_vector(v5, {5}, ChunkSpec{2});
  auto y = tessera::from_vector(v4, {4}, ChunkSpec{3});

  auto row = tessera::matmul(x, m);
  CHECK(row.shape() == Shape{4});
  check_equal(row.compute().to_vector(), matmul_loop<double>(v5, mv, 1, 5, 4));
  auto column = tessera::matmul(m, y);
  CHECK(column.shape() == Shape{5});
  check_equal(column.compute().to_vector(), matmul_loop<double>(mv, v4, 5, 4, 1));
  auto inner = tessera::matmul(x, x);
  CHECK(inner.shape() == Shape{});
  CHECK(inner.compute().item() == Approx(matmul_loop<double>(v5, v5, 1, 5, 1)[0]));
  CHECK(tessera::dot(x, x).compute().item() == Approx(inner.compute().item()));
}

TEST_CASE("matmul fuses elementwise operands and transposes into its block products") {
  tessera::Client client(tessera::ClientOptions{"threads", 2});
  const auto xv = values<double>({6, 5}, 1);
  auto x = tessera::from_vector(xv, {6, 5}, ChunkSpec{4, 2});
  auto gram = tessera::matmul(x.T(), x * 2.0 + 1.0);
  std::vector<double> xt(30), y(30);
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 5; ++j) {
      xt[static_cast<std::size_t>(j * 6 + i)] = xv[static_cast<std::size_t>(i * 5 + j)];
      y[static_cast<std::size_t>(i * 5 + j)] = xv[static_cast<std::size_t>(i * 5 + j)] * 2 + 1;
    }
  }
  check_equal(gram.compute().to_vector(), matmul_loop<double>(xt, y, 5, 6, 5));
}

TEST_CASE("tensordot and dot contract the axes NumPy's do") {
  tessera::Client client(tessera::ClientOptions{"threads", 2});
  // a (4, 5, 6), b (6, 4, 3): sum over a's axes 0 and 2 with b's 1 and 0 -> (5, 3).
  const auto av = values<std::int64_t>({4, 5, 6}, 1);
  const auto bv = values<std::int64_t>({6, 4, 3}, 2);
  auto a = tessera::from_vector(av, {4, 5, 6}, ChunkSpec{3, 2, 4});
  auto b = tessera::from_vector(bv, {6, 4, 3}, ChunkSpec{4, 3, 2});
  auto at = [&](int i, int j, int k) { return av[static_cast<std::size_t>((i * 5 + j) * 6 + k)]; };
  auto bt = [&](int i, int j, int k) { return bv[static_cast<std::size_t>((i * 4 + j) * 3 + k)]; };

  auto t = tessera::tensordot(a, b, {0, 2}, {1, 0});
  CHECK(t.shape() == Shape{5, 3});
  std::vector<std::int64_t> expected;
  for (int j = 0; j < 5; ++j) {
    for (int m = 0; m < 3; ++m) {
      std::int64_t sum = 0;
      for (int i = 0; i < 4; ++i) {
        for (int k = 0; k < 6; ++k) sum += at(i, j, k) * bt(k, i, m);
      }
      expected.push_back(sum);
    }
  }
  check_equal(t.compute().to_vector(), expected);

  // dot of 3-d and 2-d: the sum over a's last axis and b's first (its second to last).
  const auto cv = values<std::int64_t>({6, 2}, 3);
  auto c = tessera::from_vector(cv, {6, 2}, ChunkSpec{4, 1});
  auto d = tessera::dot(a, c);
  CHECK(d.shape() == Shape{4, 5, 2});
  check_equal(d.compute().to_vector(), matmul_loop<std::int64_t>(av, cv, 20, 6, 2));
  check_equal(tessera::tensordot(a, c, 1).compute().to_vector(), d.compute().to_vector());

  // axes = 0: the outer product.
  auto v = tessera::from_vector(values<std::int64_t>({3}, 4), {3}, ChunkSpec{2});
  CHECK(tessera::tensordot(v, v, 0).shape() == Shape{3, 3});
  // A 0-d operand multiplies.
  auto s = tessera::full<std::int64_t>({}, 3);
  check_equal(tessera::dot(s, v).compute().to_vector(), (v * 3).compute().to_vector());
}

TEST_CASE("matmul and tensordot rechunk operands whose contracted axes are split differently") {
  for (const char* scheduler : {"sync", "threads"}) {
    INFO("scheduler " << scheduler);
    tessera::Client client(tessera::ClientOptions{scheduler, 2});
    const auto av = values<double>({7, 20}, 1), bv = values<double>({20, 6}, 2);
    auto a = tessera::from_vector(av, {7, 20}, ChunkSpec{3, 10});
    // (10, 10) against (5, 5, 5, 5): b's splitting refines a's; against (3, ..., 3, 2), the
    // common refinement (3, 3, 3, 1, 2, 3, 3, 2) is neither's.
    for (const std::int64_t k_chunk : {5, 3, 20}) {
      INFO("b's chunks along k: " << k_chunk);
      auto b = tessera::from_vector(bv, {20, 6}, ChunkSpec{k_chunk, 4});
      auto product = tessera::matmul(a, b * 1.0);  // b fused as an expression
      CHECK(product.chunks() == tessera::Chunks{{3, 3, 1}, {4, 2}});
      check_equal(product.compute().to_vector(), matmul_loop<double>(av, bv, 7, 20, 6));
      check_equal(tessera::matmul(b.T(), a.T()).compute().to_vector(),
                  tessera::matmul(a, b).T().compute().to_vector());
    }
    // Several contracted axes, each split differently, and a mixed element type.
    const auto cv = values<std::int32_t>({4, 5, 6}, 3);
    const auto dv = values<std::int64_t>({5, 6, 2}, 4);
    auto c = tessera::from_vector(cv, {4, 5, 6}, ChunkSpec{2, 2, 4});
    auto d = tessera::from_vector(dv, {5, 6, 2}, ChunkSpec{3, 5, 1});
    auto t = tessera::tensordot(c, d, 2);
    CHECK(t.chunks() == tessera::Chunks{{2, 2}, {1, 1}});
    check_equal(t.compute().to_vector(), matmul_loop<std::int64_t>(cv, dv, 4, 30, 2));
  }
}

TEST_CASE("matmul names the shapes, axes and chunks that do not fit") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  auto a = tessera::zeros<double>({1000, 20}, ChunkSpec{100, 10});
  auto b = tessera::zeros<double>({30, 5}, ChunkSpec{10, 5});
  CHECK_THROWS_WITH(tessera::matmul(a, b),
                    "matmul: shapes (1000, 20) and (30, 5) do not align: 20 (axis 1) != 30 "
                    "(axis 0)");
  auto c = tessera::zeros<double>({20, 5}, ChunkSpec{5, 5});
  auto cube = tessera::zeros<double>({2, 3, 4});
  CHECK_THROWS_AS(tessera::matmul(cube, a), tessera::ArrayError);
  CHECK_THROWS_WITH(tessera::matmul(tessera::full<double>({}, 1.0), a), Catch::Contains("scalar"));
  CHECK_THROWS_WITH(tessera::tensordot(a, c, {1, 0}, {0}), Catch::Contains("as many"));
  CHECK_THROWS_WITH(tessera::tensordot(a, c, {2}, {0}), Catch::Contains("out of bounds"));
  CHECK_THROWS_WITH(tessera::dot(a, b), Catch::StartsWith("dot: shapes (1000, 20) and (30, 5)"));
}
