// Chains of adds and subtracts with terms multiplied by constants (a stencil's weighted
// neighbours) run as one weighted sum per tile: every element must be what the operations give
// one at a time in their order, to the last bit, with NaN, infinities, signed zeros and
// overflow among the values, for chains longer than one weighted sum takes and for links or
// products that are read twice.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <ios>
#include <limits>
#include <vector>

#include "tessera/array.hpp"

namespace {

template <class T>
std::vector<T> values(std::size_t n, int seed) {
  std::vector<T> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto k = static_cast<std::int64_t>(i) * 37 + seed * 101;
    const double mantissa = static_cast<double>(k % 23 - 11) * 1.0123456789;
    v[i] = static_cast<T>(mantissa * std::pow(10.0, static_cast<double>(k % 9 - 4)));
  }
  // Values whose sums and products show any change of order or rounding.
  v[static_cast<std::size_t>(seed) % n] = std::numeric_limits<T>::quiet_NaN();
  v[(static_cast<std::size_t>(seed) + 5) % n] = std::numeric_limits<T>::infinity();
  v[(static_cast<std::size_t>(seed) + 9) % n] = -std::numeric_limits<T>::infinity();
  v[(static_cast<std::size_t>(seed) + 13) % n] = T(-0.0);
  v[(static_cast<std::size_t>(seed) + 17) % n] = std::numeric_limits<T>::max() / T(2);
  v[(static_cast<std::size_t>(seed) + 21) % n] = std::numeric_limits<T>::denorm_min();
  return v;
}

template <class T>
bool same_bits(T a, T b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// f on arrays, against f on each element's values: `f` is one generic lambda, so both
// associate and round alike.
template <class T, class F>
void check(const char* what, F f) {
  INFO(what);
  const tessera::Shape shape{37, 1100};
  const std::size_t n = 37 * 1100;
  const auto xs = values<T>(n, 1), ys = values<T>(n, 2), zs = values<T>(n, 3);
  const auto ws = values<T>(1100, 4);  // broadcast along the rows
  const tessera::ChunkSpec chunks{10, 600};
  const auto x = tessera::from_vector(xs, shape, chunks);
  const auto y = tessera::from_vector(ys, shape, chunks);
  const auto z = tessera::from_vector(zs, shape, chunks);
  const auto w = tessera::from_vector(ws, tessera::Shape{1100}, tessera::ChunkSpec{600});
  const auto got = f(x, y, z, w).compute().to_vector();
  REQUIRE(got.size() == n);
  for (std::size_t i = 0; i < n; ++i) {
    const T expected = f(xs[i], ys[i], zs[i], ws[i % 1100]);
    if (!same_bits(got[i], expected)) {
      FAIL("element " << i << ": " << std::hexfloat << got[i] << ", expected " << expected);
    }
  }
}

}  // namespace

TEST_CASE("weighted sums give each element of a chain of operations to the last bit") {
  tessera::Client client(tessera::ClientOptions{GENERATE("sync", "threads")});
  check<double>("three plain terms", [](auto x, auto y, auto z, auto) { return x + y + z; });
  check<double>("a 5-point Laplacian's shape",
                [](auto x, auto y, auto z, auto w) { return y + z + w + x - 4.0 * x; });
  check<double>("constants on either side, a scaled first term",
                [](auto x, auto y, auto z, auto) { return 0.5 * x - y * 3.0 + z; });
  check<double>("twelve terms: longer than one weighted sum", [](auto x, auto y, auto z, auto w) {
    return x - y + 2.0 * z + w - x * 0.25 + y - 3.0 * w + z + x - 1.5 * y + w - z;
  });
  check<double>("a product read twice", [](auto x, auto y, auto, auto) {
    const auto twice = x * 2.0;
    return twice + y + twice;
  });
  check<double>("a link read twice", [](auto x, auto y, auto z, auto) {
    const auto s = x + y;
    return s + z + s * 1.5;
  });
  check<double>("a chain as the right operand",
                [](auto x, auto y, auto z, auto) { return x - (y + z * 2.0) - x * -1.0; });
  check<double>("constants as terms",
                [](auto x, auto y, auto, auto) { return x + 1.0 + y * 2.0 - 3.0; });
  check<double>("a weighted sum inside other operations", [](auto x, auto y, auto z, auto w) {
    return (x + y * 2.0 - z) * (w - 0.5 * x + y);
  });
  check<float>("float: a 5-point Laplacian's shape",
               [](auto x, auto y, auto z, auto w) { return y + z + w + x - 4.0f * x; });
  check<float>("float: twelve terms", [](auto x, auto y, auto z, auto w) {
    return x - y + 2.0f * z + w - x * 0.25f + y - 3.0f * w + z + x - 1.5f * y + w - z;
  });
}
