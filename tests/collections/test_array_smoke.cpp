#include <catch2/catch.hpp>
#include <tessera/array.hpp>

using tessera::Array;
using tessera::ChunkSpec;

TEST_CASE("an array made from a vector computes back to the same values") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  std::vector<double> values(35);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i);
  auto x = tessera::from_vector(values, {5, 7}, ChunkSpec{2, 3});
  CHECK(x.numblocks() == tessera::Shape{3, 3});
  auto m = x.compute();
  CHECK(m.shape() == tessera::Shape{5, 7});
  CHECK(m.to_vector() == values);
  auto y = (x + x.T().T() * 2.0).sum();
  CHECK(y.compute().item() == Approx(3 * 34 * 35 / 2));
  auto s = x.sum(0).compute();
  CHECK(s(0) == Approx(0 + 7 + 14 + 21 + 28));
  auto mean = x.mean(1).compute();
  CHECK(mean(4) == Approx(31));
  CHECK(x.argmax().compute().item() == 34);
}

TEST_CASE("transposed reads of 3-d blocks give the values of the transposed array") {
  tessera::Client client(tessera::ClientOptions{"sync"});
  // Blocks whose transposed reads go through row panels, with several outer indices; the
  // second shape has fewer rows than a panel holds.
  for (const auto& [rows, cols] : {std::pair<std::int64_t, std::int64_t>{40, 50}, {8, 10}}) {
    const tessera::Shape shape{3, rows, cols};
    std::vector<double> values(static_cast<std::size_t>(3 * rows * cols));
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i);
    auto at = [&](std::int64_t a, std::int64_t j, std::int64_t i) {
      return values[static_cast<std::size_t>((a * rows + j) * cols + i)];
    };
    auto x = tessera::from_vector(values, shape, ChunkSpec{2, rows, cols});
    auto y = (x.transpose({0, 2, 1}) + 0.0).compute();
    auto z = (x.T() * 1.0).compute();
    for (std::int64_t a = 0; a < 3; ++a) {
      for (std::int64_t i = 0; i < cols; ++i) {
        for (std::int64_t j = 0; j < rows; ++j) {
          REQUIRE(y(a, i, j) == at(a, j, i));
          REQUIRE(z(i, j, a) == at(a, j, i));
        }
      }
    }
  }
}

TEST_CASE("host data that does not fill the shape is an ArrayError, not a read past its end") {
  const std::vector<double> values(10, 1.0);
  CHECK_THROWS_WITH(tessera::from_vector(values, tessera::Shape{3, 4}),
                    "from_vector: 10 elements do not fill shape (3, 4) (12 elements)");
  CHECK_THROWS_AS(tessera::from_vector(values, tessera::Shape{-2, -5}), tessera::ArrayError);
  CHECK_THROWS_WITH(tessera::from_buffer(std::span<const double>(values), {11}),
                    "from_buffer: 10 elements do not fill shape (11,) (11 elements)");
  CHECK(tessera::from_vector(values, tessera::Shape{2, 5}).size() == 10);
}
