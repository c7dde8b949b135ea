// A hostile user of tessera::Array: lengths, counts, indices and scalars at the ends of their
// types, host data of the wrong size, and expressions ten thousand operations deep. Each
// gives NumPy's answer or an ArrayError naming the operation, never undefined behaviour, a
// crash or an allocation that cannot succeed.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "tessera/array.hpp"
#include "tessera/config.hpp"

using Catch::Contains;
using tessera::Array;
using tessera::ArrayError;
using tessera::Chunks;
using tessera::ChunkSpec;
using tessera::Shape;

namespace {
constexpr std::int64_t i64min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t i64max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t tera = std::int64_t{1} << 40;
}  // namespace

TEST_CASE("shapes of more than 2^63 elements are refused, however they are chunked") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  CHECK_THROWS_WITH(tessera::zeros<double>({tera, tera}),
                    "full: shape (1099511627776, 1099511627776) has more than 2^63 elements");
  CHECK_THROWS_WITH(tessera::zeros<double>({tera, tera, tera}, {1, 1, 1}),
                    Contains("has more than 2^63 elements"));
  CHECK_THROWS_AS(tessera::random::uniform<float>({tera, tera}, ChunkSpec::automatic()),
                  ArrayError);
  // A length of 0 anywhere: no elements, however long the other axes.
  CHECK(tessera::zeros<double>({tera, tera, 0}, {tera, tera, 1}).size() == 0);
}

TEST_CASE("chunks that would make more than 2^32 blocks are refused before any list is made") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  CHECK_THROWS_WITH(tessera::zeros<double>({tera}, {1}),
                    "full: blocks of (1,) split the shape (1099511627776,) into 1.1e+12 blocks "
                    "(expected at most 2^32: choose larger chunks)");
  // "auto" blocks of a 1-d array of 2^63 - 1 elements: halving the length overflowed and made
  // blocks of length 0.
  CHECK_THROWS_WITH(tessera::linspace<double>(0, 1, i64max),
                    Contains("linspace: blocks of (16777216,) split the shape"));
  CHECK(tessera::zeros<double>({std::int64_t{1} << 20}, {1}).numblocks() ==
        Shape{std::int64_t{1} << 20});
}

TEST_CASE("explicit chunks whose lengths add up beyond int64 are refused") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  // i64max + i64max + 6 wrapped around to 4: the chunks were taken for the shape (4,).
  CHECK_THROWS_WITH(tessera::zeros<double>({4}, ChunkSpec(Chunks{{i64max, i64max, 6}})),
                    Contains("add up to more than 2^63 along axis 0"));
}

TEST_CASE("host data that does not fill the shape is an error, not a read past its end") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  CHECK_THROWS_WITH(tessera::from_vector<double>(std::vector<double>(5), Shape{2, 3}),
                    "from_vector: 5 elements do not fill shape (2, 3) (6 elements)");
  CHECK_THROWS_WITH(tessera::from_vector<bool>(std::vector<bool>(7), Shape{2, 3}),
                    Contains("from_vector: 7 elements"));
  // 2^32 * 2^32 wraps to 0 in int64: an empty vector must not fill it.
  CHECK_THROWS_WITH(
      tessera::from_vector<double>({}, Shape{std::int64_t{1} << 32, std::int64_t{1} << 32}),
      Contains("more than 2^63 elements"));
  const std::vector<float> six(6, 1.5f);
  CHECK_THROWS_AS(tessera::from_buffer<float>(six, Shape{-2, -3}), ArrayError);
  CHECK(tessera::from_vector<float>(six, Shape{3, 2}).sum().compute().item() == 9.0f);
}

TEST_CASE("arange with infinite, NaN or too many elements is an error") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  CHECK_THROWS_WITH(tessera::arange<double>(0, INFINITY),
                    Contains("arange: start 0.000000, stop inf and step 1.000000 do not give"));
  CHECK_THROWS_AS(tessera::arange<double>(0, NAN), ArrayError);
  CHECK_THROWS_AS(tessera::arange<double>(0, 10, NAN), ArrayError);
  CHECK_THROWS_AS(tessera::arange<double>(0, 1e30), ArrayError);
  CHECK(tessera::arange<double>(0, -INFINITY).size() == 0);
  CHECK(tessera::arange<double>(0, 1e18, 1, {std::int64_t{1} << 50}).size() ==
        std::int64_t{1000000000000000000});
}

TEST_CASE(
    "random integers are exact over the whole int64 range and refuse bounds beyond the type") {
  const char* scheduler = GENERATE("sync", "threads");
  tessera::Client client(tessera::ClientOptions{scheduler});
  // [INT64_MIN, INT64_MAX): high was a double, 2^63, whose conversion back was undefined (on
  // x86 it gave INT64_MIN, an empty range: every value was INT64_MIN).
  auto full = tessera::random::integers<std::int64_t>(i64min, i64max, {1000}, {7}, 3).compute();
  std::int64_t negative = 0;
  for (std::int64_t v : full.values()) negative += v < 0;
  CHECK(negative > 400);
  CHECK(negative < 600);
  CHECK(std::set<std::int64_t>(full.values().begin(), full.values().end()).size() == 1000);
  // Above 2^53 low and high were the same double: "low is not below high".
  const std::int64_t low = (std::int64_t{1} << 62) + 1;
  auto narrow = tessera::random::integers<std::int64_t>(low, low + 3, {300}, {64}).compute();
  std::set<std::int64_t> seen(narrow.values().begin(), narrow.values().end());
  CHECK(seen == std::set<std::int64_t>{low, low + 1, low + 2});
  // The same values whatever the chunks.
  auto again = tessera::random::integers<std::int64_t>(low, low + 3, {300}, {300}).compute();
  CHECK(again.to_vector() == narrow.to_vector());

  CHECK_THROWS_WITH(tessera::random::integers<std::int32_t>(0, i64max, {4}),
                    "random.integers: low 0 and high 9223372036854775807 are out of bounds for "
                    "int32 (expected -2147483648 <= low < high <= 2147483648)");
  CHECK_THROWS_WITH(tessera::random::integers<std::uint8_t>(-10, 10, {4}),
                    Contains("out of bounds for uint8"));
  auto bytes = tessera::random::integers<std::uint8_t>(0, 256, {2000}, {100}).compute();
  std::set<int> byte_values(bytes.values().begin(), bytes.values().end());
  CHECK(byte_values.size() == 256);
  CHECK_THROWS_WITH(tessera::random::integers<std::int64_t>(5, 5, {4}),
                    "random.integers: low 5 is not below high 5");
}

TEST_CASE("float scalars beyond the integers saturate instead of converting undefinedly") {
  using tessera::detail::array::Scalar;
  // Run-time values: a compiler folds a constant conversion, hiding what the machine does.
  volatile double big = 1e300, infinity = INFINITY, nan = NAN, small = -2.5;
  CHECK(Scalar::of(double{big}).i == i64max);
  CHECK(Scalar::of(-big).i == i64min);
  CHECK(Scalar::of(double{infinity}).u == std::numeric_limits<std::uint64_t>::max());
  CHECK(Scalar::of(-infinity).u == 0);
  CHECK(Scalar::of(double{nan}).i == 0);
  CHECK(Scalar::of(double{small}).i == -2);
  tessera::Client client(tessera::ClientOptions{"sync"});
  auto x = tessera::arange<std::int64_t>(0, 4, 1, {3});
  const auto scaled = (x * INFINITY).compute();
  CHECK(std::isnan(scaled(0)));
  CHECK(scaled(3) == INFINITY);
  CHECK((x + 1e300).compute()(2) == 1e300);
}

TEST_CASE("slices with steps and bounds at the ends of int64 select what Python selects") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  auto x = tessera::arange<double>(0, 20, 1, {3});
  // x[::-2**63] is [19]; the count of elements overflowed and selected none.
  auto reversed = x(tessera::slice({}, {}, i64min)).compute();
  REQUIRE(reversed.shape() == Shape{1});
  CHECK(reversed(0) == 19);
  auto first = x(tessera::slice(i64min, i64max, i64max)).compute();
  REQUIRE(first.shape() == Shape{1});
  CHECK(first(0) == 0);
  auto every = x(tessera::slice(i64max, i64min, -7)).compute();
  CHECK(every.to_vector() == std::vector<double>{19, 12, 5});
  auto strided = x(tessera::slice(1, {}, i64max / 2)).compute();
  CHECK(strided.to_vector() == std::vector<double>{1});
}

TEST_CASE("topk refuses k at the ends of int64 and empty axes with what was expected") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  auto x = tessera::arange<double>(0, 20, 1, {4});
  // -INT64_MIN overflowed, and the chunks of the result came out negative.
  CHECK_THROWS_WITH(tessera::topk(x, i64min),
                    "topk: k = -9223372036854775808 is not in [-20, -1] or [1, 20], as the "
                    "length of axis 0 (shape (20,)) requires");
  CHECK_THROWS_AS(tessera::argtopk(x, i64max), ArrayError);
  CHECK_THROWS_WITH(tessera::topk(tessera::zeros<double>({0, 4}), 1, 0),
                    "topk: axis 0 of shape (0, 4) is empty: there is no top k");
  CHECK(tessera::topk(x, -3).compute().to_vector() == std::vector<double>{0, 1, 2});
}

TEST_CASE("a chain of ten thousand operations computes, reduces and is released") {
  const char* scheduler = GENERATE("sync", "threads");
  tessera::Client client(tessera::ClientOptions{scheduler});
  auto x = tessera::ones<double>({10, 6}, {4, 3});
  auto y = x;
  for (int i = 0; i < 10000; ++i) y = y + 1.0;
  CHECK(y.compute()(9, 5) == 10001);
  CHECK(y.sum().compute().item() == 60 * 10001.0);
  auto z = x;
  for (int i = 0; i < 5000; ++i) z = (z * 1.0).T();
  CHECK(z.shape() == Shape{10, 6});
  CHECK(z.compute()(3, 4) == 1);
  // Built and dropped without computing: releasing it went as deep as the chain (a million
  // operations overflowed the stack); it now takes a loop.
  auto deep = x;
  for (int i = 0; i < 100000; ++i) deep = deep - 1.0;
  deep = Array<double>();
}

TEST_CASE("blocks larger than memory and block functions of the wrong size fail naming them") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  const Shape huge{std::int64_t{1} << 46};
  auto zeros = tessera::zeros<double>(huge, {std::int64_t{1} << 46});
  // A block of 512 TiB (beyond any address space): an ArrayError with its size, not
  // std::bad_alloc. Sanitizers report such an allocation instead of failing it.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  CHECK_THROWS_WITH(zeros.compute(),
                    Contains("unable to allocate 562949953421312 bytes for a block of float64 "
                             "and shape (70368744177664,): choose smaller chunks"));
#endif
  auto two = [](const tessera::BlockInfo&) { return std::vector<double>(2, 1.0); };
  CHECK_THROWS_WITH(tessera::from_function<double>(two, huge, {std::int64_t{1} << 46}).compute(),
                    Contains("from_function/from_delayed: a block function returned 2 elements "
                             "for a block of shape (70368744177664,) (70368744177664 elements)"));
  CHECK_THROWS_WITH(tessera::from_function<double>(two, {6}, {3}).compute(),
                    Contains("returned 2 elements for a block of shape (3,) (3 elements)"));
}

TEST_CASE("expressions wider than the device kernels' limits fall back to the reference kernels") {
  tessera::Client client(tessera::ClientOptions{"threads"});
  const char* kernels = GENERATE("reference", "kokkos");
  try {
    tessera::config::set("array_kernels", kernels);
  } catch (const tessera::ConfigError&) {
    return;  // a build without Kokkos
  }
  struct Reset {
    ~Reset() { tessera::config::set("array_kernels", "auto"); }
  } reset;
  // 30 inputs and 60 operations: above 12 leaves and 40 instructions of a device kernel.
  std::vector<Array<double>> parts;
  for (int i = 0; i < 30; ++i) parts.push_back(tessera::full<double>({9, 5}, i, {4, 2}).persist());
  Array<double> total = parts[0];
  for (int i = 1; i < 30; ++i) total = total + parts[static_cast<std::size_t>(i)] * 1.0;
  CHECK(total.compute()(8, 4) == 435);
  CHECK(total.sum().compute().item() == 435 * 45);
  CHECK(total.max(0).compute()(1) == 435);
}
