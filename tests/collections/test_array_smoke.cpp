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
