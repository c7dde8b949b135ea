// Errors of array operations: an ArrayError whose message names the operation, the shapes or
// chunks, and what was expected.

#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "tessera/array.hpp"

using Catch::Contains;
using tessera::Array;
using tessera::ArrayError;
using tessera::Chunks;
using tessera::ChunkSpec;

namespace {
Array<double> matrix(std::int64_t rows, std::int64_t cols, ChunkSpec chunks) {
  return tessera::zeros<double>({rows, cols}, std::move(chunks));
}
}  // namespace

TEST_CASE("shapes that do not broadcast name the operation and both shapes") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  const auto a = matrix(1000, 20, {100, 20});
  const auto b = tessera::ones<double>({30});
  CHECK_THROWS_MATCHES(a + b, ArrayError,
                       Catch::Message("add: shapes (1000, 20) and (30,) do not broadcast"));
  CHECK_THROWS_WITH(tessera::less(b, a), "less: shapes (30,) and (1000, 20) do not broadcast");
  const auto c = tessera::ones<bool>({7, 1});
  CHECK_THROWS_WITH(tessera::where(c, tessera::ones<double>({3}), tessera::ones<double>({4})),
                    "where: shapes (7, 1), (3,) and (4,) do not broadcast");
  CHECK_THROWS_WITH(tessera::zeros<double>({2, 0}) * tessera::zeros<double>({3}),
                    "multiply: shapes (2, 0) and (3,) do not broadcast");
}

TEST_CASE("operands whose chunks differ are rechunked to their common splitting, not refused") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  const auto a = matrix(10, 4, {5, 4});
  const auto b = matrix(10, 4, {3, 4});
  const auto d = a - b;
  CHECK(d.chunks() == tessera::Chunks{{3, 2, 1, 3, 1}, {4}});
  const auto values = d.compute();
  for (double v : values.values()) CHECK(v == 0);
}

TEST_CASE("axes out of range, given twice or several for argmax are errors naming them") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  const auto a = matrix(4, 5, {2, 2});
  CHECK_THROWS_MATCHES(
      a.sum(2), ArrayError,
      Catch::Message("sum: axis 2 is out of bounds for an array of dimension 2 (shape (4, 5))"));
  CHECK_THROWS_WITH(a.mean(-3),
                    "mean: axis -3 is out of bounds for an array of dimension 2 "
                    "(shape (4, 5))");
  CHECK_THROWS_WITH(a.max({1, -1}), "max: axis -1 is given twice");
  CHECK_THROWS_WITH(a.argmax({0, 1}), Contains("argmax: give one axis, or none"));
  CHECK_THROWS_WITH(a.var(0, {.ddof = -1}), "var: ddof -1 is negative");
  CHECK_THROWS_WITH(a.sum(0, {.split_every = 1}), "sum: split_every 1 is below 2");
  CHECK_THROWS_WITH(a.transpose({0, 0}),
                    "transpose: axes (0, 0) are not a permutation of the "
                    "2 axes of shape (4, 5)");
  CHECK_THROWS_WITH(a.transpose({1}), Contains("transpose: axes (1) are not a permutation"));
  CHECK_THROWS_WITH(tessera::swapaxes(a, 0, 2),
                    "swapaxes: axis 2 is out of range for an array of 2 dimensions");
}

TEST_CASE("bad chunks name the operation, the chunks and the shape") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  CHECK_THROWS_WITH(tessera::zeros<double>({4, 5}, ChunkSpec{2, 0}),
                    "full: chunks (2, 0) have length 0 along axis 1 (expected a positive "
                    "length, or -1 for the whole axis)");
  CHECK_THROWS_WITH(tessera::zeros<double>({4, 5}, ChunkSpec{2, 2, 2}),
                    "full: chunks (2, 2, 2) have 3 axes but shape (4, 5) has 2");
  CHECK_THROWS_WITH(tessera::ones<float>({4, 5}, ChunkSpec(Chunks{{2, 2}, {3, 3}})),
                    "full: chunks ((2, 2), (3, 3)) add up to 6 along axis 1 but the shape "
                    "(4, 5) has 5");
  CHECK_THROWS_WITH(tessera::ones<float>({4}, ChunkSpec(Chunks{{5, -1}})),
                    Contains("full: chunks ((5, nan),) have a negative length"));  // -1: unknown
  CHECK_THROWS_WITH(tessera::zeros<double>({-1}), Contains("full: shape (nan,)"));
  std::vector<double> six(6);
  CHECK_THROWS_WITH(tessera::from_vector(six, {2, 3}, ChunkSpec{1, 1, 1}),
                    "from_vector: chunks (1, 1, 1) have 3 axes but shape (2, 3) has 2");
  CHECK_THROWS_WITH(tessera::from_buffer<double>(std::span<const double>(six), {4, 2}),
                    "from_buffer: 6 elements do not fill shape (4, 2) (8 elements)");
  std::vector<tessera::Delayed<std::vector<double>>> blocks{
      tessera::delayed_value(std::vector<double>(3))};
  CHECK_THROWS_WITH(tessera::from_delayed<double>(blocks, {6}, Chunks{{3, 3}}),
                    "from_delayed: 1 blocks were given for a grid of 2 blocks (chunks ((3, 3),))");
  CHECK_THROWS_WITH(tessera::from_delayed<double>(blocks, {6}, Chunks{{3}}),
                    "from_delayed: chunks ((3,),) do not make up shape (6,)");
}

TEST_CASE("an empty (default-constructed) array names the operation that used it") {
  Array<double> empty;
  CHECK(empty.summary() == "tessera.Array<empty>");
  CHECK_THROWS_MATCHES(empty.compute(), ArrayError,
                       Catch::Message("compute: the array is empty (default-constructed); "
                                      "assign it from an array operation first"));
  CHECK_THROWS_WITH(empty.shape(), Contains("shape: the array is empty"));
  CHECK_THROWS_WITH(empty.sum(), Contains("reduce: the array is empty"));
  CHECK_THROWS_WITH(empty + 1.0, Contains("use: the array is empty"));
}

TEST_CASE("integer scalars out of the array type's range are errors naming value and type") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  const auto u = tessera::ones<std::uint8_t>({3});
  CHECK_THROWS_MATCHES(u + 300, ArrayError,
                       Catch::Message("add: the integer 300 is out of bounds for uint8 (as in "
                                      "NumPy 2; convert the array with astype first)"));
  CHECK_THROWS_WITH(u * -1, Contains("multiply: the integer -1 is out of bounds for uint8"));
  CHECK_THROWS_WITH(tessera::ones<std::int32_t>({3}) - (std::int64_t{1} << 40),
                    Contains("is out of bounds for int32"));
  CHECK_THROWS_WITH(tessera::ones<std::int64_t>({3}) + (std::uint64_t{1} << 63),
                    "add: the integer 9223372036854775808 is out of bounds for int64 (as in "
                    "NumPy 2; convert the array with astype first)");
  CHECK_THROWS_WITH(tessera::ones<std::uint64_t>({3}) + -1,
                    Contains("add: the integer -1 is out of bounds for uint64"));
  // Comparisons are answered, as in NumPy 2.
  CHECK((u < 300).compute().to_vector() == std::vector<bool>{true, true, true});
  CHECK((u == -1).compute().to_vector() == std::vector<bool>{false, false, false});
  CHECK((-1 < u).compute().to_vector() == std::vector<bool>{true, true, true});
}

TEST_CASE("operations a type does not support name the operation and the type") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  const auto b = tessera::ones<bool>({3});
  const auto f = tessera::ones<double>({3});
  CHECK_THROWS_WITH(b - b, Contains("subtract: bool arrays cannot be subtracted"));
  CHECK_THROWS_WITH(tessera::floor_divide(b, b), Contains("floor_divide: not supported for bool"));
  CHECK_THROWS_WITH(-b, Contains("negative: not supported for bool arrays"));
  CHECK_THROWS_WITH(tessera::positive(b), Contains("positive: not supported for bool arrays"));
  CHECK_THROWS_WITH(f & f,
                    "bitwise_and: not supported for float64 arrays (only integers and bool)");
  CHECK_THROWS_WITH(~f, "invert: not supported for float64 arrays (only integers and bool)");
}

TEST_CASE("creation arguments out of range name the function and the argument") {
  CHECK_THROWS_WITH(tessera::arange<double>(0, 10, 0), "arange: step must not be 0");
  CHECK_THROWS_WITH(tessera::linspace<double>(0, 1, -2),
                    "linspace: the number of samples -2 is negative");
  CHECK_THROWS_WITH(tessera::random::integers<std::int32_t>(5, 5, {3}),
                    "random.integers: low 5 is not below high 5");
  CHECK_THROWS_WITH(tessera::random::normal<double>({3}, {}, 0, 0, -1),
                    Contains("random.normal: the standard deviation -1"));
}

TEST_CASE("errors found while computing name the operation and come back as task errors") {
  tessera::Client client(tessera::ClientOptions{"threads", 2});
  const auto empty = tessera::zeros<double>({0, 3}, ChunkSpec{2, 2});
  CHECK_THROWS_WITH(empty.max(0),
                    "max: zero-size array to reduction operation maximum which "
                    "has no identity (shape (0, 3))");
  CHECK_THROWS_WITH(empty.argmin(0),
                    "argmin: attempt to get argmin of an empty sequence (shape (0, 3))");
  const double nan = std::nan("");
  const auto x = tessera::from_vector<double>({1, nan, nan, nan}, {2, 2}, ChunkSpec{1, 1});
  CHECK_THROWS_WITH(x.nanargmax(1).compute(), Contains("nanargmax: All-NaN slice encountered"));
  const auto i = tessera::from_vector<std::int32_t>({2, 3, -1}, ChunkSpec{2});
  CHECK_THROWS_WITH(tessera::power(i, i).compute(),
                    Contains("power: integers to negative integer powers are not allowed"));
  CHECK_THROWS_WITH(x.compute()(2, 0), "HostArray: index (2, 0) is out of range for shape (2, 2)");
  CHECK_THROWS_WITH(x.compute().item(),
                    "HostArray::item: the array of shape (2, 2) does not have exactly one element");
  std::vector<tessera::Delayed<std::vector<double>>> blocks{
      tessera::delayed_value(std::vector<double>(2)),
      tessera::delayed_value(std::vector<double>(3))};
  const auto bad = tessera::from_delayed<double>(blocks, {6}, Chunks{{3, 3}});
  CHECK_THROWS_WITH(bad.compute(),
                    Contains("returned 2 elements for a block of shape (3,) (3 elements)"));
}
